"""Serving on stdio: the handshake, then the event loop until stdin closes,
stdout closes, or SIGTERM, SIGHUP or SIGINT comes. Serving WebSocket
(``--listen ws://IP:PORT``, `ws_server`) skips the handshake and runs until
one of those signals.

However it ends, every process group the daemon started gets SIGTERM, then
SIGKILL after a grace period (`process_groups.stop_all`), and a daemon
stopped by a signal then dies of that signal, quietly (Ctrl-C included: no
traceback). A second signal ends it at once. Before that, at start-up, the
daemon hardens itself (`hardening`): no core dump, and not dumpable once the
``initialize`` reply is out.
"""

from __future__ import annotations

import gc
import math
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Final, NoReturn

from . import hardening
from .bootstrap import Handshake, handshake
from .options import ServeOptions

if TYPE_CHECKING:
    from pathlib import Path

    import anyio
    from anyio.abc import TaskStatus
    from anyio.streams.memory import MemoryObjectReceiveStream

    from .app import Session
    from .early import HandedOver

#: Overrides `outgoing.STALL_SECONDS` (seconds; tests make it short).
STALL_SECONDS_ENV: Final = "CODEX_APP_SERVER_STALL_SECONDS"
#: How long, after stdin closes, queued output and in-flight writes may take.
SHUTDOWN_GRACE_SECONDS: Final = 3.0
#: How long the daemon's children have between SIGTERM and SIGKILL when it stops.
CHILDREN_GRACE_SECONDS: Final = 2.0
#: The signals that stop the daemon (each unless it was ignored when the daemon started).
STOP_SIGNALS: Final = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def serve(options: ServeOptions) -> int:
    """Run the daemon; returns the exit status."""
    from .config.preflight import PreflightError, codex_home, codex_home_text, preflight

    stop_signals = _stop_signals()
    if signal.SIGINT in stop_signals:
        # Until the event loop takes the signals over, Ctrl-C ends the daemon
        # as SIGTERM does, without a KeyboardInterrupt traceback.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        hardening.limit_core_dumps()
        preflight(options)
    except (PreflightError, hardening.HardeningError) as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    if not options.listen.is_stdio:
        return _serve_websocket(options, codex_home(), stop_signals)
    handed_over = None
    try:
        shake = handshake()
        if shake.client is not None:
            from .kept_first_page import answer_kept_page

            shake = answer_kept_page(codex_home_text(), shake, options.overrides)
        home = codex_home()
        # Only after the handshake the heavy imports: the client already has
        # its `initialize` reply. They run in a worker thread, and listings
        # are answered meanwhile by the early stage (small and standard
        # library only, see `early`).
        from .early import EarlyServer, ServerLoader

        early = (
            EarlyServer(
                home,
                shake.pending,
                shake.eof,
                overrides=options.overrides,
                client_name=shake.client.name,
            )
            if shake.client is not None
            else None
        )
        loader = ServerLoader(
            lambda: _load_server(lambda: early is not None and early.thread_starting)
        )
        if early is not None:
            early.serve_while(loader)
            if not loader.started:  # stdin ended, nothing left for the full server
                return 0
            shake = Handshake(client=shake.client, pending=bytes(early.pending), eof=early.eof)
            handed_over = early.handed_over()
    except (BrokenPipeError, ConnectionResetError):
        # The client closed its end of stdout before we could answer: it is
        # gone, and there is nobody to tell.
        return 0
    try:
        loader.join()
    except hardening.HardeningError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1

    import anyio

    from .logs import setup_logging

    setup_logging(options.log_level)
    try:
        stopped_by = anyio.run(
            _serve, options, home, shake, handed_over, stop_signals, backend="asyncio"
        )
    except KeyboardInterrupt:  # Ctrl-C in the instant the loop gave SIGINT back to Python
        stopped_by = signal.SIGINT
    return _exit(stopped_by, stop_signals)


