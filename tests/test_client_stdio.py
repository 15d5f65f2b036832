"""The typed client (`app_server_protocol.client`) driving the real daemon
over stdio: typed requests and errors, notifications per conversation or
thread, server requests answered by handlers (or refused without one), and
a clean close."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest

from app_server_protocol import methods
from app_server_protocol.client import ConnectionClosed, RpcError, ServerNotice, spawn_stdio
from app_server_protocol.common import ReviewDecisionKind
from app_server_protocol.items import InputItemText, InputItemTextData
from app_server_protocol.v1.approvals import ExecCommandApprovalParams, ExecCommandApprovalResponse
from app_server_protocol.v1.conversations import (
    AddConversationListenerParams,
    NewConversationParams,
    SendUserMessageParams,
)
from app_server_protocol.v2.account import GetAccountParams
from app_server_protocol.v2.approvals import (
    CommandExecutionRequestApprovalParams,
    CommandExecutionRequestApprovalResponse,
)
from app_server_protocol.v2.items import ThreadItemAgentMessage
from app_server_protocol.v2.models import ModelListParams
from app_server_protocol.v2.threads import ThreadStartParams
from app_server_protocol.v2.turns import TurnStatus
from tests.agent_session import replies_for
from tests.agent_tool_scenarios import shell
from tests.client_support import TESTS_CLIENT, typed_client
from tests.mock_model_server import MockModelServer, assistant_message, write_mock_config

pytestmark = pytest.mark.anyio

TIMEOUT = 30.0


def text(value: str) -> list[InputItemText]:
    return [InputItemText(data=InputItemTextData(text=value))]


async def test_typed_requests_and_their_errors(codex_home: Path, workdir: Path) -> None:
    async with typed_client(codex_home, workdir) as client:
        agent = await client.request(methods.GET_USER_AGENT)
        assert agent.user_agent.endswith("(tests; 0.0.0)")
        models = await client.request(methods.MODEL_LIST, ModelListParams())
        assert models.data and all(model.id for model in models.data)
        account = await client.request(methods.ACCOUNT_READ, GetAccountParams())
        assert account.account is None
        with pytest.raises(RpcError) as refused:
            await client.initialize(TESTS_CLIENT)
        assert (refused.value.code, refused.value.message) == (-32600, "Already initialized")
        with pytest.raises(RpcError) as unknown:
            await client.request_json("noSuchMethod", {})
        assert (
            unknown.value.code == -32600
            and "unknown variant `noSuchMethod`" in unknown.value.message
        )
        # the daemon goes on after errors
        assert (await client.request(methods.GET_USER_AGENT)).user_agent == agent.user_agent


async def test_a_v1_turn_streams_typed_events_of_its_conversation(
    codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(assistant_message("hello from the mock"))
    async with typed_client(codex_home, workdir) as client:
        started = await client.request(methods.NEW_CONVERSATION, NewConversationParams())
        cid = started.conversation_id
        await client.request(
            methods.ADD_CONVERSATION_LISTENER, AddConversationListenerParams(conversation_id=cid)
        )
        await client.request(
            methods.SEND_USER_MESSAGE,
            SendUserMessageParams(conversation_id=cid, items=text("hi")),
        )
        kinds: list[str] = []
        messages: list[str] = []
        skipped = ("warning", "mcp_startup_complete")
        with anyio.fail_after(TIMEOUT):
            async for notice in client.thread_events(cid):
                event = notice.codex_event()
                # (the unknown model's warning; how the MCP servers started)
                if event is None or event.msg.type in skipped:
                    continue
                assert event.conversation_id == cid
                if event.msg.type == "task_started":
                    turn_id = event.id
                assert event.id == turn_id
                kinds.append(event.msg.type)
                if event.msg.type == "agent_message":
                    messages.append(event.msg.message)
                if event.msg.type == "task_complete":
                    break
        assert kinds[0] == "task_started"
        assert messages == ["hello from the mock"]
        # every notification is also in the all-notifications stream, in order
        seen: list[ServerNotice] = []
        with anyio.fail_after(TIMEOUT):
            async for notice in client.notifications():
                seen.append(notice)
                if notice.method == "codex/event/task_complete":
                    break
        seen_kinds = [n.codex_event().msg.type for n in seen if n.is_codex_event]  # type: ignore[union-attr]
        assert [kind for kind in seen_kinds if kind not in skipped] == kinds


async def test_approvals_go_to_the_handler_of_their_row(
    codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model, approval_policy="untrusted")
    made = workdir / "made.txt"
    mock_model.enqueue(*replies_for([shell("call-1", ["touch", str(made)])]))
    asked: list[ExecCommandApprovalParams] = []

    async def approve(params: ExecCommandApprovalParams) -> ExecCommandApprovalResponse:
        asked.append(params)
        return ExecCommandApprovalResponse(decision=ReviewDecisionKind.APPROVED)

    async with typed_client(codex_home, workdir) as client:
        client.on_request(methods.EXEC_COMMAND_APPROVAL, approve)
        cid = (
            await client.request(methods.NEW_CONVERSATION, NewConversationParams())
        ).conversation_id
        await client.request(
            methods.ADD_CONVERSATION_LISTENER, AddConversationListenerParams(conversation_id=cid)
        )
        await client.request(
            methods.SEND_USER_MESSAGE, SendUserMessageParams(conversation_id=cid, items=text("go"))
        )
        with anyio.fail_after(TIMEOUT):
            async for notice in client.thread_events(cid):
                if notice.method == "codex/event/task_complete":
                    break
    (question,) = asked
    assert question.conversation_id == cid and question.call_id == "call-1"
    assert question.command == ["touch", str(made)]
    assert made.exists()


async def test_without_a_handler_the_server_request_is_answered_with_an_error(
    codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model, approval_policy="untrusted")
    made = workdir / "made.txt"
    mock_model.enqueue(*replies_for([shell("call-1", ["touch", str(made)])]))
    async with typed_client(codex_home, workdir) as client:
        cid = (
            await client.request(methods.NEW_CONVERSATION, NewConversationParams())
        ).conversation_id
        await client.request(
            methods.ADD_CONVERSATION_LISTENER, AddConversationListenerParams(conversation_id=cid)
        )
        await client.request(
            methods.SEND_USER_MESSAGE, SendUserMessageParams(conversation_id=cid, items=text("go"))
        )
        with anyio.fail_after(TIMEOUT):
            async for notice in client.thread_events(cid):
                if notice.method == "codex/event/task_complete":
                    break
    # the daemon takes an error answer as a refusal: the command never ran
    assert not made.exists()
    model_read = mock_model.model_requests[-1].tool_outputs()
    assert "call-1" in model_read


async def test_a_v2_turn_prints_the_agent_message(
    codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(assistant_message("hello, v2"))
    async with typed_client(codex_home, workdir) as client:
        try:
            thread = (await client.thread_start(ThreadStartParams(cwd=str(workdir)))).thread
        except RpcError as exc:
            if "not served yet" in exc.message:
                pytest.skip(f"the daemon does not serve the v2 thread API yet: {exc.message}")
            raise
        with anyio.fail_after(TIMEOUT):
            done, seen = await client.run_turn(thread.id, "hi")
        assert done.turn.status is TurnStatus.COMPLETED
        said = [
            item.text
            for notice in seen
            if (completed := notice.of(methods.ITEM_COMPLETED)) is not None
            and isinstance(item := completed.item, ThreadItemAgentMessage)
        ]
        assert said == ["hello, v2"]


async def test_v2_command_approvals_go_to_the_handler_of_their_row(
    codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model, approval_policy="untrusted")
    made = workdir / "made.txt"
    mock_model.enqueue(*replies_for([shell("call-1", ["touch", str(made)])]))
    asked: list[CommandExecutionRequestApprovalParams] = []

    async def accept(
        params: CommandExecutionRequestApprovalParams,
    ) -> CommandExecutionRequestApprovalResponse:
        asked.append(params)
        return CommandExecutionRequestApprovalResponse(decision="accept")

    async with typed_client(codex_home, workdir) as client:
        client.on_request(methods.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL, accept)
        try:
            thread = (await client.thread_start(ThreadStartParams(cwd=str(workdir)))).thread
        except RpcError as exc:
            if "not served yet" in exc.message:
                pytest.skip(f"the daemon does not serve the v2 thread API yet: {exc.message}")
            raise
        with anyio.fail_after(TIMEOUT):
            done, seen = await client.run_turn(thread.id, "make it")
    assert done.turn.status is TurnStatus.COMPLETED
    (question,) = asked
    assert (question.thread_id, question.turn_id) == (thread.id, done.turn.id)
    assert question.item_id == "call-1" and question.command == f"touch {made}"
    assert made.exists()
    assert any(notice.of(methods.SERVER_REQUEST_RESOLVED) is not None for notice in seen)


async def test_close_sends_eof_and_the_daemon_exits_zero(codex_home: Path, workdir: Path) -> None:
    async with typed_client(codex_home, workdir) as client:
        await client.request(methods.GET_USER_AGENT)
    assert client.returncode == 0
    assert client.closed
    with pytest.raises(ConnectionClosed):
        await client.request(methods.GET_USER_AGENT)


async def test_a_server_that_ignores_eof_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    stubborn = [sys.executable, "-c", "import time\nwhile True: time.sleep(1)"]
    async with spawn_stdio(stubborn, cwd=tmp_path, grace_seconds=0.5) as client:
        pass
    assert client.returncode is not None and client.returncode < 0


async def test_pending_requests_fail_when_the_server_exits(tmp_path: Path) -> None:
    silent_then_gone = [sys.executable, "-c", "import sys\nsys.stdin.readline()"]
    async with spawn_stdio(silent_then_gone, cwd=tmp_path) as client:
        with pytest.raises(ConnectionClosed), anyio.fail_after(TIMEOUT):
            await client.request(methods.GET_USER_AGENT)


class _Oops(Exception):
    pass


async def test_what_the_block_raises_comes_out_as_is(codex_home: Path, workdir: Path) -> None:
    with pytest.raises(_Oops):
        async with typed_client(codex_home, workdir) as client:
            raise _Oops
    assert client.returncode == 0
