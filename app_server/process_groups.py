"""The process groups the daemon started (commands, MCP servers): none may
outlive it. Standard library only, so the app can hold it from the start."""

from __future__ import annotations

import contextlib
import os
import signal

_live: set[int] = set()


def track(group: int) -> None:
    """A process group the daemon started and must kill when it exits."""
    _live.add(group)


def forget(group: int) -> None:
    """The group has ended (or was stopped on purpose)."""
    _live.discard(group)


def signal_group(group: int, signal_number: int) -> None:
    """Signal every process of ``group`` (gone or foreign groups are ignored)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal_number)


def kill_all() -> None:
    """Kill every group still running (the daemon is going away)."""
    for group in list(_live):
        signal_group(group, signal.SIGKILL)
    _live.clear()
