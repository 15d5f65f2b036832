"""Giving freed heap memory back to the operating system, and keeping the
C heap in one piece.

A big answer (a resumed thread's turns: megabytes of JSON, made from tens
of thousands of short-lived objects) leaves the C heap with that much free
memory that glibc keeps mapped: the daemon's resident size stays at its
peak. `malloc_trim` returns the free pages; it costs about a millisecond, so
it is called only after such an answer. A no-op where the C library has no
`malloc_trim` (not glibc).

glibc also gives each thread that allocates its own heap (an arena): the
loader's, and those of the worker threads that read rollouts and build the
HTTP client, each keep the free memory of their own bursts, about 1.6 MB
in all after a long thread is resumed. The daemon's threads allocate little
at the same time (they hold the GIL), so `share_one_heap` makes them all use
the main one, before the first worker thread starts.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Final

#: An answer at least this large is followed by a trim of the heap.
BIG_MESSAGE_BYTES: Final = 1 << 20
#: glibc's `mallopt` parameter for the most arenas (heaps) threads may use.
M_ARENA_MAX: Final = -8


@cache
def _libc_function(name: str) -> Callable[..., int] | None:
    """A function of glibc (ctypes is loaded on first use, not at start-up)."""
    import ctypes

    try:
        function: Callable[..., int] = getattr(ctypes.CDLL("libc.so.6"), name)
    except (OSError, AttributeError):
        return None
    return function


def _malloc_trim() -> Callable[[int], int] | None:
    return _libc_function("malloc_trim")


def share_one_heap() -> None:
    """Make threads started from now on allocate from the main heap (where
    glibc can). Call it from the main thread, before starting a thread."""
    mallopt = _libc_function("mallopt")
    if mallopt is not None:
        mallopt(M_ARENA_MAX, 1)


def release_free_memory() -> None:
    """Return the C heap's free pages to the system (where glibc can)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
