"""Messages to several connections (`app_server.audience`): one request to
several clients, answered once; broadcasts to the initialized clients only;
and a WebSocket connection's queue, which drops a slow client instead of
making senders wait."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator

import anyio
import pytest
from anyio.streams.memory import MemoryObjectReceiveStream

from app_server.audience import Clients, FanOut, ask_first
from app_server.outgoing import ClientGone, Outgoing
from app_server_protocol import methods
from app_server_protocol.common import ReviewDecisionKind
from app_server_protocol.v1.approvals import ExecCommandApprovalParams, ExecCommandApprovalResponse
from app_server_protocol.v1.auth import AuthStatusChangeNotification

pytestmark = pytest.mark.anyio

APPROVAL = ExecCommandApprovalParams(
    conversation_id="67e55044-10b1-426f-9247-bb680e5fe0c8",
    call_id="c",
    command=["ls"],
    cwd="/",
    parsed_cmd=[],
)
APPROVED = ExecCommandApprovalResponse(decision=ReviewDecisionKind.APPROVED)


class Peer:
    """One connection's Outgoing and what it was sent."""

    def __init__(self, ids: Iterator[int], **options: object) -> None:
        send, self.receive = anyio.create_memory_object_stream[bytes](math.inf)
        self.outgoing = Outgoing(send, request_ids=ids, **options)  # type: ignore[arg-type]
        self.outgoing.initialized = True

    def sent(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in _drain(self.receive)]


def _drain(stream: MemoryObjectReceiveStream[bytes]) -> list[bytes]:
    lines = []
    while True:
        try:
            lines.append(stream.receive_nowait())
        except anyio.WouldBlock:
            return lines


def _peers(count: int) -> list[Peer]:
    ids = itertools.count()
    return [Peer(ids) for _ in range(count)]


async def test_one_request_to_several_connections_is_settled_by_the_first_answer() -> None:
    a, b, c = _peers(3)
    answers: list[ExecCommandApprovalResponse] = []
    asked: list[object] = []

    async def ask() -> None:
        targets = [a.outgoing, b.outgoing]
        answer = await ask_first(targets, methods.EXEC_COMMAND_APPROVAL, APPROVAL, asked.append)
        answers.append(answer)

    async with anyio.create_task_group() as tg:
        tg.start_soon(ask)
        await anyio.wait_all_tasks_blocked()
        [to_a], [to_b] = a.sent(), b.sent()
        assert to_a == to_b and asked == [to_a["id"]]
        request_id = to_a["id"]
        c.outgoing.deliver(request_id, {"decision": "approved"})  # not asked: dropped
        a.outgoing.deliver(request_id + 1, {"decision": "approved"})  # no such request
        await anyio.wait_all_tasks_blocked()
        assert answers == []
        b.outgoing.deliver(request_id, {"decision": "approved"})
    assert answers == [APPROVED]
    a.outgoing.deliver(request_id, {"decision": "denied"})  # too late: nothing waits
    assert answers == [APPROVED]


async def test_a_request_waits_while_one_asked_connection_remains() -> None:
    a, b = _peers(2)
    outcome: list[object] = []

    async def ask() -> None:
        try:
            targets = [a.outgoing, b.outgoing]
            outcome.append(await ask_first(targets, methods.EXEC_COMMAND_APPROVAL, APPROVAL))
        except ClientGone as exc:
            outcome.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(ask)
        await anyio.wait_all_tasks_blocked()
        a.outgoing.close()
        await anyio.wait_all_tasks_blocked()
        assert outcome == []
        b.outgoing.close()
    assert len(outcome) == 1 and isinstance(outcome[0], ClientGone)


async def test_a_request_with_nobody_to_ask_fails_at_once() -> None:
    (a,) = _peers(1)
    a.outgoing.close()
    with pytest.raises(ClientGone):
        await ask_first([], methods.EXEC_COMMAND_APPROVAL, APPROVAL)
    with pytest.raises(ClientGone):
        await FanOut(lambda: [a.outgoing]).request(methods.EXEC_COMMAND_APPROVAL, APPROVAL)


async def test_what_is_for_every_client_skips_those_not_initialized() -> None:
    clients = Clients()
    a, b = Peer(clients.request_ids), Peer(clients.request_ids)
    b.outgoing.initialized = False
    clients.add(a.outgoing)
    clients.add(b.outgoing)
    await clients.notify(methods.AUTH_STATUS_CHANGE, AuthStatusChangeNotification())
    assert [m["method"] for m in a.sent()] == ["authStatusChange"]
    assert b.sent() == []
    clients.remove(a.outgoing)
    await clients.notify(methods.AUTH_STATUS_CHANGE, AuthStatusChangeNotification())
    assert a.sent() == []


async def test_a_full_websocket_queue_drops_the_client_and_never_waits() -> None:
    peer = Peer(itertools.count(), drop_when_full=True, max_queued_messages=2)
    gone: list[bool] = []
    peer.outgoing.on_gone(lambda: gone.append(True))
    failures: list[BaseException] = []

    async def ask() -> None:
        try:
            await peer.outgoing.request(methods.EXEC_COMMAND_APPROVAL, APPROVAL)
        except ClientGone as exc:
            failures.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(ask)  # the first message queued
        await anyio.wait_all_tasks_blocked()
        await peer.outgoing.send(b"second\n")
        assert gone == [] and not peer.outgoing.closed
        await peer.outgoing.send(b"third\n")  # over the bound: dropped, at once
    assert gone == [True] and peer.outgoing.closed and len(failures) == 1
    assert len(_drain(peer.receive)) == 2
