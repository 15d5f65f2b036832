"""Keeping the daemon's secrets (API keys, tokens) out of core dumps and
debuggers, and what every child it starts gets between fork and exec.

At start-up, as Codex does before ``main`` (`limit_core_dumps`, then
`make_undumpable` once the ``initialize`` reply is out):

- core dumps are off: RLIMIT_CORE's soft limit becomes 0. The hard limit is
  kept, so that children can get the original limit back.
- on Linux the process is not dumpable (``PR_SET_DUMPABLE`` 0): no core dump
  whatever the limit, and no other process of the same user may ``ptrace`` it
  or read its memory or environment through ``/proc``.

`child_setup` is what a command or an MCP server runs between fork and exec:
it gets the original RLIMIT_CORE back and, on Linux, dies (SIGKILL) with the
daemon, however the daemon ends, kill -9 included (``PR_SET_PDEATHSIG``; it
follows the child through exec, not into the processes the child starts).
Being non-dumpable needs no undoing: the kernel makes a process dumpable again
when it executes an ordinary program.

Standard library only; ``ctypes`` (a few milliseconds to import) is loaded
only by `make_undumpable` and `child_setup`.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Final

#: ``prctl`` options (linux/prctl.h).
PR_SET_PDEATHSIG: Final = 1
PR_GET_DUMPABLE: Final = 3
PR_SET_DUMPABLE: Final = 4

#: RLIMIT_CORE as the daemon found it, before `limit_core_dumps`.
_original_core_limit: tuple[int, int] | None = None
_prctl: Callable[..., int] | None = None


class HardeningError(Exception):
    """The daemon could not protect its memory; the message says why."""


def limit_core_dumps() -> None:
    """No core dump of the daemon: RLIMIT_CORE's soft limit becomes 0."""
    import resource

    global _original_core_limit
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    if _original_core_limit is None:
        _original_core_limit = (soft, hard)
    if soft != 0:
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
        except (OSError, ValueError) as exc:
            raise HardeningError(f"cannot disable core dumps: {exc}") from None


def make_undumpable() -> None:
    """On Linux, ``PR_SET_DUMPABLE`` 0 (elsewhere, nothing)."""
    if not sys.platform.startswith("linux"):
        return
    if prctl(PR_SET_DUMPABLE, 0) != 0:
        raise HardeningError(f"prctl(PR_SET_DUMPABLE, 0) failed: {_last_error()}")


def is_dumpable() -> bool:
    """Whether the daemon may be dumped or traced (``PR_GET_DUMPABLE``; True off Linux)."""
    if not sys.platform.startswith("linux"):
        return True
    return prctl(PR_GET_DUMPABLE) != 0


def prctl(option: int, argument: int = 0) -> int:
    """``prctl(option, argument, 0, 0, 0)`` (Linux only); -1 on failure (see `_last_error`)."""
    global _prctl
    if _prctl is None:
        import ctypes

        function = ctypes.CDLL(None, use_errno=True).prctl
        function.argtypes = [ctypes.c_int, *[ctypes.c_ulong] * 4]
        function.restype = ctypes.c_int
        _prctl = function
    result: int = _prctl(option, argument, 0, 0, 0)
    return result


def _last_error() -> str:
    import ctypes

    return os.strerror(ctypes.get_errno())


def child_setup() -> Callable[[], None] | None:
    """What a long-lived child runs between fork and exec (None: nothing).

    Built in the daemon, so that the child only calls functions already
    bound: no import, no lock, nothing to allocate that fork could have left
    half-made.
    """
    import resource

    restore = _original_core_limit
    if restore is not None and resource.getrlimit(resource.RLIMIT_CORE) == restore:
        restore = None
    linux = sys.platform.startswith("linux")
    if not linux and restore is None:
        return None
    set_death_signal = prctl if linux else None
    if set_death_signal is not None:
        set_death_signal(PR_GET_DUMPABLE)  # binds `prctl` now, in the daemon
    daemon = os.getpid()
    getpid, getppid, kill, setrlimit = os.getpid, os.getppid, os.kill, resource.setrlimit
    core, sigkill = resource.RLIMIT_CORE, signal.SIGKILL

    def setup() -> None:
        if set_death_signal is not None:
            if set_death_signal(PR_SET_PDEATHSIG, sigkill) != 0:
                raise OSError("prctl(PR_SET_PDEATHSIG) failed")
            if getppid() != daemon:
                # The daemon died between fork and prctl: no signal will come.
                kill(getpid(), sigkill)
        if restore is not None:
            setrlimit(core, restore)

    return setup
