"""Giving freed heap memory back to the operating system.

A big answer (a resumed thread's turns: megabytes of JSON, made from tens
of thousands of short-lived objects) leaves the C heap with that much free
memory that glibc keeps mapped: the daemon's resident size stays at its
peak. `malloc_trim` returns the free pages; it costs about a millisecond, so
it is called only after such an answer. A no-op where the C library has no
`malloc_trim` (not glibc).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from typing import Final

#: An answer at least this large is followed by a trim of the heap.
BIG_MESSAGE_BYTES: Final = 1 << 20


def _find_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


_trim = _find_trim()


def release_free_memory() -> None:
    """Return the C heap's free pages to the system (where glibc can)."""
    if _trim is not None:
        _trim(0)
