"""What the daemon sends when the client stops reading or goes away."""

from __future__ import annotations

import json
import math

import anyio
import pytest

from app_server.logs import register_secret
from app_server.outgoing import ClientGone, Outgoing
from app_server_protocol import methods
from app_server_protocol.common import ReviewDecisionKind
from app_server_protocol.v1.approvals import (
    ExecCommandApprovalParams,
    ExecCommandApprovalResponse,
)
from app_server_protocol.v1.auth import AuthStatusChangeNotification

APPROVAL = ExecCommandApprovalParams(
    conversation_id="67e55044-10b1-426f-9247-bb680e5fe0c8",
    call_id="c",
    command=["ls"],
    cwd="/",
    parsed_cmd=[],
)

pytestmark = pytest.mark.anyio


async def test_a_sender_waiting_for_room_is_released_when_the_client_goes() -> None:
    send, receive = anyio.create_memory_object_stream[bytes](1)
    outgoing = Outgoing(send)
    await outgoing.send(b"fills the buffer\n")
    finished = anyio.Event()

    async def blocked_sender() -> None:
        await outgoing.send(b"waits for room\n")
        finished.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(blocked_sender)
        await anyio.wait_all_tasks_blocked()
        # The stdout writer stops (the client closed its end) with the sender waiting.
        await receive.aclose()
        with anyio.fail_after(5):
            await finished.wait()
    # Later messages are dropped quietly, and requests fail at once.
    await outgoing.notify(methods.AUTH_STATUS_CHANGE, AuthStatusChangeNotification())
    with pytest.raises(ClientGone):
        await outgoing.request(methods.EXEC_COMMAND_APPROVAL, APPROVAL)


async def test_a_request_that_could_not_be_sent_fails_at_once() -> None:
    send, receive = anyio.create_memory_object_stream[bytes](1)
    outgoing = Outgoing(send)
    await send.aclose()
    with anyio.fail_after(5), pytest.raises(ClientGone):
        await outgoing.request(methods.EXEC_COMMAND_APPROVAL, APPROVAL)
    receive.close()


async def test_errors_never_carry_a_known_secret() -> None:
    register_secret("plain-secret-without-a-known-shape")
    send, receive = anyio.create_memory_object_stream[bytes](4)
    outgoing = Outgoing(send)
    await outgoing.send_error(
        1,
        -32603,
        "failed with plain-secret-without-a-known-shape",
        {"reason": ["token plain-secret-without-a-known-shape", 3]},
    )
    written = receive.receive_nowait()
    assert b"plain-secret" not in written
    assert json.loads(written) == {
        "error": {
            "code": -32603,
            "message": "failed with [REDACTED]",
            "data": {"reason": ["token [REDACTED]", 3]},
        },
        "id": 1,
    }
    receive.close()
    send.close()


async def test_a_boolean_id_answers_no_server_request() -> None:
    send, receive = anyio.create_memory_object_stream[bytes](4)
    outgoing = Outgoing(send)
    answers: list[object] = []

    async def ask() -> None:
        answers.append(await outgoing.request(methods.EXEC_COMMAND_APPROVAL, APPROVAL))

    async with anyio.create_task_group() as tg:
        tg.start_soon(ask)
        await anyio.wait_all_tasks_blocked()
        assert json.loads(receive.receive_nowait())["id"] == 0
        outgoing.deliver(False, {"decision": "approved"})
        await anyio.wait_all_tasks_blocked()
        assert answers == []
        outgoing.deliver(0, {"decision": "denied"})
    assert answers == [ExecCommandApprovalResponse(decision=ReviewDecisionKind.DENIED)]
    receive.close()
    send.close()


async def test_the_first_answer_to_a_server_request_is_final() -> None:
    send, receive = anyio.create_memory_object_stream[bytes](4)
    outgoing = Outgoing(send)
    answers: list[ExecCommandApprovalResponse] = []

    async def ask() -> None:
        answers.append(await outgoing.request(methods.EXEC_COMMAND_APPROVAL, APPROVAL))

    async with anyio.create_task_group() as tg:
        tg.start_soon(ask)
        await anyio.wait_all_tasks_blocked()
        request_id = json.loads(receive.receive_nowait())["id"]
        # Both answers arrive before the asker wakes up (one read from stdin).
        outgoing.deliver(request_id, {"decision": "denied"})
        outgoing.deliver(request_id, {"decision": "approved"})
        outgoing.deliver(request_id, None, {"code": 1, "message": "late"})
    outgoing.deliver(request_id, {"decision": "approved"})
    assert answers == [ExecCommandApprovalResponse(decision=ReviewDecisionKind.DENIED)]
    receive.close()
    send.close()


async def test_the_queue_is_bounded_in_bytes() -> None:
    send, receive = anyio.create_memory_object_stream[bytes](math.inf)
    outgoing = Outgoing(send, max_queued_bytes=100, stall_seconds=60)
    await outgoing.send(b"a" * 300)  # alone, a message may exceed the bound
    assert outgoing.queued_bytes == 300
    receive.receive_nowait()
    await outgoing.send(b"b" * 60)
    sent = anyio.Event()

    async def second() -> None:
        await outgoing.send(b"c" * 60)
        sent.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(second)
        await anyio.wait_all_tasks_blocked()
        assert not sent.is_set() and outgoing.queued_bytes == 60
        assert receive.receive_nowait() == b"b" * 60  # the client reads: room again
        with anyio.fail_after(5):
            await sent.wait()
    assert outgoing.queued_bytes == 60
    receive.close()
    send.close()


async def test_a_client_that_reads_nothing_is_given_up() -> None:
    send, receive = anyio.create_memory_object_stream[bytes](math.inf)
    outgoing = Outgoing(send, max_queued_bytes=100, stall_seconds=0.2)
    gone: list[bool] = []
    outgoing.on_gone(lambda: gone.append(True))
    failures: list[BaseException] = []

    async def ask() -> None:
        try:
            await outgoing.request(methods.EXEC_COMMAND_APPROVAL, APPROVAL)
        except ClientGone as exc:
            failures.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(ask)
        await anyio.wait_all_tasks_blocked()
        with anyio.fail_after(10):
            await outgoing.send(b"x" * 100)  # waits, then gives the client up
    assert gone == [True] and len(failures) == 1
    queued = outgoing.queued_bytes
    await outgoing.send(b"dropped\n")
    assert outgoing.queued_bytes == queued
    receive.close()
    send.close()
