"""Newline-delimited JSON over stdin/stdout.

`read_lines` yields the lines of stdin (without their ``\\n`` or ``\\r\\n``);
`write_stdout` is the one task that owns stdout: it drains a bounded stream
of ready-made message bytes and writes them in batches.

Pipes and sockets are used non-blocking with the event loop; anything else
(a regular file, a terminal, /dev/null) is read and written from a worker
thread, since the loop cannot poll it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import AsyncIterator
from typing import Final

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream

from .logs import log

#: Lines longer than this are dropped (with an error in the log); several MB
#: of base64 image data fit comfortably.
MAX_LINE_BYTES: Final = 256 * 1024 * 1024
_READ_SIZE: Final = 1 << 20


def _pollable(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


class _Fd:
    """One end of stdio, read or written without blocking the event loop."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pollable = _pollable(fd)
        self._restore_blocking = False
        if self.pollable and os.get_blocking(fd):
            os.set_blocking(fd, False)
            self._restore_blocking = True

    def close(self) -> None:
        if self._restore_blocking:
            with contextlib.suppress(OSError):
                os.set_blocking(self.fd, True)

    async def read(self) -> bytes:
        if not self.pollable:
            return await anyio.to_thread.run_sync(
                os.read, self.fd, _READ_SIZE, abandon_on_cancel=True
            )
        while True:
            try:
                return os.read(self.fd, _READ_SIZE)
            except BlockingIOError:
                await anyio.wait_readable(self.fd)

    async def write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if not self.pollable:
                written = await anyio.to_thread.run_sync(os.write, self.fd, view)
            else:
                try:
                    written = os.write(self.fd, view)
                except BlockingIOError:
                    await anyio.wait_writable(self.fd)
                    continue
            view = view[written:]


class StdinReader:
    """Splits stdin into lines, starting with bytes already read by the handshake
    (``eof``: the handshake saw stdin end, so it is not read again)."""

    def __init__(
        self, fd: int = 0, pending: bytes = b"", eof: bool = False, max_line: int = MAX_LINE_BYTES
    ) -> None:
        self._fd = _Fd(fd)
        self._buffer = bytearray(pending)
        self._eof = eof
        self._max_line = max_line

    def close(self) -> None:
        self._fd.close()

    async def lines(self) -> AsyncIterator[bytes]:
        buffer = self._buffer
        start = 0  # where the next line begins in `buffer`
        scanned = 0  # `buffer[start:scanned]` is known to hold no newline
        discarding = False  # inside an over-long line
        eof = self._eof
        while True:
            newline = buffer.find(b"\n", max(start, scanned))
            if newline < 0:
                del buffer[:start]
                start = 0
                if eof:
                    if buffer and not discarding:
                        yield bytes(buffer).removesuffix(b"\r")
                    return
                if len(buffer) > self._max_line:
                    if not discarding:
                        log.error("input line longer than %d bytes dropped", self._max_line)
                    discarding = True
                    buffer.clear()
                scanned = len(buffer)
                chunk = await self._fd.read()
                if chunk:
                    buffer += chunk
                else:
                    eof = True
                continue
            line_start, start = start, newline + 1
            if discarding:
                discarding = False
                continue
            if newline - line_start > self._max_line:
                log.error("input line longer than %d bytes dropped", self._max_line)
                continue
            yield bytes(buffer[line_start:newline]).removesuffix(b"\r")


async def write_stdout(messages: MemoryObjectReceiveStream[bytes], fd: int = 1) -> None:
    """Write every message of the stream to stdout, batching what is ready."""
    out = _Fd(fd)
    try:
        async with messages:
            async for first in messages:
                batch = [first]
                while True:
                    try:
                        batch.append(messages.receive_nowait())
                    except (anyio.WouldBlock, anyio.EndOfStream):
                        break
                await out.write_all(b"".join(batch) if len(batch) > 1 else first)
    finally:
        out.close()
