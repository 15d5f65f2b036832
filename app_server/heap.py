"""Giving freed heap memory back to the operating system.

A big answer (a resumed thread's turns: megabytes of JSON, made from tens
of thousands of short-lived objects) leaves the C heap with that much free
memory that glibc keeps mapped: the daemon's resident size stays at its
peak. `malloc_trim` returns the free pages; it costs about a millisecond, so
it is called only after such an answer. A no-op where the C library has no
`malloc_trim` (not glibc).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Final

#: An answer at least this large is followed by a trim of the heap.
BIG_MESSAGE_BYTES: Final = 1 << 20


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (ctypes is loaded on first use, not at start-up)."""
    import ctypes

    try:
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def release_free_memory() -> None:
    """Return the C heap's free pages to the system (where glibc can)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
