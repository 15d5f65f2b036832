"""Serving on stdio: the handshake, then the event loop until stdin closes."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from .bootstrap import Handshake, handshake
from .cli import ServeOptions

if TYPE_CHECKING:
    from anyio.streams.memory import MemoryObjectReceiveStream

    from .app import Session
    from .conversations.listing import RolloutIndex

#: Messages waiting for stdout; producers wait when it is full.
OUTGOING_BUFFER: Final = 4096
#: How long, after stdin closes, queued output and in-flight writes may take.
SHUTDOWN_GRACE_SECONDS: Final = 3.0


def serve(options: ServeOptions) -> int:
    """Run the daemon; returns the exit status."""
    from .config.preflight import PreflightError, codex_home, preflight

    try:
        preflight(options)
    except PreflightError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    home = codex_home()
    # Small and standard-library only: ready before the reply to `initialize`,
    # since the editor's first request often is a listing.
    from .early import EarlyServer, ServerLoader

    shake = handshake()

    # Only now the heavy imports: the client already has its `initialize` reply.
    # They run in a worker thread, and listings are answered meanwhile (see `early`).

    loader = ServerLoader(_load_server)
    index = None
    if shake.client is not None:
        early = EarlyServer(home, shake.pending, shake.eof, overrides=options.overrides)
        early.serve_while(loader)
        shake = Handshake(client=shake.client, pending=bytes(early.pending), eof=early.eof)
        index = early.index
    loader.join()

    import anyio

    from .logs import setup_logging

    setup_logging()
    status = anyio.run(_serve, options, home, shake, index, backend="asyncio")
    sys.stdout.flush()
    sys.stderr.flush()
    # Worker threads still blocked in a system call must not hold the exit up.
    os._exit(status)


def _load_server() -> None:
    """Import what serving needs (in the loader thread)."""
    # asyncio too: `anyio.run` would otherwise import it on the main thread,
    # after loading, while the client waits.
    import asyncio  # noqa: F401

    import anyio  # noqa: F401

    from . import app, processor, transport  # noqa: F401


async def _serve(
    options: ServeOptions, home: Path, shake: Handshake, index: RolloutIndex | None
) -> int:
    from .app import Session
    from .transport import StdinReader, write_stdout

    session = Session()
    if shake.client is not None:
        session.initialize(shake.client.name, shake.client.version)
    reader = StdinReader(pending=shake.pending, eof=shake.eof)
    try:
        await serve_connection(
            reader.lines(), write_stdout, options, home, session, rollout_index=index
        )
    finally:
        reader.close()
    return 0


async def serve_connection(
    lines: AsyncIterator[bytes],
    write_messages: Callable[[MemoryObjectReceiveStream[bytes]], Awaitable[None]],
    options: ServeOptions,
    codex_home: Path,
    session: Session | None = None,
    rollout_index: RolloutIndex | None = None,
) -> None:
    """Serve one client: ``lines`` are its messages, ``write_messages`` drains
    ours. Returns when ``lines`` ends (after a short, bounded shutdown) or when
    the client stops reading."""
    import anyio

    from .app import App
    from .logs import log
    from .outgoing import Outgoing
    from .processor import Processor

    send, receive = anyio.create_memory_object_stream[bytes](OUTGOING_BUFFER)
    outgoing = Outgoing(send)
    reading = anyio.CancelScope()
    writer_done = anyio.Event()

    async def run_writer() -> None:
        try:
            await write_messages(receive)
        except (BrokenPipeError, ConnectionResetError):
            log.info("the client closed its end; stopping")
            reading.cancel()
        finally:
            outgoing.close()
            writer_done.set()

    async with anyio.create_task_group() as main:
        main.start_soon(run_writer)
        async with anyio.create_task_group() as handlers:
            app = App(outgoing, options, codex_home, handlers, session, rollout_index)
            processor = Processor(app)
            with reading:
                async for line in lines:
                    await processor.handle_line(line)
                log.debug("stdin reader finished (EOF)")
            handlers.cancel_scope.cancel()
        with anyio.move_on_after(SHUTDOWN_GRACE_SECONDS, shield=True):
            await app.shutdown()
        await send.aclose()
        with anyio.move_on_after(SHUTDOWN_GRACE_SECONDS, shield=True):
            await writer_done.wait()
        main.cancel_scope.cancel()
