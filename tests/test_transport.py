"""Reading lines from stdin."""

from __future__ import annotations

import os

import anyio
import pytest

from app_server.transport import OVERSIZED_HEAD_BYTES, OversizedLine, StdinReader

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


async def test_an_over_long_line_is_refused_and_reading_goes_on() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"x" * 100 + b"\nshort\n")
    os.close(write_end)
    reader = StdinReader(read_end, max_line=10)
    with anyio.fail_after(5):
        lines = await read_all(reader)
    assert lines == [b"x" * 100, b"short"]
    assert isinstance(lines[0], OversizedLine) and not isinstance(lines[1], OversizedLine)
    reader.close()
    os.close(read_end)


async def test_an_over_long_line_is_not_kept_while_it_is_read() -> None:
    read_end, write_end = os.pipe()
    reader = StdinReader(read_end, max_line=1000)
    head = b'{"id":7,"params":"' + b"y" * (OVERSIZED_HEAD_BYTES * 2)

    async def write() -> None:
        # Far more than the limit, in many reads, and then a normal line.
        await anyio.to_thread.run_sync(os.write, write_end, head)
        for _ in range(64):
            await anyio.to_thread.run_sync(os.write, write_end, b"z" * 60_000)
        await anyio.to_thread.run_sync(os.write, write_end, b'"}\r\n{"id":8}\n')
        os.close(write_end)

    async with anyio.create_task_group() as tg:
        tg.start_soon(write)
        with anyio.fail_after(10):
            lines = await read_all(reader)
    assert lines == [head[:OVERSIZED_HEAD_BYTES], b'{"id":8}']
    assert isinstance(lines[0], OversizedLine)
    assert len(reader._buffer) < 1000  # nothing of the long line is left behind
    reader.close()
    os.close(read_end)


async def test_large_and_small_lines_come_out_whole_and_in_order() -> None:
    read_end, write_end = os.pipe()
    payload = [b"a" * 300_000, b"", b"b", b"c" * 70_000 + b"\r", b"d" * 5]
    data = b"\n".join(payload)
    reader = StdinReader(read_end)

    async def write() -> None:
        await anyio.to_thread.run_sync(os.write, write_end, data)
        os.close(write_end)

    async with anyio.create_task_group() as tg:
        tg.start_soon(write)
        with anyio.fail_after(10):
            lines = await read_all(reader)
    assert [bytes(line) for line in lines] == [p.removesuffix(b"\r") for p in payload]
    reader.close()
    os.close(read_end)
