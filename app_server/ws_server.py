"""Serving over WebSocket (``--listen ws://IP:PORT``): one JSON-RPC message
per text frame, any number of clients at once.

Each connection is a session of its own: its own ``initialize`` (requests
before it are refused, as on stdio), its own opt-outs and client face, its
own subscriptions. Threads belong to the daemon: a thread started on one
connection can be resumed on another, and then streams to both.

Each connection has one writer task that owns its socket, fed by its own
`Outgoing`. Senders never wait for a slow client (every other connection
would wait too): when a connection's queue is full it is dropped, with a
log line, as the reference does. A connection that closes (a close frame,
or a socket that drops) ends its subscriptions and fails the requests
waiting for its answers, so an approval it alone was asked is cancelled;
its threads go on, loaded, as in 0.107.0.

A request that carries an ``Origin`` header is refused (403): browsers send
one, and no web page should drive the agent (newer Codex releases refuse
them too). The ``websockets`` package is imported here only: stdio start-up
never pays for it.
"""

from __future__ import annotations

import ipaddress
import itertools
import math
import os
import sys
from http import HTTPStatus
from typing import TYPE_CHECKING, Final

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from .app import App, Connection
from .audience import Clients
from .logs import adopt_library_logger, log
from .outgoing import MAX_QUEUED_BYTES, Outgoing
from .processor import Processor
from .transport import MAX_LINE_BYTES
from .wire_log import received

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    from .options import ServeOptions

#: Messages waiting for one client, at most, before it is dropped as too slow
#: (the byte bound `outgoing.MAX_QUEUED_BYTES` holds too).
MAX_QUEUED_MESSAGES: Final = 1024
#: Overrides `MAX_QUEUED_MESSAGES` (tests make it small).
QUEUE_MESSAGES_ENV: Final = "CODEX_APP_SERVER_WS_QUEUE_MESSAGES"
#: How long, when the daemon stops, connections have to close.
CLOSE_SECONDS: Final = 3.0


class BindError(Exception):
    """The address cannot be listened on."""


def banner(host: str, port: int) -> str:
    """What the daemon prints to stderr once it listens (as 0.107.0 words it)."""
    shown = f"[{host}]" if ":" in host else host
    lines = ["codex app-server (WebSockets)", f"  listening on: ws://{shown}:{port}"]
    if ipaddress.ip_address(host).is_loopback:
        lines.append("  note: binds localhost only (use SSH port-forwarding for remote access)")
    else:
        lines.append(
            "  note: this is a raw WS server; consider running behind TLS/auth for real remote use"
        )
        lines.append(
            "  WARNING: anyone who can reach this address can drive the agent: run commands "
            "and change files as this user. There is no authentication."
        )
    return "\n".join(lines) + "\n"


def _queue_messages() -> int:
    try:
        return max(1, int(os.environ.get(QUEUE_MESSAGES_ENV, MAX_QUEUED_MESSAGES)))
    except ValueError:
        return MAX_QUEUED_MESSAGES


def _refuse_browsers(connection: ServerConnection, request: Request) -> Response | None:
    if request.headers.get("Origin") is None:
        return None
    log.warning("refusing a WebSocket request with an Origin header (%s)", request.path)
    return connection.respond(HTTPStatus.FORBIDDEN, "Forbidden\n")


async def serve_websocket(
    options: ServeOptions,
    codex_home: Path,
    stop: anyio.Event,
    before_shutdown: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Listen where ``options.listen`` says until ``stop`` is set; then close
    every connection and stop the daemon's work (raises `BindError` when it
    cannot listen)."""
    listen = options.listen
    assert listen.host is not None and listen.port is not None
    adopt_library_logger("websockets")
    clients = Clients()
    numbers = itertools.count(1)
    queue_messages = _queue_messages()
    bind_error: list[str] = []
    async with anyio.create_task_group() as main:
        async with anyio.create_task_group() as handlers:
            app = App(clients, options, codex_home, handlers)

            async def handle(socket: ServerConnection) -> None:
                await _serve_socket(app, socket, next(numbers), queue_messages)

            try:
                server = await serve(
                    handle,
                    listen.host,
                    listen.port,
                    max_size=MAX_LINE_BYTES,
                    process_request=_refuse_browsers,
                    compression=None,
                )
            except OSError as exc:
                reason = os.strerror(exc.errno) if exc.errno else str(exc)
                bind_error.append(f"cannot listen on {listen.url}: {reason}")
            else:
                await _listen(server, stop)
            if before_shutdown is not None:
                await before_shutdown()
            handlers.cancel_scope.cancel()
        with anyio.move_on_after(CLOSE_SECONDS, shield=True):
            await app.shutdown()
        main.cancel_scope.cancel()
    if bind_error:
        raise BindError(bind_error[0])


async def _listen(server: Server, stop: anyio.Event) -> None:
    """Tell where the daemon listens, then serve until ``stop``; close every
    connection (1001, going away) before returning."""
    host, port = server.sockets[0].getsockname()[:2]
    sys.stderr.write(banner(host, port))
    sys.stderr.flush()
    log.info("listening on %s port %d", host, port)
    try:
        await stop.wait()
    finally:
        with anyio.move_on_after(CLOSE_SECONDS, shield=True):
            server.close()
            await server.wait_closed()


async def _serve_socket(
    app: App, socket: ServerConnection, number: int, queue_messages: int
) -> None:
    """Serve one WebSocket client until it closes, its socket drops, or it is
    dropped for reading too slowly."""
    peer = socket.remote_address
    name = f"websocket client {number}"
    log.info("%s connected from %s", name, peer[0] if peer else "?")
    send, receive = anyio.create_memory_object_stream[bytes](math.inf)
    outgoing = Outgoing(
        send,
        MAX_QUEUED_BYTES,
        request_ids=app.clients.request_ids,
        drop_when_full=True,
        max_queued_messages=queue_messages,
        name=name,
    )
    connection = Connection(outgoing)
    processor = Processor(app, connection)
    app.connect(connection)
    try:
        async with anyio.create_task_group() as tasks:
            # Dropped as too slow: stop serving it (the socket is closed after).
            outgoing.on_gone(tasks.cancel_scope.cancel)
            tasks.start_soon(_write_frames, receive, socket, tasks.cancel_scope)
            try:
                async for frame in socket:
                    if isinstance(frame, bytes):
                        log.warning("%s: binary message dropped (messages are text)", name)
                        continue
                    data = frame.encode()
                    received(data)
                    await processor.handle_line(data)
            except ConnectionClosed as exc:
                log.info("%s: connection lost (%s)", name, exc)
            else:
                log.info("%s closed the connection", name)
            tasks.cancel_scope.cancel()
    finally:
        app.disconnect(connection)
        send.close()


async def _write_frames(
    messages: MemoryObjectReceiveStream[bytes], socket: ServerConnection, done: anyio.CancelScope
) -> None:
    """Send each message as one text frame (without its trailing newline)."""
    try:
        async with messages:
            async for data in messages:
                end = len(data) - 1 if data.endswith(b"\n") else len(data)
                await socket.send(memoryview(data)[:end], text=True)
    except ConnectionClosed:
        done.cancel()
