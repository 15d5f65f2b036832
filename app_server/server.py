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

#: Messages waiting for stdout; producers wait when it is full.
OUTGOING_BUFFER: Final = 4096
#: How long, after stdin closes, queued output and in-flight writes may take.
SHUTDOWN_GRACE_SECONDS: Final = 3.0


def serve(options: ServeOptions) -> int:
    """Run the daemon; returns the exit status."""
    from .config.preflight import PreflightError, preflight

    try:
        preflight(options)
    except PreflightError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    shake = handshake()

    # Only now the heavy imports: the client already has its `initialize` reply.
    import anyio

    from .logs import setup_logging

    setup_logging()
    status = anyio.run(_serve, options, shake, backend="asyncio")
    sys.stdout.flush()
    sys.stderr.flush()
    # Worker threads still blocked in a system call must not hold the exit up.
    os._exit(status)


async def _serve(options: ServeOptions, shake: Handshake) -> int:
    from .app import Session
    from .transport import StdinReader, write_stdout

    session = Session()
    if shake.client is not None:
        session.initialize(shake.client.name, shake.client.version)
    from .config.preflight import codex_home

    reader = StdinReader(pending=shake.pending)
    try:
        await serve_connection(reader.lines(), write_stdout, options, codex_home(), session)
    finally:
        reader.close()
    return 0


async def serve_connection(
    lines: AsyncIterator[bytes],
    write_messages: Callable[[MemoryObjectReceiveStream[bytes]], Awaitable[None]],
    options: ServeOptions,
    codex_home: Path,
    session: Session | None = None,
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
            app = App(outgoing, options, codex_home, handlers, session)
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