def _serve_websocket(
    options: ServeOptions, home: Path, stop_signals: tuple[signal.Signals, ...]
) -> int:
    """Serve WebSocket clients until a stop signal; returns the exit status."""
    from .heap import share_one_heap

    share_one_heap()
    _load_server()
    import anyio

    from .logs import setup_logging
    from .ws_server import BindError

    setup_logging(options.log_level)
    try:
        stopped_by = anyio.run(_serve_ws, options, home, stop_signals, backend="asyncio")
    except BindError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        stopped_by = signal.SIGINT
    return _exit(stopped_by, stop_signals)


async def _serve_ws(
    options: ServeOptions, home: Path, stop_signals: tuple[signal.Signals, ...]
) -> int | None:
    import anyio

    from . import process_groups
    from .ws_server import BindError, serve_websocket

    stop = anyio.Event()
    received: list[int] = []

    async def stop_children() -> None:
        await process_groups.stop_all(CHILDREN_GRACE_SECONDS)

    refused: list[BindError] = []
    async with anyio.create_task_group() as tasks:
        await tasks.start(_watch_signals, stop_signals, stop, received)
        try:
            await serve_websocket(options, home, stop, stop_children)
        except BindError as exc:
            refused.append(exc)
        tasks.cancel_scope.cancel()
    if refused:
        raise refused[0]
    return received[0] if received else None


def _exit(stopped_by: int | None, stop_signals: tuple[signal.Signals, ...]) -> NoReturn:
    """Leave as the daemon does, however it stopped (this never returns)."""
    for number in stop_signals:
        signal.signal(number, signal.SIG_DFL)
    from . import process_groups

    process_groups.kill_all()
    sys.stdout.flush()
    sys.stderr.flush()
    if stopped_by is not None:
        os.kill(os.getpid(), stopped_by)
    # Worker threads still blocked in a system call must not hold the exit up.
    os._exit(0 if stopped_by is None else 128 + stopped_by)


def _stop_signals() -> tuple[signal.Signals, ...]:
    """The signals to handle: those not ignored by whoever started the daemon
    (``nohup`` ignores SIGHUP, a shell's background job SIGINT)."""
    return tuple(sig for sig in STOP_SIGNALS if signal.getsignal(sig) is not signal.SIG_IGN)


def _load_server(thread_starting: Callable[[], bool] = lambda: False) -> None:
    """Import what serving needs (in the loader thread), once the daemon is
    made non-dumpable: the full server is what reads credentials. Then build
    what a first turn would otherwise build while the client waits, and,
    when a request that starts a thread is already waiting, the model's HTTP
    client (otherwise built in the background when a thread starts: an
    idle daemon stays without it)."""
    hardening.make_undumpable()
    # Loading makes some 100,000 objects that live as long as the daemon (the
    # protocol's models, mostly): full collections during the load would scan
    # them again and again (a twentieth of its time), and every later one too (some
    # 50 ms each, in the middle of turns). So only the young generations are
    # collected while they are made, and then they are left out of collections
    # for good.
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 1_000_000)
    from .pydantic_plugins import skip_plugin_lookup

    skip_plugin_lookup()
    try:
        # asyncio too: `anyio.run` would otherwise import it on the main
        # thread, after loading, while the client waits.
        import asyncio  # noqa: F401

        import anyio  # noqa: F401

        from . import app, processor, transport, warmup  # noqa: F401

        warmup.warm_turn_path()
    finally:
        gc.freeze()
        gc.set_threshold(*thresholds)
    if thread_starting():
        from .model_client.transport import prebuild

        prebuild()


