"""Pausing the cyclic garbage collector while a long file is parsed.

Parsing a rollout of thousands of lines makes tens of thousands of objects
that live on (a thread's history, its turns); each of them counts towards
the next collection, which then walks them all again, and again: a third of
a resume went there. Nothing a parse makes is part of a cycle, so the
collector waits until the parse is done. The pause is process-wide (the
collector has no other kind) and nests across threads: the collector runs
again once the last pause ends, if it ran before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
