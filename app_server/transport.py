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

from .heap import BIG_MESSAGE_BYTES, release_free_memory
from .logs import log

#: Lines longer than this are refused without being kept in memory: the
#: reference's WebSocket transport has the same limit on a message (its stdio
#: has none), and several MB of base64 image data fit comfortably.
MAX_LINE_BYTES: Final = 64 * 1024 * 1024
#: How much of a refused line is kept, to answer its request id.
OVERSIZED_HEAD_BYTES: Final = 4096
_READ_SIZE: Final = 1 << 20
#: Messages ready together are written with one system call, up to this size.
WRITE_BATCH_BYTES: Final = 1 << 20


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


class OversizedLine(bytes):
    """Stands for a line longer than the limit: the bytes are its beginning
    only (the rest was read and dropped), enough to find the request id."""


class StdinReader:
    """Splits stdin into lines, starting with bytes already read by the handshake
    (``eof``: the handshake saw stdin end, so it is not read again).

    Each line is copied once out of the read buffer (bytes are what the JSON
    parser reads without a copy of its own); a line longer than ``max_line``
    is yielded as an `OversizedLine`."""

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
        oversized: OversizedLine | None = None  # the head of an over-long line being dropped
        eof = self._eof
        while True:
            newline = buffer.find(b"\n", max(start, scanned))
            if newline < 0:
                del buffer[:start]
                start = 0
                if eof:
                    if oversized is not None:
                        yield oversized
                    elif buffer:
                        del buffer[_line_end(buffer, 0, len(buffer)) :]
                        yield bytes(buffer)
                    return
                if oversized is None and len(buffer) > self._max_line:
                    oversized = self._oversized(buffer[:OVERSIZED_HEAD_BYTES])
                if oversized is not None:
                    buffer.clear()
                scanned = len(buffer)
                chunk = await self._fd.read()
                if chunk:
                    buffer += chunk
                else:
                    eof = True
                continue
            line_start, start = start, newline + 1
            line: bytes
            if oversized is not None:
                line, oversized = oversized, None
            elif newline - line_start > self._max_line:
                head_end = min(newline, line_start + OVERSIZED_HEAD_BYTES)
                line = self._oversized(buffer[line_start:head_end])
            elif line_start == 0 and len(buffer) - start < newline:
                # Most of the buffer is this line: copy it out whole and drop
                # the buffer before the line is parsed (a large request is then
                # held once, plus what it is parsed into).
                rest = buffer[start:]
                del buffer[_line_end(buffer, 0, newline) :]
                line = bytes(buffer)
                buffer = self._buffer = rest
                start = scanned = 0
            else:
                end = _line_end(buffer, line_start, newline)
                with memoryview(buffer) as view, view[line_start:end] as part:
                    line = bytes(part)
            yield line

    def _oversized(self, head: bytearray) -> OversizedLine:
        log.error("input line longer than %d bytes refused", self._max_line)
        return OversizedLine(head)


def _line_end(buffer: bytearray, start: int, end: int) -> int:
    """Where the line ending at ``end`` ends without its ``\\r``."""
    return end - 1 if end > start and buffer[end - 1] == 0x0D else end


async def write_stdout(messages: MemoryObjectReceiveStream[bytes], fd: int = 1) -> None:
    """Write every message of the stream to stdout, batching what is ready
    (up to `WRITE_BATCH_BYTES`: what waits beyond stays in the stream, where
    the sender counts it)."""
    out = _Fd(fd)
    try:
        async with messages:
            async for first in messages:
                batch = [first]
                size = len(first)
                while size < WRITE_BATCH_BYTES:
                    try:
                        message = messages.receive_nowait()
                    except (anyio.WouldBlock, anyio.EndOfStream):
                        break
                    batch.append(message)
                    size += len(message)
                await out.write_all(b"".join(batch) if len(batch) > 1 else first)
                # Not kept until the next message: a reply may be megabytes,
                # and the heap it was made in is given back once it is out.
                del first, batch
                if size >= BIG_MESSAGE_BYTES:
                    release_free_memory()
    finally:
        out.close()
