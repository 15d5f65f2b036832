"""The stdio transport: an MCP server run as a child process, one JSON-RPC
message per line on its stdin and stdout.

The SDK has a stdio client too; this one exists for the process's sake. The
server runs in a process group of its own, which is stopped as a whole: its
stdin is closed, then after a grace period the group gets SIGTERM, then
SIGKILL; that happens even when the task holding the connection is cancelled,
and `process_groups.kill_all` is the last resort when the daemon exits (the
server dies with the daemon anyway: see `spawn.open_process_group`). Its
stderr goes to the daemon's log, one line at a time. The SDK's `ClientSession` speaks the
protocol over the two memory streams this transport yields.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import anyio
from anyio.abc import ByteReceiveStream, Process
from anyio.streams.buffered import BufferedByteReceiveStream
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.shared.message import SessionMessage
from mcp.types import JSONRPCMessage
from pydantic import ValidationError

from .. import process_groups
from ..logs import log
from ..spawn import open_process_group

#: The longest message line accepted from a server (images make lines long).
MAX_LINE_BYTES: Final = 64 * 1024 * 1024
#: The longest stderr line logged as one (a longer one is logged in pieces).
MAX_STDERR_LINE: Final = 4096
#: After its stdin is closed, how long a server has to exit before SIGTERM,
#: and then before SIGKILL.
EXIT_GRACE_SECONDS: Final = 2.0

#: The daemon's environment variables every stdio server gets (when set).
DEFAULT_ENV_VARS: Final = (
    "HOME",
    "LOGNAME",
    "PATH",
    "SHELL",
    "USER",
    "__CF_USER_TEXT_ENCODING",
    "LANG",
    "LC_ALL",
    "TERM",
    "TMPDIR",
    "TZ",
)


def server_environment(
    environ: Mapping[str, str], env_vars: Sequence[str], env: Mapping[str, str] | None
) -> dict[str, str]:
    """The environment of a server: a few of the daemon's variables, those
    named in ``env_vars``, then ``env``."""
    result = {name: environ[name] for name in DEFAULT_ENV_VARS if name in environ}
    result.update({name: environ[name] for name in env_vars if name in environ})
    result.update(env or {})
    return result


@dataclass(eq=False)
class StdioConnection:
    """The streams `ClientSession` reads and writes, and the process."""

    read: MemoryObjectReceiveStream[SessionMessage | Exception]
    write: MemoryObjectSendStream[SessionMessage]
    process: Process
    exited: anyio.Event = field(default_factory=anyio.Event)
    """Set when the server's stdout has closed (it exited, or crashed)."""
    last_stderr: str | None = None
    """The last line the server wrote on stderr (it often says why it stopped)."""


@contextlib.asynccontextmanager
async def stdio_transport(
    name: str,
    command: str,
    args: Sequence[str],
    env: Mapping[str, str],
    cwd: str | None,
) -> AsyncIterator[StdioConnection]:
    """Run the server for as long as the context lasts. `OSError` when it
    cannot be started."""
    process = await open_process_group(
        [command, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
    )
    group = process.pid
    read_writer, read = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write, write_reader = anyio.create_memory_object_stream[SessionMessage](0)
    connection = StdioConnection(read, write, process)
    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_read_messages, name, process, read_writer, connection.exited)
            tasks.start_soon(_write_messages, process, write_reader)
            tasks.start_soon(_log_stderr, name, process.stderr, connection)
            graceful = True
            try:
                yield connection
            except BaseException:
                # Cancelled (the daemon is exiting, a start timed out) or failed:
                # no grace period.
                graceful = False
                raise
            finally:
                with anyio.CancelScope(shield=True):
                    await _stop(process, group, graceful)
                tasks.cancel_scope.cancel()
    finally:
        process_groups.forget(group)
        with anyio.CancelScope(shield=True):
            if process.returncode is None:
                await _stop(process, group, graceful=False)
            await read.aclose()
            await write.aclose()


async def _read_messages(
    name: str,
    process: Process,
    messages: MemoryObjectSendStream[SessionMessage | Exception],
    exited: anyio.Event,
) -> None:
    assert process.stdout is not None
    stream = BufferedByteReceiveStream(process.stdout)
    try:
        async with messages:
            while True:
                try:
                    line = await stream.receive_until(b"\n", MAX_LINE_BYTES)
                except (anyio.EndOfStream, anyio.IncompleteRead):
                    return
                except anyio.DelimiterNotFound:
                    log.error(
                        "MCP server `%s` sent a line over %d bytes; closing", name, MAX_LINE_BYTES
                    )
                    return
                if not line.strip():
                    continue
                try:
                    message = JSONRPCMessage.model_validate_json(line)
                except ValidationError:
                    log.warning(
                        "MCP server `%s` wrote something that is not a JSON-RPC message "
                        "on stdout: %.200r",
                        name,
                        line,
                    )
                    continue
                await messages.send(SessionMessage(message))
    except (anyio.ClosedResourceError, anyio.BrokenResourceError):
        pass
    finally:
        exited.set()


async def _write_messages(
    process: Process, messages: MemoryObjectReceiveStream[SessionMessage]
) -> None:
    assert process.stdin is not None
    try:
        async with messages:
            async for message in messages:
                data = message.message.model_dump_json(by_alias=True, exclude_none=True)
                await process.stdin.send(data.encode() + b"\n")
    except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
        # The server is gone. Closing this end makes the session's next
        # send fail at once; pending requests fail when its stdout closes.
        pass


async def _log_stderr(
    name: str, stderr: ByteReceiveStream | None, connection: StdioConnection
) -> None:
    if stderr is None:
        return
    stream = BufferedByteReceiveStream(stderr)
    while True:
        try:
            line = await stream.receive_until(b"\n", MAX_STDERR_LINE)
        except anyio.DelimiterNotFound:
            line = await stream.receive(MAX_STDERR_LINE)
        except (anyio.EndOfStream, anyio.IncompleteRead, anyio.ClosedResourceError, OSError):
            return
        text = line.decode(errors="replace").rstrip()
        if text:
            connection.last_stderr = text
            log.info("MCP server `%s` stderr: %s", name, text)


async def _stop(process: Process, group: int, graceful: bool) -> None:
    """Stop the server's process group: gracefully, its stdin is closed, then
    it gets SIGTERM, then SIGKILL; otherwise SIGKILL at once."""
    if process.stdin is not None:
        with contextlib.suppress(Exception):
            await process.stdin.aclose()
    if graceful and process.returncode is None:
        with anyio.move_on_after(EXIT_GRACE_SECONDS):
            await process.wait()
        if process.returncode is None:
            process_groups.signal_group(group, signal.SIGTERM)
            with anyio.move_on_after(EXIT_GRACE_SECONDS):
                await process.wait()
    # Whatever the server started and left behind goes with it.
    process_groups.signal_group(group, signal.SIGKILL)
    with anyio.move_on_after(EXIT_GRACE_SECONDS):
        await process.wait()
