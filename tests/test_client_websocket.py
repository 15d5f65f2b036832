"""The typed client (`app_server_protocol.client`) over WebSocket: the real
daemon serving ``ws://127.0.0.1:0`` (started by `spawn_websocket`, which
reads the address from its banner), a turn whose approval goes to the
handler of its row, a thread started on one connection and resumed on
another (both get its stream), a clean close (a close frame, answered), and
a server that goes away (pending requests fail with `ConnectionClosed`,
notification iterators end)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import anyio.abc
import pytest
from websockets.asyncio.server import ServerConnection, serve

from app_server_protocol import methods
from app_server_protocol.client import (
    ConnectionClosed,
    RpcError,
    ServerNotice,
    connect_websocket,
    spawn_websocket,
)
from app_server_protocol.v2.approvals import (
    CommandExecutionRequestApprovalParams,
    CommandExecutionRequestApprovalResponse,
)
from app_server_protocol.v2.items import ThreadItemAgentMessage
from app_server_protocol.v2.threads import ThreadResumeParams, ThreadStartParams
from app_server_protocol.v2.turns import TurnStatus
from tests.agent_session import replies_for
from tests.agent_tool_scenarios import shell
from tests.client_support import TESTS_CLIENT, typed_ws_client
from tests.mock_model_server import MockModelServer, assistant_message, write_mock_config

pytestmark = pytest.mark.anyio

TIMEOUT = 30.0


def agent_texts(seen: list[ServerNotice]) -> list[str]:
    return [
        item.text
        for notice in seen
        if (completed := notice.of(methods.ITEM_COMPLETED)) is not None
        and isinstance(item := completed.item, ThreadItemAgentMessage)
    ]


async def test_a_turn_with_an_approval_answered_by_the_handler(
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

    async with typed_ws_client(codex_home, workdir) as client:
        assert client.url.startswith("ws://127.0.0.1:") and not client.url.endswith(":0")
        client.on_request(methods.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL, accept)
        thread = (await client.thread_start(ThreadStartParams(cwd=str(workdir)))).thread
        with anyio.fail_after(TIMEOUT):
            done, seen = await client.run_turn(thread.id, "make it")
        # typed errors come back over this transport too
        with pytest.raises(RpcError) as refused:
            await client.initialize(TESTS_CLIENT)
        assert refused.value.message == "Already initialized"
    assert done.turn.status is TurnStatus.COMPLETED
    (question,) = asked
    assert (question.thread_id, question.turn_id) == (thread.id, done.turn.id)
    assert question.item_id == "call-1" and question.command == f"touch {made}"
    assert made.exists()
    assert agent_texts(seen) == ["done"]
    assert any(notice.of(methods.SERVER_REQUEST_RESOLVED) is not None for notice in seen)


async def test_a_thread_resumed_on_another_connection_streams_to_both(
    codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(assistant_message("first"), assistant_message("for both"))
    async with typed_ws_client(codex_home, workdir) as a:
        thread = (await a.thread_start(ThreadStartParams(cwd=str(workdir)))).thread
        with anyio.fail_after(TIMEOUT):
            await a.run_turn(thread.id, "one")
        async with connect_websocket(a.url) as b:
            await b.initialize(TESTS_CLIENT)
            resumed = await b.request(
                methods.THREAD_RESUME, ThreadResumeParams(thread_id=thread.id)
            )
            assert resumed.thread.id == thread.id
            b_events = b.thread_events(thread.id)
            with anyio.fail_after(TIMEOUT):
                done, seen_by_a = await a.run_turn(thread.id, "two")
                seen_by_b: list[ServerNotice] = []
                async for notice in b_events:
                    seen_by_b.append(notice)
                    completed = notice.of(methods.TURN_COMPLETED)
                    if completed is not None and completed.turn.id == done.turn.id:
                        break
            await b_events.aclose()
        # B's close left A's connection and the thread alone
        assert (await a.request(methods.GET_USER_AGENT)).user_agent
    assert agent_texts(seen_by_a) == agent_texts(seen_by_b) == ["for both"]


async def test_leaving_the_block_closes_with_a_close_frame(codex_home: Path, workdir: Path) -> None:
    async with typed_ws_client(codex_home, workdir) as client:
        await client.request(methods.GET_USER_AGENT)
    assert client.closed
    # the server answered the client's close frame with its own
    assert client.transport.describe_close() == "close code 1000"
    # then the daemon is stopped as a service is: it dies of SIGTERM (not SIGKILL)
    assert client.process is not None and client.process.returncode == -signal.SIGTERM
    with pytest.raises(ConnectionClosed):
        await client.request(methods.GET_USER_AGENT)


async def test_a_daemon_that_stops_ends_the_iterators_and_fails_requests(
    codex_home: Path, workdir: Path
) -> None:
    async with typed_ws_client(codex_home, workdir) as client:
        assert client.process is not None
        events = client.thread_events("no-such-thread")
        client.process.terminate()
        with anyio.fail_after(TIMEOUT):
            assert [notice async for notice in events] == []
            async for _ in client.notifications():
                pass  # it ends
            await client.wait_closed()
        with pytest.raises(ConnectionClosed):
            await client.request(methods.GET_USER_AGENT)


@asynccontextmanager
async def silent_server(*, drop: bool) -> AsyncIterator[str]:
    """A WebSocket server that answers nothing: on the first message it
    drops the socket (``drop``) or closes with code 1011."""

    async def handle(connection: ServerConnection) -> None:
        await connection.recv()
        if drop:
            connection.transport.abort()
        else:
            await connection.close(1011, "gave up")

    async with serve(handle, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}"


@pytest.mark.parametrize(
    ("drop", "said"),
    [
        (True, "the socket dropped without a close frame"),
        (False, "close code 1011: gave up"),
    ],
)
async def test_pending_requests_fail_when_the_server_goes_away(drop: bool, said: str) -> None:
    async with silent_server(drop=drop) as url, connect_websocket(url) as client:
        events = client.thread_events("t")
        with anyio.fail_after(TIMEOUT), pytest.raises(ConnectionClosed) as failed:
            await client.request(methods.GET_USER_AGENT)
        assert str(failed.value) == f"the server closed before answering request 1 ({said})"
        with anyio.fail_after(TIMEOUT):
            assert [notice async for notice in events] == []


async def test_no_server_at_the_address_is_a_clear_error() -> None:
    with anyio.fail_after(TIMEOUT), pytest.raises(ConnectionClosed, match="cannot connect to"):
        async with connect_websocket("ws://127.0.0.1:1"):
            pass


async def test_a_daemon_that_exits_before_listening_is_an_error(tmp_path: Path) -> None:
    said_and_gone = [sys.executable, "-c", "import sys; sys.stderr.write('no port for you\\n')"]
    copied = tmp_path / "stderr"
    with (
        copied.open("wb") as stderr,
        anyio.fail_after(TIMEOUT),
        pytest.raises(RuntimeError, match="exited before listening:\nno port for you"),
    ):
        async with spawn_websocket(said_and_gone, cwd=tmp_path, stderr=stderr):
            pass
    assert copied.read_text() == "no port for you\n"


def test_importing_the_client_does_not_load_websockets() -> None:
    code = (
        "import sys, app_server_protocol, app_server_protocol.client\n"
        "assert 'websockets' not in sys.modules, 'websockets was imported'\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'app_server']\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=os.environ
    )
    assert done.returncode == 0, done.stderr


async def test_a_daemon_that_never_listens_is_stopped_after_start_seconds(tmp_path: Path) -> None:
    silent = [
        sys.executable,
        "-c",
        "import sys, time\nprint('starting', file=sys.stderr)\ntime.sleep(60)",
    ]
    with (
        anyio.fail_after(TIMEOUT),
        pytest.raises(TimeoutError, match=r"did not say where it listens in 0\.5s:\nstarting$"),
    ):
        async with spawn_websocket(
            silent, cwd=tmp_path, stderr=subprocess.DEVNULL, start_seconds=0.5
        ):
            pass


async def test_a_server_that_never_answers_the_handshake_is_a_clear_error() -> None:
    async def accept_and_wait(stream: anyio.abc.SocketStream) -> None:
        await anyio.sleep_forever()

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(listener.serve, accept_and_wait)
        with (
            anyio.fail_after(TIMEOUT),
            pytest.raises(ConnectionClosed, match=r"no WebSocket handshake with .* in 0\.5s"),
        ):
            async with connect_websocket(f"ws://127.0.0.1:{port}", open_seconds=0.5):
                pass
        tasks.cancel_scope.cancel()
