"""The process groups the daemon started (commands, MCP servers): none may
outlive it. Standard library only, so the app can hold it from the start.

When the daemon goes away (end of input, stdout closed, SIGTERM, SIGHUP,
SIGINT), `stop_all` sends every group SIGTERM, then SIGKILL to what is left
after a grace period; from then on a group that starts is killed at once.
`kill_all` is the last resort. A kill -9 of the daemon is covered by the
children themselves (see `hardening.child_setup`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

_live: set[int] = set()
_closing = False

#: How often `stop_all` looks whether the groups are gone.
_POLL_SECONDS = 0.02


def track(group: int) -> None:
    """A process group the daemon started and must kill when it exits."""
    _live.add(group)
    if _closing:
        signal_group(group, signal.SIGKILL)


def forget(group: int) -> None:
    """The group has ended (or was stopped on purpose)."""
    _live.discard(group)


def signal_group(group: int, signal_number: int) -> None:
    """Signal every process of ``group`` (gone or foreign groups are ignored)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal_number)


def _exists(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


async def stop_all(grace: float) -> None:
    """The daemon is going away: SIGTERM to every group, SIGKILL to those
    still there after ``grace`` seconds; any group started later is killed
    at once."""
    import anyio

    global _closing
    _closing = True
    for group in list(_live):
        signal_group(group, signal.SIGTERM)
    deadline = time.monotonic() + grace
    # Polled: nothing tells when the last process of a group is gone.
    while any(_exists(group) for group in list(_live)) and time.monotonic() < deadline:  # noqa: ASYNC110
        await anyio.sleep(_POLL_SECONDS)
    kill_all()


def kill_all() -> None:
    """Kill every group still running (the daemon is going away)."""
    for group in list(_live):
        signal_group(group, signal.SIGKILL)
    _live.clear()
