"""Talk to an app-server that serves WebSocket (``--listen ws://IP:PORT``):
one JSON-RPC message per text frame, each connection a session of its own.

`connect_websocket` opens a connection to a running daemon;
`spawn_websocket` starts one listening on a free loopback port and connects
to it. `websockets` is imported when a connection opens, not with this module.
"""

from __future__ import annotations

import codecs
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from os import PathLike
from typing import IO, TYPE_CHECKING, Any, Final

import anyio
from anyio.abc import ByteReceiveStream, Process, TaskGroup

from ._block import block_tasks
from .connection import (
    DEFAULT_MAX_BUFFERED,
    DEFAULT_MAX_THREADS,
    AppServerClient,
    ConnectionClosed,
)
from .stdio import DEFAULT_COMMAND, DEFAULT_GRACE_SECONDS, wait_or_kill

if TYPE_CHECKING:
    from ._ws_transport import WebSocketTransport


#: The longest message read from the server (whole diffs and outputs go in one).
MAX_MESSAGE_BYTES: Final = 256 * 1024 * 1024
#: How long connecting and the opening handshake may take.
DEFAULT_OPEN_SECONDS: Final = 30.0
#: How long the server gets to answer the client's close frame.
DEFAULT_CLOSE_SECONDS: Final = 5.0
#: How long a spawned daemon gets to print where it listens.
DEFAULT_START_SECONDS: Final = 60.0

_LISTENING: Final = re.compile(r"listening on: (ws://\S+)")


class WebSocketAppServerClient(AppServerClient):
    """A client connected over WebSocket; ``url`` is the server's address."""

    def __init__(
        self, transport: WebSocketTransport, url: str, task_group: TaskGroup, **options: Any
    ) -> None:
        super().__init__(transport.send_text, task_group, **options)
        self.transport = transport
        self.url = url
        self.process: Process | None = None
        """The daemon, when `spawn_websocket` started it."""

    def _closed_detail(self) -> str:
        return f" ({self.transport.describe_close()})"


@asynccontextmanager
async def connect_websocket(
    url: str,
    *,
    max_buffered: int = DEFAULT_MAX_BUFFERED,
    max_threads: int = DEFAULT_MAX_THREADS,
    open_seconds: float = DEFAULT_OPEN_SECONDS,
    close_seconds: float = DEFAULT_CLOSE_SECONDS,
    max_message_bytes: int = MAX_MESSAGE_BYTES,
) -> AsyncIterator[WebSocketAppServerClient]:
    """Connect to the daemon listening at ``url`` (``ws://HOST:PORT``) and
    yield a client; on exit, send a close frame and wait up to
    ``close_seconds`` for the server to close the connection.

    The client is not initialized: call `initialize` first (each connection
    is a session of its own). Raises `ConnectionClosed` when the server
    cannot be reached, refuses the handshake or does not complete it within
    ``open_seconds``.
    """
    from ._ws_transport import WebSocketTransport

    try:
        with anyio.fail_after(open_seconds):
            transport = await WebSocketTransport.open(url, max_size=max_message_bytes)
    except TimeoutError as exc:
        raise ConnectionClosed(f"no WebSocket handshake with {url} in {open_seconds}s") from exc
    try:
        async with block_tasks(lambda: transport.close(close_seconds)) as tasks:
            client = WebSocketAppServerClient(
                transport, url, tasks, max_buffered=max_buffered, max_threads=max_threads
            )
            tasks.start_soon(client.read_messages, transport.messages())
            yield client
    finally:
        with anyio.CancelScope(shield=True):
            await transport.abort()


@asynccontextmanager
async def spawn_websocket(
    command: Sequence[str | PathLike[str]] = DEFAULT_COMMAND,
    *,
    listen: str = "ws://127.0.0.1:0",
    env: Mapping[str, str] | None = None,
    cwd: str | PathLike[str] | None = None,
    stderr: IO[bytes] | int | None = None,
    start_seconds: float = DEFAULT_START_SECONDS,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
    **options: Any,
) -> AsyncIterator[WebSocketAppServerClient]:
    """Start ``command`` (the daemon's argv) with ``--listen listen``, read
    the address it listens on from its stderr (port 0: a free one), and
    yield a client connected to it (`connect_websocket`'s ``options``); the
    client's ``url`` is that address, for more connections. On exit, close
    the connection, then stop the daemon (SIGTERM; killed after
    ``grace_seconds``).

    The daemon's stderr is copied to ``stderr`` (None: this process's;
    `subprocess.DEVNULL`: nowhere). Raises `TimeoutError` when the daemon
    says nothing of listening within ``start_seconds``, `RuntimeError` when
    it exits first (with what it said).
    """
    process = await anyio.open_process(
        [*command, "--listen", listen],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
    )
    assert process.stderr is not None
    try:
        async with block_tasks(lambda: _stop(process, grace_seconds)) as copying:
            url = await _listening_url(process.stderr, stderr, start_seconds, copying)
            async with connect_websocket(url, **options) as client:
                client.process = process
                yield client
    finally:
        if process.returncode is None:
            with anyio.CancelScope(shield=True):
                process.kill()
                await process.wait()


async def _listening_url(
    daemon_stderr: ByteReceiveStream,
    copy_to: IO[bytes] | int | None,
    timeout: float,
    tasks: TaskGroup,
) -> str:
    """Copy the daemon's stderr (in a task of ``tasks``, for as long as it
    runs) and return the URL of its ``listening on:`` line."""
    found: list[str] = []
    seen = anyio.Event()
    head: list[str] = []

    async def copy() -> None:
        pending = ""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        async for chunk in daemon_stderr:
            if copy_to is None:
                await anyio.to_thread.run_sync(_write_to_stderr, chunk)
            elif not isinstance(copy_to, int):
                await anyio.to_thread.run_sync(_write, copy_to, chunk)
            if seen.is_set():
                continue
            pending += decoder.decode(chunk)
            *lines, pending = pending.split("\n")
            for line in lines:
                head.append(line)
                if match := _LISTENING.search(line):
                    found.append(match.group(1))
                    seen.set()
        head.append(pending)
        seen.set()  # its stderr ended: it exited (or closed it) without listening

    tasks.start_soon(copy)
    with anyio.move_on_after(timeout):
        await seen.wait()
    if found:
        return found[0]
    said = "\n".join(head[-20:]).rstrip("\n")
    if not seen.is_set():
        raise TimeoutError(f"the daemon did not say where it listens in {timeout}s:\n{said}")
    raise RuntimeError(f"the daemon exited before listening:\n{said}")


def _write(target: IO[bytes], data: bytes) -> None:
    with suppress(OSError, ValueError):
        target.write(data)
        target.flush()


def _write_to_stderr(data: bytes) -> None:
    buffer = getattr(sys.stderr, "buffer", None)
    if buffer is not None:
        _write(buffer, data)
    else:  # a text-only stand-in (a test's capture, an IDE's console)
        with suppress(OSError, ValueError):
            sys.stderr.write(data.decode(errors="replace"))


async def _stop(process: Process, grace_seconds: float) -> int:
    """SIGTERM, then wait; kill after ``grace_seconds``."""
    if process.returncode is None:
        with suppress(ProcessLookupError):
            process.terminate()
    return await wait_or_kill(process, grace_seconds, after="SIGTERM")
