"""The typed client's parts that need no daemon: its buffers and how it
finds the thread of a notification."""

from __future__ import annotations

import anyio
import pytest

from app_server_protocol import methods
from app_server_protocol.client._buffer import DropOldestBuffer
from app_server_protocol.client.notices import ServerNotice, thread_of


@pytest.mark.anyio
async def test_a_full_buffer_drops_its_oldest_items_and_counts_them() -> None:
    buffer = DropOldestBuffer[int](3)
    for n in range(5):
        buffer.put(n)
    assert buffer.dropped == 2
    assert [await buffer.get() for _ in range(3)] == [2, 3, 4]
    buffer.put(9)
    buffer.close()
    buffer.put(10)  # after close: ignored
    assert await buffer.get() == 9
    with pytest.raises(anyio.EndOfStream):
        await buffer.get()


@pytest.mark.anyio
async def test_a_waiting_reader_gets_the_next_item() -> None:
    buffer = DropOldestBuffer[str](2)
    got: list[str] = []

    async def read() -> None:
        got.append(await buffer.get())

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(read)
        await anyio.wait_all_tasks_blocked()
        buffer.put("x")
    assert got == ["x"]


def test_the_thread_of_a_notification() -> None:
    assert thread_of({"threadId": "t1", "turnId": "u"}) == "t1"
    assert thread_of({"conversationId": "c1", "id": "0", "msg": {}}) == "c1"
    assert thread_of({"thread": {"id": "t2"}}) == "t2"
    assert thread_of({"other": 1}) is None
    assert thread_of(None) is None


def test_notices_are_typed_by_their_row() -> None:
    params = {"threadId": "t", "turnId": "u", "itemId": "i", "delta": "hel"}
    notice = ServerNotice("item/agentMessage/delta", params, "t")
    delta = notice.of(methods.ITEM_AGENT_MESSAGE_DELTA)
    assert delta is not None and delta.delta == "hel" and delta.item_id == "i"
    assert notice.of(methods.TURN_COMPLETED) is None
    assert notice.typed() is delta and notice.known
    event = ServerNotice(
        "codex/event/agent_message",
        {
            "id": "0",
            "msg": {"type": "agent_message", "message": "hi"},
            "conversationId": "67e55044-10b1-426f-9247-bb680e5fe0c8",
        },
    )
    typed = event.codex_event()
    assert typed is not None and typed.msg.type == "agent_message"
    assert not ServerNotice("some/new/thing", {}).known
