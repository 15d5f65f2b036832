"""Starting a child the daemon must not leave behind: a command, an MCP server.

The child leads a new session (so a process group of its own, which is
signalled as a whole), is registered in `process_groups` before anything
else can happen, and runs `hardening.child_setup` between fork and exec: it
dies with the daemon and gets the core-dump limit the daemon took away.

`anyio.open_process` has no way to pass a function to run before exec, so
this goes one level down, to the event loop backend's ``open_process``, which
hands its keyword arguments to `subprocess.Popen` (anyio 4).
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from anyio._core._eventloop import get_async_backend
from anyio.abc import Process

from . import process_groups
from .hardening import child_setup


async def open_process_group(
    argv: Sequence[str],
    *,
    stdin: int | IO[Any] | None,
    stdout: int | IO[Any] | None,
    stderr: int | IO[Any] | None,
    cwd: str | Path | None,
    env: Mapping[str, str],
    pass_fds: Sequence[int] = (),
) -> Process:
    """Start ``argv``; the caller `process_groups.forget`\\ s its group
    (``process.pid``) once it has stopped it. `OSError` when it cannot start."""
    try:
        process = await get_async_backend().open_process(
            list(argv),
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            cwd=cwd,
            env=dict(env),
            start_new_session=True,
            pass_fds=pass_fds,
            preexec_fn=child_setup(),
        )
    except subprocess.SubprocessError as exc:  # the set-up failed in the child
        raise OSError(f"cannot start {argv[0]}: {exc}") from None
    process_groups.track(process.pid)
    return process