async def _serve(
    options: ServeOptions,
    home: Path,
    shake: Handshake,
    handed_over: HandedOver | None,
    stop_signals: tuple[signal.Signals, ...],
) -> int | None:
    """Serve stdio; the signal that stopped the daemon, if one did."""
    import anyio

    from .app import Session
    from .transport import StdinReader, write_stdout

    session = Session()
    if shake.client is not None:
        session.initialize(shake.client.name, shake.client.version, shake.client.opt_out)
    reader = StdinReader(pending=shake.pending, eof=shake.eof)
    stop = anyio.Event()
    received: list[int] = []

    from . import process_groups

    async def stop_children() -> None:
        await process_groups.stop_all(CHILDREN_GRACE_SECONDS)

    async with anyio.create_task_group() as tasks:
        await tasks.start(_watch_signals, stop_signals, stop, received)
        try:
            await serve_connection(
                reader.lines(),
                write_stdout,
                options,
                home,
                session,
                handed_over=handed_over,
                stop=stop,
                before_shutdown=stop_children,
            )
        finally:
            reader.close()
        tasks.cancel_scope.cancel()
    return received[0] if received else None


async def _watch_signals(
    signals: tuple[signal.Signals, ...],
    stop: anyio.Event,
    received: list[int],
    *,
    task_status: TaskStatus[None],
) -> None:
    """Set ``stop`` at the first of ``signals``; at a second one, kill every
    child and exit at once."""
    import anyio

    from . import process_groups
    from .logs import log

    with anyio.open_signal_receiver(*signals) as incoming:
        task_status.started()
        async for number in incoming:
            if received:
                process_groups.kill_all()
                os._exit(128 + number)
            log.info("stopping on %s", signal.Signals(number).name)
            received.append(number)
            stop.set()


def _stall_seconds() -> float:
    from .outgoing import STALL_SECONDS

    try:
        return float(os.environ.get(STALL_SECONDS_ENV, STALL_SECONDS))
    except ValueError:
        return STALL_SECONDS


async def serve_connection(
    lines: AsyncIterator[bytes],
    write_messages: Callable[[MemoryObjectReceiveStream[bytes]], Awaitable[None]],
    options: ServeOptions,
    codex_home: Path,
    session: Session | None = None,
    handed_over: HandedOver | None = None,
    stop: anyio.Event | None = None,
    before_shutdown: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Serve one client: ``lines`` are its messages, ``write_messages`` drains
    ours. Returns when ``lines`` ends, when the client stops reading or when
    ``stop`` is set, after a short, bounded shutdown, which starts with
    ``before_shutdown`` (while requests in progress still run)."""
    import anyio

    from .app import App, Connection, Session
    from .audience import Clients
    from .logs import log
    from .outgoing import Outgoing
    from .processor import Processor
    from .wire_log import received

    clients = Clients()
    # Unbounded in count: `Outgoing` bounds it in bytes.
    send, receive = anyio.create_memory_object_stream[bytes](math.inf)
    outgoing = Outgoing(send, stall_seconds=_stall_seconds(), request_ids=clients.request_ids)
    connection = Connection(outgoing, session if session is not None else Session())
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

    async def stop_reading_on(event: anyio.Event) -> None:
        await event.wait()
        reading.cancel()

    async with anyio.create_task_group() as main:
        main.start_soon(run_writer)
        if stop is not None:
            main.start_soon(stop_reading_on, stop)
        async with anyio.create_task_group() as handlers:
            app = App(
                clients,
                options,
                codex_home,
                handlers,
                connection.session,
                handed_over,
            )
            app.connect(connection)
            processor = Processor(app, connection)
            if connection.session.initialized:  # the handshake answered `initialize`
                from .startup_warnings import report_config_problem

                # Before anything the full server answers (it loads on demand).
                await report_config_problem(app, outgoing)
            with reading:
                async for line in lines:
                    received(line)
                    await processor.handle_line(line)
                log.debug("stdin reader finished (EOF)")
            # Requests already read are answered (within bounds) before the rest stops.
            if not reading.cancel_called:
                with anyio.move_on_after(SHUTDOWN_GRACE_SECONDS):
                    await processor.wait_idle()
            if before_shutdown is not None:
                await before_shutdown()
            handlers.cancel_scope.cancel()
        with anyio.move_on_after(SHUTDOWN_GRACE_SECONDS, shield=True):
            await app.shutdown()
        await send.aclose()
        with anyio.move_on_after(SHUTDOWN_GRACE_SECONDS, shield=True):
            await writer_done.wait()
        main.cancel_scope.cancel()
