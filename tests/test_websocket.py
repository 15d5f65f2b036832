"""The WebSocket transport through the real daemon (``--listen
ws://127.0.0.1:0``) and real `websockets` clients: one session per
connection, threads shared between connections (started on one, resumed on
another, streaming to both), approvals asked of the connections that follow
a thread, connections that close or drop in the middle of a turn, and a
client too slow to read that is dropped without holding the others up."""

from __future__ import annotations

import signal
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from websockets.exceptions import InvalidStatus

from app_server.ws_server import banner
from tests.agent_session import replies_for
from tests.agent_tool_scenarios import shell
from tests.harness.websocket import WebSocketClient, WebSocketDaemon, open_client
from tests.mock_model_server import (
    Hold,
    MockModelServer,
    assistant_message,
    responses_reply,
    streamed_message,
    text_delta,
    write_mock_config,
)

pytestmark = pytest.mark.anyio

Json = dict[str, Any]
TURN_TIMEOUT = 30.0


@pytest.fixture
def start_daemon(codex_home: Path, workdir: Path) -> Iterator[Any]:
    started: list[WebSocketDaemon] = []

    def start(**kw: Any) -> WebSocketDaemon:
        daemon = WebSocketDaemon(codex_home, cwd=workdir, **kw)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.kill()


@asynccontextmanager
async def connected(url: str, **options: Any) -> AsyncIterator[WebSocketClient]:
    async with anyio.create_task_group() as readers:
        client = WebSocketClient(await open_client(url, **options))
        readers.start_soon(client.read)
        try:
            yield client
        finally:
            with anyio.move_on_after(5, shield=True):
                await client.socket.close()
            readers.cancel_scope.cancel()


def _text(text: str) -> Json:
    return {"type": "text", "text": text, "text_elements": []}


async def _thread(client: WebSocketClient, workdir: Path) -> str:
    result = await client.call("thread/start", {"cwd": str(workdir)})
    thread_id: str = result["thread"]["id"]
    return thread_id


async def _turn(client: WebSocketClient, thread_id: str, text: str, **params: Any) -> str:
    turn = await client.call(
        "turn/start", {"threadId": thread_id, "input": [_text(text)], **params}
    )
    turn_id: str = turn["turn"]["id"]
    return turn_id


async def _completed(client: WebSocketClient, thread_id: str, turn_id: str, start: int = 0) -> Json:
    done = await client.wait_for(
        lambda m: (
            m.get("method") == "turn/completed"
            and m["params"]["threadId"] == thread_id
            and m["params"]["turn"]["id"] == turn_id
        ),
        TURN_TIMEOUT,
        start,
    )
    turn: Json = done["params"]["turn"]
    return turn


def _agent_texts(client: WebSocketClient, start: int = 0) -> list[str]:
    return [
        m["params"]["item"]["text"]
        for m in client.messages[start:]
        if m.get("method") == "item/completed" and m["params"]["item"]["type"] == "agentMessage"
    ]


