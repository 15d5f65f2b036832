"""Running one command as a process tree: streaming, timeout, cancellation.

The command runs in a new session (so its own process group) with stdin on
``/dev/null``, started by `spawn.open_process_group` (it dies with the
daemon). Its stdout and stderr are read in chunks of up to 8 KiB as they
arrive; each chunk goes to an optional callback (for
``exec_command_output_delta``), into a bounded buffer per stream and into a
bounded buffer of both interleaved in arrival order.

The whole process group is killed (SIGKILL):

- when the timeout expires, whether the command itself is still running
  (it then counts as timed out, exit code 124) or it has exited but
  something it started still holds its output open;
- when the awaiting task is cancelled (an interrupted turn, a daemon
  shutting down);
- by `process_groups.kill_all`, for a last-resort cleanup.

Output that is still held open by a process that escaped the group is
abandoned after a short drain, so that nothing waits forever: the pipes are
the runner's own, so it can always close its ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import anyio

from app_server_protocol.exec_types import ExecOutputStream

from .. import process_groups
from ..spawn import open_process_group
from .exec_output import (
    DEFAULT_OUTPUT_LIMIT,
    OutputBuffer,
    decode,
    exec_content,
    model_output_bytes,
)

#: Exit code reported for a command stopped by its timeout (as `timeout(1)` does).
TIMEOUT_EXIT_CODE: Final = 124
#: Chunks passed to the callback per command at most (the rest is still captured).
MAX_OUTPUT_EVENTS: Final = 10_000
READ_CHUNK_BYTES: Final = 8192
#: How long output may still be read once the process group has been killed.
DRAIN_SECONDS: Final = 2.0

OutputCallback = Callable[[ExecOutputStream, bytes], Awaitable[None]]


@dataclass(frozen=True)
class ProcessResult:
    """How a command ended and what it printed."""

    exit_code: int
    """The exit status; 124 when timed out; 128 + N when killed by signal N."""
    timed_out: bool
    signal: int | None
    """The signal that killed the command (None when it exited, or timed out)."""
    duration: float
    """Seconds from start to end."""
    stdout: OutputBuffer
    stderr: OutputBuffer
    aggregated: OutputBuffer
    """stdout and stderr interleaved as they arrived."""

    def output_text(self) -> str:
        """What the model is shown of both streams (before it is cut): stdout's
        then stderr's first bytes (see `model_output_bytes`)."""
        return decode(model_output_bytes(self.stdout, self.stderr))

    def model_content(self) -> str:
        """`output_text`, a timed-out command's headed by its timeout."""
        return exec_content(
            self.output_text(), timed_out=self.timed_out, duration_seconds=self.duration
        )


async def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float | None,
    on_output: OutputCallback | None = None,
    max_output_events: int = MAX_OUTPUT_EVENTS,
    output_limit: int = DEFAULT_OUTPUT_LIMIT,
    pass_fds: Sequence[int] = (),
) -> ProcessResult:
    """Run ``argv`` to completion (or timeout), killing its process group when needed.
    ``pass_fds``: descriptors the process inherits (besides its stdio).

    Raises `OSError` when the program cannot be started (missing program or
    working directory, not executable). Cancelling the caller kills the
    process group before the cancellation propagates.
    """
    if not argv:
        raise ValueError("command must not be empty")
    started = time.monotonic()
    # Our own pipes, not the event loop's: we decide when our ends are closed,
    # whoever else still holds theirs.
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    try:
        process = await open_process_group(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out_write,
            stderr=err_write,
            cwd=cwd,
            env=env,
            pass_fds=pass_fds,
        )
    except BaseException:
        for fd in (out_read, err_read):
            os.close(fd)
        raise
    finally:
        os.close(out_write)
        os.close(err_write)
    group = process.pid
    stdout, stderr = OutputBuffer(output_limit), OutputBuffer(output_limit)
    aggregated = OutputBuffer(output_limit)
    pump = _Pump(aggregated, on_output, max_output_events)
    timed_out = False
    finished = False
    try:
        async with anyio.create_task_group() as pumps:
            pumps.start_soon(pump.run, out_read, ExecOutputStream.STDOUT, stdout)
            pumps.start_soon(pump.run, err_read, ExecOutputStream.STDERR, stderr)
            with anyio.move_on_after(timeout) as deadline:
                await pump.finished.wait()
                await process.wait()
            if deadline.cancelled_caught:
                timed_out = process.returncode is None
                process_groups.signal_group(group, signal.SIGKILL)
                with anyio.move_on_after(DRAIN_SECONDS):
                    await pump.finished.wait()
                pumps.cancel_scope.cancel()
        returncode = await process.wait()
        finished = True
    finally:
        for fd in (out_read, err_read):
            anyio.notify_closing(fd)
            os.close(fd)
        if not finished:
            # Cancelled or failed half-way: nothing of the command may outlive us.
            with anyio.CancelScope(shield=True):
                process_groups.signal_group(group, signal.SIGKILL)
                await process.wait()
        process_groups.forget(group)
    duration = time.monotonic() - started
    return ProcessResult(
        exit_code=TIMEOUT_EXIT_CODE if timed_out else _exit_code(returncode),
        timed_out=timed_out,
        signal=-returncode if returncode < 0 and not timed_out else None,
        duration=duration,
        stdout=stdout,
        stderr=stderr,
        aggregated=aggregated,
    )


def _exit_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


class _Pump:
    """Reads both output pipes into their buffers and the aggregate."""

    def __init__(
        self, aggregated: OutputBuffer, on_output: OutputCallback | None, max_events: int
    ) -> None:
        self._aggregated = aggregated
        self._on_output = on_output
        self._events_left = max_events
        self._open = 2
        self.finished = anyio.Event()

    async def run(self, fd: int, stream: ExecOutputStream, buffer: OutputBuffer) -> None:
        os.set_blocking(fd, False)
        try:
            while True:
                try:
                    chunk = os.read(fd, READ_CHUNK_BYTES)
                except BlockingIOError:
                    await anyio.wait_readable(fd)
                    continue
                if not chunk:
                    return
                buffer.append(chunk)
                self._aggregated.append(chunk)
                if self._on_output is not None and self._events_left > 0:
                    self._events_left -= 1
                    await self._on_output(stream, chunk)
        finally:
            self._open -= 1
            if self._open == 0:
                self.finished.set()
