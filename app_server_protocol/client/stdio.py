"""Start an app-server as a child process and talk to it over its stdio."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from os import PathLike
from typing import IO, Any, Final

import anyio
from anyio.abc import Process

from ._block import block_tasks
from .connection import DEFAULT_MAX_BUFFERED, DEFAULT_MAX_THREADS, AppServerClient

log = logging.getLogger("app_server_protocol.client")

#: The daemon as installed: ``codex-app-server app-server`` (stdio is its default).
DEFAULT_COMMAND: Final = ("codex-app-server", "app-server")
#: How long the daemon gets to exit after its stdin closes, before it is killed.
DEFAULT_GRACE_SECONDS: Final = 5.0


class StdioAppServerClient(AppServerClient):
    """A client whose server is a child process."""

    def __init__(self, process: Process, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.process = process

    @property
    def returncode(self) -> int | None:
        """The daemon's exit status, once it has exited."""
        return self.process.returncode


async def close_process(process: Process, grace_seconds: float) -> int:
    """EOF on the daemon's stdin, then wait for it; kill it after ``grace_seconds``."""
    if process.stdin is not None:
        with suppress(anyio.BrokenResourceError, OSError):
            await process.stdin.aclose()
    return await wait_or_kill(process, grace_seconds, after="EOF")


async def wait_or_kill(process: Process, grace_seconds: float, *, after: str) -> int:
    """Wait for the daemon, asked to stop (by ``after``), to exit; kill it
    after ``grace_seconds``."""
    with anyio.move_on_after(grace_seconds):
        return await process.wait()
    log.warning("the app-server did not exit %.1fs after %s; killing it", grace_seconds, after)
    process.kill()
    return await process.wait()


@asynccontextmanager
async def spawn_stdio(
    command: Sequence[str | PathLike[str]] = DEFAULT_COMMAND,
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | PathLike[str] | None = None,
    stderr: int | IO[Any] | None = None,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
    max_buffered: int = DEFAULT_MAX_BUFFERED,
    max_threads: int = DEFAULT_MAX_THREADS,
) -> AsyncIterator[StdioAppServerClient]:
    """Start ``command`` (the daemon's argv) and yield a client connected to
    its stdin and stdout; on exit, close its stdin and wait for it to exit
    (killing it after ``grace_seconds``).

    ``env`` is the daemon's whole environment (None: this process's);
    ``stderr`` goes where `subprocess` would send it (None: inherited).
    The client is not initialized: call `initialize` first.
    """
    process = await anyio.open_process(
        list(command),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        cwd=cwd,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        async with block_tasks(lambda: close_process(process, grace_seconds)) as tasks:
            client = StdioAppServerClient(
                process,
                process.stdin,
                tasks,
                max_buffered=max_buffered,
                max_threads=max_threads,
            )
            tasks.start_soon(client.read_from, process.stdout)
            yield client
    finally:
        if process.returncode is None:
            with anyio.CancelScope(shield=True):
                process.kill()
                await process.wait()