async def test_a_turn_over_websocket(
    start_daemon: Any, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(streamed_message(["Hel", "lo"]))
    daemon = start_daemon()
    assert daemon.url.startswith("ws://127.0.0.1:") and not daemon.url.endswith(":0")
    banner = daemon.stderr_text()
    assert "codex app-server (WebSockets)\n" in banner
    assert "  note: binds localhost only (use SSH port-forwarding for remote access)\n" in banner
    assert "WARNING" not in banner
    async with connected(daemon.url) as client:
        refused = await client.request("thread/list", {})
        assert refused["error"] == {"code": -32600, "message": "Not initialized"}
        result = await client.initialize("ws-tests")
        assert "(ws-tests; 1.0)" in result["userAgent"]
        thread_id = await _thread(client, workdir)
        turn_id = await _turn(client, thread_id, "hi")
        turn = await _completed(client, thread_id, turn_id)
        assert turn["status"] == "completed"
        assert _agent_texts(client) == ["Hello"]
        deltas = [
            m["params"]["delta"]
            for m in client.messages
            if m.get("method") == "item/agentMessage/delta"
        ]
        assert deltas == ["Hel", "lo"]
        # One JSON-RPC message per text frame, without a trailing newline.
        assert all(not frame.endswith("\n") for frame in client.frames)
        again = await client.request("initialize", {"clientInfo": {"name": "x", "version": "1"}})
        assert again["error"]["message"] == "Already initialized"
    assert daemon.stop() == -signal.SIGTERM


async def test_each_connection_is_its_own_session(
    start_daemon: Any, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    daemon = start_daemon()
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(connected(daemon.url))
        b = await stack.enter_async_context(connected(daemon.url))
        await a.initialize("client-a")
        # B has not introduced itself: it is refused, and gets nothing meant for every client.
        refused = await b.request("thread/start", {"cwd": str(workdir)})
        assert refused["error"]["message"] == "Not initialized"
        thread_id = await _thread(a, workdir)
        await a.wait_notification("thread/started")
        await b.request("thread/list", {})
        assert b.methods() == []
        ua = await b.initialize("client-b", optOutNotificationMethods=["thread/started"])
        assert "(client-b; 1.0)" in ua["userAgent"]
        assert (await a.call("getUserAgent"))["userAgent"].endswith("(client-a; 1.0)")
        # A thread started on A now: B opted out of `thread/started`, A did not.
        mark_a, mark_b = len(a.messages), len(b.messages)
        second = await _thread(a, workdir)
        await a.wait_notification("thread/started", start=mark_a)
        status = await b.wait_notification("thread/status/changed", start=mark_b)
        assert status["params"]["threadId"] == second
        await b.call("thread/list", {})
        assert "thread/started" not in b.methods(mark_b)
        assert {thread_id, second} == set((await b.call("thread/loaded/list", {}))["data"])


async def test_a_thread_resumed_on_another_connection_streams_to_both(
    start_daemon: Any, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(assistant_message("first"), streamed_message(["for ", "both"]))
    daemon = start_daemon()
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(connected(daemon.url))
        b = await stack.enter_async_context(connected(daemon.url))
        c = await stack.enter_async_context(connected(daemon.url))
        await a.initialize("a")
        await b.initialize("b", optOutNotificationMethods=["item/agentMessage/delta"])
        await c.initialize("c")
        thread_id = await _thread(a, workdir)
        await _completed(a, thread_id, await _turn(a, thread_id, "zz-one"))
        assert _agent_texts(b) == []
        resumed = await b.call("thread/resume", {"threadId": thread_id})
        assert resumed["thread"]["id"] == thread_id
        marks = [len(x.messages) for x in (a, b, c)]
        turn_id = await _turn(a, thread_id, "two")
        for client, mark in zip((a, b), marks, strict=False):
            turn = await _completed(client, thread_id, turn_id, mark)
            assert turn["status"] == "completed"
            assert _agent_texts(client, mark) == ["for both"]
            assert "codex/event/task_complete" in client.methods(mark)
        # Each connection's own opt-outs.
        assert "item/agentMessage/delta" in a.methods(marks[0])
        assert "item/agentMessage/delta" not in b.methods(marks[1])
        # C follows no thread: it hears of the turn starting (as 0.107.0 tells every
        # client), never its items.
        await c.wait_notification("turn/started", start=marks[2], threadId=thread_id)
        await c.call("thread/list", {})  # what was sent to C before A's turn/completed is in
        assert not [m for m in c.methods(marks[2]) if m.startswith(("item/", "codex/event/"))]
        assert "turn/completed" not in c.methods(marks[2])
        # A leaves: the thread stays loaded for B; when B leaves too, it closes.
        assert await a.call("thread/unsubscribe", {"threadId": thread_id}) == {
            "status": "unsubscribed"
        }
        assert await a.call("thread/unsubscribe", {"threadId": thread_id}) == {
            "status": "notSubscribed"
        }
        assert await c.call("thread/loaded/list", {}) == {"data": [thread_id], "nextCursor": None}
        mark_c = len(c.messages)
        assert await b.call("thread/unsubscribe", {"threadId": thread_id}) == {
            "status": "unsubscribed"
        }
        closed = await c.wait_notification("thread/closed", start=mark_c)
        assert closed["params"] == {"threadId": thread_id}
        await b.wait_notification("thread/closed", threadId=thread_id)
        assert await a.call("thread/loaded/list", {}) == {"data": [], "nextCursor": None}


async def test_the_forking_connection_follows_the_fork(
    start_daemon: Any, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(assistant_message("first"), assistant_message("on the fork"))
    daemon = start_daemon()
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(connected(daemon.url))
        b = await stack.enter_async_context(connected(daemon.url))
        await a.initialize("a")
        await b.initialize("b")
        thread_id = await _thread(a, workdir)
        await _completed(a, thread_id, await _turn(a, thread_id, "one"))
        fork_id = (await b.call("thread/fork", {"threadId": thread_id}))["thread"]["id"]
        await b.wait_notification("codex/event/mcp_startup_complete", conversationId=fork_id)
        mark = len(b.messages)
        turn_id = await _turn(a, fork_id, "two")
        assert (await _completed(b, fork_id, turn_id, mark))["status"] == "completed"
        assert _agent_texts(b, mark) == ["on the fork"]


async def test_an_approval_goes_to_the_followers_and_the_first_answer_wins(
    start_daemon: Any, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model, approval_policy="untrusted")
    target = workdir / "made.txt"
    mock_model.enqueue(assistant_message("first"), match="zz-one")
    mock_model.enqueue(*replies_for([shell("call-1", ["touch", str(target)])]))
    daemon = start_daemon()
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(connected(daemon.url))
        b = await stack.enter_async_context(connected(daemon.url))
        c = await stack.enter_async_context(connected(daemon.url))
        for client, name in ((a, "a"), (b, "b"), (c, "c")):
            await client.initialize(name)
        thread_id = await _thread(a, workdir)
        await _completed(a, thread_id, await _turn(a, thread_id, "zz-one"))
        await b.call("thread/resume", {"threadId": thread_id})
        mark_a, mark_b = len(a.messages), len(b.messages)
        turn_id = await _turn(a, thread_id, "make it")
        method = "item/commandExecution/requestApproval"
        asked_a = await a.wait_for(lambda m: m.get("method") == method and "id" in m, 20, mark_a)
        asked_b = await b.wait_for(lambda m: m.get("method") == method and "id" in m, 20, mark_b)
        assert asked_a["id"] == asked_b["id"] and asked_a["params"] == asked_b["params"]
        # C was not asked: its answer is dropped, and so is a wrong id from B.
        await c.respond(asked_a["id"], {"decision": "accept"})
        await b.respond(asked_a["id"] + 1000, {"decision": "accept"})
        await c.call("thread/list", {})
        assert not target.exists()
        await b.respond(asked_b["id"], {"decision": "accept"})
        for client, mark in ((a, mark_a), (b, mark_b)):
            turn = await _completed(client, thread_id, turn_id, mark)
            assert turn["status"] == "completed"
            resolved = await client.wait_notification("serverRequest/resolved", start=mark)
            assert resolved["params"] == {"threadId": thread_id, "requestId": asked_a["id"]}
        assert target.exists()
        # A's late answer changes nothing.
        await a.respond(asked_a["id"], {"decision": "decline"})
        await a.call("thread/list", {})


async def test_a_connection_that_closes_while_asked_cancels_the_approval(
    start_daemon: Any, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model, approval_policy="untrusted")
    target = workdir / "never.txt"
    mock_model.enqueue(assistant_message("after"), match="zz-again")
    mock_model.enqueue(*replies_for([shell("call-1", ["touch", str(target)])]))
    daemon = start_daemon()
    async with connected(daemon.url) as a:
        await a.initialize("a")
        thread_id = await _thread(a, workdir)
        await _turn(a, thread_id, "make it")
        await a.wait_for(lambda m: m.get("method") == "item/commandExecution/requestApproval")
        a.drop()  # no close frame: the socket just goes
    async with connected(daemon.url) as b:
        await b.initialize("b")
        # The thread is still loaded (as in 0.107.0); its turn was cancelled, not approved.
        assert (await b.call("thread/loaded/list", {}))["data"] == [thread_id]
        resumed = await b.call("thread/resume", {"threadId": thread_id})
        assert resumed["thread"]["id"] == thread_id
        turn_id = await _turn(b, thread_id, "zz-again")  # after the cancelled one
        assert (await _completed(b, thread_id, turn_id))["status"] == "completed"
        assert _agent_texts(b) == ["after"]
    assert not target.exists()


async def test_a_connection_dropped_mid_stream_leaves_the_daemon_serving(
    start_daemon: Any, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(assistant_message("next"), match="zz-more")
    mock_model.enqueue(responses_reply(text_delta("partial "), Hold("mid"), text_delta("rest")))
    daemon = start_daemon()
    async with connected(daemon.url) as a:
        await a.initialize("a")
        thread_id = await _thread(a, workdir)
        await _turn(a, thread_id, "go")
        await a.wait_notification("item/agentMessage/delta")
        a.drop()
    mock_model.release("mid")
    async with connected(daemon.url) as b:
        await b.initialize("b")
        await b.call("thread/resume", {"threadId": thread_id})
        turn_id = await _turn(b, thread_id, "zz-more")  # queued after the first one
        assert (await _completed(b, thread_id, turn_id))["status"] == "completed"
        assert _agent_texts(b) == ["next"]
    assert daemon.proc.poll() is None


async def test_a_slow_reader_is_dropped_and_does_not_stall_another_connection(
    start_daemon: Any, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    chunk = "x" * 4096
    mock_model.enqueue(streamed_message([chunk] * 600), match="zz-flood")
    mock_model.enqueue(streamed_message(["still ", "here"]), match="zz-steady")
    daemon = start_daemon(env={"CODEX_APP_SERVER_WS_QUEUE_MESSAGES": "64"})
    # The slow client's socket takes little before the kernel stops the daemon's writes.
    host, port = daemon.url.removeprefix("ws://").rsplit(":", 1)
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect((host, int(port)))
    async with AsyncExitStack() as stack:
        slow = await stack.enter_async_context(connected(daemon.url, sock=raw, max_queue=1))
        steady = await stack.enter_async_context(connected(daemon.url))
        await slow.initialize("slow")
        await steady.initialize("steady")
        flooded = await _thread(slow, workdir)
        calm = await _thread(steady, workdir)
        slow.stop_reading()
        flood = {"threadId": flooded, "input": [_text("zz-flood")]}
        await slow.send({"id": 99, "method": "turn/start", "params": flood})
        turn_id = await _turn(steady, calm, "zz-steady")
        assert (await _completed(steady, calm, turn_id))["status"] == "completed"
        assert _agent_texts(steady) == ["still here"]
        await daemon.wait_for_stderr(
            "disconnecting websocket client 1: its outbound queue is full", TURN_TIMEOUT
        )
        # The flooded thread went on (recorded), and the daemon serves on.
        assert await steady.call("thread/loaded/list", {}) is not None
    assert daemon.proc.poll() is None


async def test_requests_from_browsers_are_refused(
    start_daemon: Any, codex_home: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    daemon = start_daemon()
    with pytest.raises(InvalidStatus) as refused:
        await open_client(daemon.url, origin="http://example.com")  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    # Any path upgrades, as with the reference.
    async with connected(daemon.url + "/any/path?x=1") as client:
        await client.initialize()


def test_the_banner_warns_of_a_non_loopback_address() -> None:
    loopback = banner("::1", 4500)
    assert "listening on: ws://[::1]:4500\n" in loopback
    assert "binds localhost only" in loopback and "WARNING" not in loopback
    everyone = banner("0.0.0.0", 4500)
    assert "listening on: ws://0.0.0.0:4500\n" in everyone
    assert "anyone who can reach this address can drive the agent" in everyone


async def test_v1_listeners_belong_to_their_connection(
    start_daemon: Any, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(assistant_message("heard"))
    daemon = start_daemon()
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(connected(daemon.url))
        b = await stack.enter_async_context(connected(daemon.url))
        await a.initialize("a")
        await b.initialize("b")
        started = await a.call("newConversation", {"cwd": str(workdir)})
        conversation_id = started["conversationId"]
        await b.call("addConversationListener", {"conversationId": conversation_id})
        mark_a = len(a.messages)
        items = [{"type": "text", "data": {"text": "hi"}}]
        await a.call("sendUserMessage", {"conversationId": conversation_id, "items": items})
        done = await b.wait_notification("codex/event/task_complete", TURN_TIMEOUT)
        assert done["params"]["msg"]["last_agent_message"] == "heard"
        await a.call("listConversations", {})
        assert not [m for m in a.methods(mark_a) if m.startswith("codex/event/")]


async def test_a_stopped_daemon_closes_its_connections(
    start_daemon: Any, codex_home: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    daemon = start_daemon()
    async with connected(daemon.url) as client:
        await client.initialize()
        daemon.proc.send_signal(signal.SIGTERM)
        with anyio.fail_after(TURN_TIMEOUT):
            await client.closed.wait()
        assert client.socket.close_code == 1001  # going away
    assert daemon.proc.wait(TURN_TIMEOUT) == -signal.SIGTERM
