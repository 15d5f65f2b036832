"""Reading lines from stdin."""

from __future__ import annotations

import os

import anyio
import pytest

from app_server.transport import StdinReader

pytestmark = pytest.mark.anyio


async def read_all(reader: StdinReader) -> list[bytes]:
    return [line async for line in reader.lines()]


async def test_lines_of_every_ending_and_the_last_one_without_newline() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b'b\r\n\nc"')
    os.close(write_end)
    reader = StdinReader(read_end, pending=b"a\n")
    with anyio.fail_after(5):
        assert await read_all(reader) == [b"a", b"b", b"", b'c"']
    reader.close()
    os.close(read_end)


async def test_an_end_seen_by_the_handshake_is_not_waited_for_again() -> None:
    # A terminal (or a pipe whose writer lingers) would block a second read.
    read_end, write_end = os.pipe()
    reader = StdinReader(read_end, pending=b'{"id":1}\n{"partial', eof=True)
    with anyio.fail_after(5):
        assert await read_all(reader) == [b'{"id":1}', b'{"partial']
    reader.close()
    for fd in (read_end, write_end):
        os.close(fd)


async def test_an_over_long_line_is_dropped_and_reading_goes_on() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"x" * 100 + b"\nshort\n")
    os.close(write_end)
    reader = StdinReader(read_end, max_line=10)
    with anyio.fail_after(5):
        assert await read_all(reader) == [b"short"]
    reader.close()
    os.close(read_end)
