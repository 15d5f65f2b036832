"""Conversations with a scripted turn runner plugged in: the events path, the
rollout, interrupts, shutdown and resume, as the turn loop will use them."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import uuid
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest

from app_server.agent import turn as turn_module
from app_server.agent.context import local_date, local_timezone
from app_server.agent.host import TurnHost
from app_server.agent.thread import AgentThread
from app_server.conversations.recorder import RolloutRecorder, open_for_append
from app_server.conversations.turns import UserTurn
from app_server_protocol.events import (
    AgentMessageEvent,
    TurnCompleteEvent,
    TurnStartedEvent,
    UserMessageEvent,
)
from app_server_protocol.items import (
    ContentItemInputText,
    ContentItemOutputText,
    InputItemText,
    ResponseItemMessage,
)
from tests.harness.inprocess import InProcessClient, in_process_daemon
from tests.rollouts import REFERENCE_THREE_TURNS

pytestmark = pytest.mark.anyio


class ScriptedRunner:
    """Echoes the user's text; a turn saying "hang" waits to be interrupted."""

    def __init__(self) -> None:
        self.turns: list[tuple[str, UserTurn]] = []
        self.conversations: list[TurnHost] = []

    def prepare(self, provider: object) -> None:
        """Nothing to get ready: no model is called."""

    async def run_turn(
        self, thread: AgentThread, conversation: TurnHost, submission_id: str, turn: UserTurn
    ) -> None:
        self.turns.append((submission_id, turn))
        self.conversations.append(conversation)
        item = turn.items[0]
        assert isinstance(item, InputItemText)
        text = item.data.text
        settings = thread.settings
        await conversation.emit(submission_id, TurnStartedEvent())
        conversation.record_items(
            [ResponseItemMessage(role="user", content=[ContentItemInputText(text=text)])]
        )
        await conversation.emit(submission_id, UserMessageEvent(message=text, images=[]))
        conversation.record_turn_context(settings.context_item())
        if text == "hang":
            await anyio.sleep_forever()
        answer = ResponseItemMessage(
            role="assistant", content=[ContentItemOutputText(text=f"echo: {text}")]
        )
        await conversation.emit_raw_item(submission_id, answer)
        await conversation.emit(submission_id, AgentMessageEvent(message=f"echo: {text}"))
        conversation.record_items([answer])
        await conversation.emit(
            submission_id, TurnCompleteEvent(last_agent_message=f"echo: {text}")
        )


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> ScriptedRunner:
    scripted = ScriptedRunner()
    monkeypatch.setattr(turn_module, "ModelTurnRunner", lambda task_group: scripted)
    return scripted


@asynccontextmanager
async def daemon(codex_home: Path) -> AsyncIterator[InProcessClient]:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        yield client


def text_items(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "data": {"text": text}}]


def events(client: InProcessClient, conversation_id: str, start: int = 0) -> list[dict[str, Any]]:
    return [
        m
        for m in client.messages[start:]
        if m.get("method", "").startswith("codex/event/")
        and m["params"]["conversationId"] == conversation_id
    ]


async def wait_event(
    client: InProcessClient, kind: str, start: int = 0, count: int = 1
) -> dict[str, Any]:
    """The ``count``-th ``kind`` event since ``start``."""
    seen = 0

    def wanted(message: dict[str, Any]) -> bool:
        nonlocal seen
        if message.get("method") == f"codex/event/{kind}":
            seen += 1
        return seen == count

    return await client.wait_for(wanted, start=start)


async def start_hanging_turn(
    client: InProcessClient, listeners: int = 1
) -> tuple[dict[str, Any], str, int]:
    """A new conversation with ``listeners`` listeners, running a turn that
    waits to be interrupted: what `newConversation` returned, the
    conversation's id, and the index of the turn's first message."""
    created = await client.call("newConversation", {"cwd": "/tmp"})
    cid = created["conversationId"]
    for _ in range(listeners):
        await client.call("addConversationListener", {"conversationId": cid})
    start = len(client.messages)
    await client.call("sendUserMessage", {"conversationId": cid, "items": text_items("hang")})
    await wait_event(client, "user_message", start, count=listeners)
    return created, cid, start


def rollout(path: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_bytes().splitlines()]


async def test_a_turn_goes_to_every_listener_and_to_the_rollout(
    codex_home: Path, runner: ScriptedRunner
) -> None:
    async with daemon(codex_home) as client:
        created = await client.call("newConversation", {"cwd": "/tmp"})
        cid = created["conversationId"]
        first = await client.call("addConversationListener", {"conversationId": cid})
        await client.call(
            "addConversationListener", {"conversationId": cid, "experimentalRawEvents": True}
        )
        start = len(client.messages)
        assert (
            await client.call("sendUserMessage", {"conversationId": cid, "items": text_items("hi")})
            == {}
        )
        await wait_event(client, "task_complete", start, count=2)
        received = events(client, cid, start)
        kinds = [m["method"].removeprefix("codex/event/") for m in received]
        # each listener receives every event; the raw one only goes to the raw listener
        assert kinds == [
            "task_started",
            "task_started",
            "user_message",
            "user_message",
            "raw_response_item",
            "agent_message",
            "agent_message",
            "task_complete",
            "task_complete",
        ]
        (turn_id,) = {m["params"]["id"] for m in received}
        assert uuid.UUID(turn_id).version == 7  # as 0.107 makes turn ids
        raw = next(m for m in received if m["method"] == "codex/event/raw_response_item")
        assert raw["params"]["msg"]["type"] == "raw_response_item"
        assert raw["params"]["msg"]["item"]["type"] == "message"
        assert list(raw["params"]) == ["id", "msg", "conversationId"]

        # a listener removed gets nothing more
        await client.call("removeConversationListener", {"subscriptionId": first["subscriptionId"]})
        start = len(client.messages)
        await client.call("sendUserMessage", {"conversationId": cid, "items": text_items("again")})
        await wait_event(client, "task_complete", start)
        assert events(client, cid, start)[0]["params"]["id"] not in (turn_id, "1")
        assert len(events(client, cid, start)) == 5

        await client.call("listConversations", {})  # flushes the rollout writers
        lines = rollout(created["rolloutPath"])
        kinds = [(line["type"], line["payload"].get("type")) for line in lines]
        assert kinds == [
            ("session_meta", None),
            ("response_item", "message"),  # permissions
            ("response_item", "message"),  # environment context
            ("event_msg", "task_started"),
            ("response_item", "message"),
            ("event_msg", "user_message"),
            ("turn_context", None),
            ("event_msg", "agent_message"),
            ("response_item", "message"),
            ("event_msg", "task_complete"),
            ("event_msg", "task_started"),
            ("response_item", "message"),
            ("event_msg", "user_message"),
            ("turn_context", None),
            ("event_msg", "agent_message"),
            ("response_item", "message"),
            ("event_msg", "task_complete"),
        ]


async def test_send_user_turn_settings_apply_to_later_turns(
    codex_home: Path, runner: ScriptedRunner
) -> None:
    async with daemon(codex_home) as client:
        cid = (await client.call("newConversation", {"cwd": "/tmp"}))["conversationId"]
        await client.call("addConversationListener", {"conversationId": cid})
        start = len(client.messages)
        await client.call(
            "sendUserTurn",
            {
                "conversationId": cid,
                "items": text_items("one"),
                "cwd": "/srv",
                "approvalPolicy": "never",
                "sandboxPolicy": {"mode": "read-only"},
                "model": "other-model",
                "effort": "high",
                "summary": "concise",
            },
        )
        await wait_event(client, "task_complete", start)
        start = len(client.messages)
        await client.call("sendUserMessage", {"conversationId": cid, "items": text_items("two")})
        await wait_event(client, "task_complete", start)
        await client.call("listConversations", {})
        path = (await client.call("listConversations", {}))["items"][0]["path"]
        contexts = [line["payload"] for line in rollout(path) if line["type"] == "turn_context"]
        # as 0.107.0, the date and time zone the model was told
        assert all(
            context.pop("current_date") == local_date()
            and context.pop("timezone", None) == local_timezone()
            for context in contexts
        )
        assert (
            contexts
            == [
                {
                    "cwd": "/srv",
                    "approval_policy": "never",
                    "sandbox_policy": {"type": "read-only"},
                    "model": "other-model",
                    # 0.107 keeps the thread's personality (its default one here).
                    "personality": "pragmatic",
                    "effort": "high",
                    "summary": "concise",
                }
            ]
            * 2
        )
        first, second = (sid for sid, _ in runner.turns)
        assert uuid.UUID(first).version == uuid.UUID(second).version == 7 and first != second


async def test_interrupt_aborts_the_turn_before_replying(
    codex_home: Path, runner: ScriptedRunner
) -> None:
    async with daemon(codex_home) as client:
        created, cid, start = await start_hanging_turn(client)
        # a turn sent meanwhile waits for its turn
        await client.call("sendUserMessage", {"conversationId": cid, "items": text_items("next")})
        response = await client.request("interruptConversation", {"conversationId": cid})
        assert response["result"] == {"abortReason": "interrupted"}
        aborted = await wait_event(client, "turn_aborted", start)
        turn_id = aborted["params"]["id"]
        assert aborted["params"]["msg"] == {
            "type": "turn_aborted",
            "turn_id": turn_id,
            "reason": "interrupted",
        }
        assert client.messages.index(aborted) < client.messages.index(response)
        done = await wait_event(client, "task_complete", start)
        assert done["params"]["id"] != turn_id
        await client.call("listConversations", {})
        kinds = [line["payload"].get("type") for line in rollout(created["rolloutPath"])]
        assert "turn_aborted" in kinds


async def test_archive_shuts_a_running_conversation_down(
    codex_home: Path, runner: ScriptedRunner
) -> None:
    async with daemon(codex_home) as client:
        created, cid, start = await start_hanging_turn(client, listeners=2)
        with anyio.fail_after(5):
            result = await client.call(
                "archiveConversation",
                {"conversationId": cid, "rolloutPath": created["rolloutPath"]},
            )
        assert result == {}
        received = [m["method"].removeprefix("codex/event/") for m in events(client, cid, start)]
        assert received[-4:] == [
            "turn_aborted",
            "turn_aborted",
            "shutdown_complete",
            "shutdown_complete",
        ]
        shutdown = events(client, cid, start)[-1]
        aborted = events(client, cid, start)[-3]
        turn_id = aborted["params"]["id"]
        assert shutdown["params"] == {
            "id": shutdown["params"]["id"],
            "msg": {"type": "shutdown_complete"},
            "conversationId": cid,
        }
        assert shutdown["params"]["id"] != turn_id
        archived = (
            Path(created["rolloutPath"]).parent.parent.parent.parent.parent / "archived_sessions"
        )
        lines = rollout(str(archived / Path(created["rolloutPath"]).name))
        assert lines[-1]["payload"] == {
            "type": "turn_aborted",
            "turn_id": turn_id,
            "reason": "interrupted",
        }
        error = await client.call_error(
            "sendUserMessage", {"conversationId": cid, "items": text_items("x")}
        )
        assert error == {"code": -32600, "message": f"conversation not found: {cid}"}


async def test_resume_continues_the_same_file(
    codex_home: Path, runner: ScriptedRunner, tmp_path: Path
) -> None:
    async with daemon(codex_home) as client:
        path = tmp_path / "resumed.jsonl"
        path.write_bytes(REFERENCE_THREE_TURNS.read_bytes())
        before = path.read_bytes()
        start = len(client.messages)
        result = await client.call("resumeConversation", {"path": str(path)})
        configured = await client.wait_for(
            lambda m: m.get("method") == "sessionConfigured", start=start
        )
        assert client.messages.index(configured) < len(client.messages) - 1
        cid = result["conversationId"]
        assert cid == "01a202f7-377e-7623-907c-fc635a0cd359"
        assert configured["params"]["initialMessages"] == result["initialMessages"]
        assert len(result["initialMessages"]) == 10
        await client.call("addConversationListener", {"conversationId": cid})
        start = len(client.messages)
        await client.call(
            "sendUserMessage", {"conversationId": cid, "items": text_items("resumed")}
        )
        done = await wait_event(client, "task_complete", start)
        assert uuid.UUID(done["params"]["id"]).version == 7
        await client.call("listConversations", {})
        data = path.read_bytes()
        assert data.startswith(before)
        added = [json.loads(line) for line in data[len(before) :].splitlines()]
        assert [a["payload"].get("type") for a in added] == [
            "task_started",
            "message",
            "user_message",
            None,
            "agent_message",
            "message",
            "task_complete",
        ]


def reference_binary() -> Path | None:
    """The reference codex binary, when `reference-codex` has installed it."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    binary = (
        cache
        / "codex-reference/0.50.0/node_modules/@openai/codex/vendor"
        / "x86_64-unknown-linux-musl/codex/codex"
    )
    return binary if binary.exists() else None


def ask_reference(binary: Path, codex_home: Path, requests: list[dict[str, Any]]) -> list[Any]:
    """Run the reference daemon on ``codex_home``; the results of ``requests``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEX_", "OPENAI_"))}
    env["CODEX_HOME"] = str(codex_home)
    lines = [
        {"id": 0, "method": "initialize", "params": {"clientInfo": {"name": "t", "version": "1"}}}
    ]
    lines += [{"id": n + 1, **request} for n, request in enumerate(requests)]
    proc = subprocess.Popen(
        [str(binary), "app-server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    results: dict[int, Any] = {}
    for line in lines:
        proc.stdin.write(json.dumps(line).encode() + b"\n")
        proc.stdin.flush()
        while line["id"] not in results:
            message = json.loads(proc.stdout.readline())
            if "id" in message and "method" not in message:
                results[message["id"]] = message.get("result", message.get("error"))
    proc.stdin.close()
    proc.wait(10)
    return [results[n + 1] for n in range(len(requests))]


async def test_the_reference_lists_and_resumes_our_rollouts(
    codex_home: Path, runner: ScriptedRunner
) -> None:
    binary = reference_binary()
    if binary is None:
        pytest.skip("the reference binary is not installed (../shared/tools/reference-codex)")
    async with daemon(codex_home) as client:
        created = await client.call("newConversation", {"cwd": "/tmp"})
        cid = created["conversationId"]
        await client.call("addConversationListener", {"conversationId": cid})
        for text in ("first ours", "second ours"):
            start = len(client.messages)
            await client.call("sendUserMessage", {"conversationId": cid, "items": text_items(text)})
            await wait_event(client, "task_complete", start)
        ours = await client.call("listConversations", {})
    listed, resumed = await anyio.to_thread.run_sync(
        ask_reference,
        binary,
        codex_home,
        [
            {"method": "listConversations", "params": {}},
            {"method": "resumeConversation", "params": {"path": created["rolloutPath"]}},
        ],
    )
    assert listed == ours
    assert listed["items"][0]["preview"] == "first ours"
    assert resumed["conversationId"] == cid
    assert [m["type"] for m in resumed["initialMessages"]] == [
        "user_message",
        "agent_message",
        "user_message",
        "agent_message",
    ]


async def test_an_interrupt_racing_an_archive_is_answered(
    codex_home: Path, runner: ScriptedRunner
) -> None:
    async with daemon(codex_home) as client:
        created, cid, start = await start_hanging_turn(client)
        await client.send(
            {"id": 901, "method": "interruptConversation", "params": {"conversationId": cid}}
        )
        await client.send(
            {
                "id": 902,
                "method": "archiveConversation",
                "params": {"conversationId": cid, "rolloutPath": created["rolloutPath"]},
            }
        )
        interrupted = await client.wait_for(lambda m: m.get("id") == 901, timeout=5)
        archived = await client.wait_for(lambda m: m.get("id") == 902, timeout=5)
        assert interrupted["result"] == {"abortReason": "interrupted"}
        assert archived["result"] == {}
        kinds = [m["method"] for m in events(client, cid, start)]
        assert kinds.count("codex/event/turn_aborted") == 1
        assert kinds[-1] == "codex/event/shutdown_complete"


async def test_resuming_a_live_conversation_waits_for_what_it_writes_as_it_stops(
    codex_home: Path, runner: ScriptedRunner
) -> None:
    async with daemon(codex_home) as client:
        created, cid, _ = await start_hanging_turn(client)
        # the running turn is aborted: its `turn_aborted` is part of what is resumed
        resumed = await client.call("resumeConversation", {"path": created["rolloutPath"]})
        assert resumed["conversationId"] == cid
        assert [m["type"] for m in resumed["initialMessages"]] == [
            "task_started",
            "user_message",
            "turn_aborted",
        ]


class WatchedRecorder(RolloutRecorder):
    """A rollout recorder that tells when it has been closed."""

    def __init__(self, path: Path, fd: int) -> None:
        super().__init__(path, fd)
        self.released = anyio.Event()

    async def close(self) -> None:
        await super().close()
        self.released.set()


async def test_a_conversation_superseded_while_it_starts_releases_its_file(
    codex_home: Path, runner: ScriptedRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "resumed.jsonl"
    path.write_bytes(REFERENCE_THREE_TURNS.read_bytes())
    opened: list[WatchedRecorder] = []
    first_waits = anyio.Event()
    first_may_open = anyio.Event()

    async def resume(cls: type[RolloutRecorder], path: Path) -> RolloutRecorder:
        if not first_waits.is_set():
            first_waits.set()
            await first_may_open.wait()
        recorder = WatchedRecorder(path, await anyio.to_thread.run_sync(open_for_append, path))
        opened.append(recorder)
        return recorder

    monkeypatch.setattr(RolloutRecorder, "resume", classmethod(resume))
    resume_request = {"method": "resumeConversation", "params": {"path": str(path)}}
    async with daemon(codex_home) as client:
        await client.send({"id": 901, **resume_request})
        with anyio.fail_after(5):
            await first_waits.wait()
        # a second resume of the same file supersedes the first, still starting
        second = await client.call("resumeConversation", {"path": str(path)})
        first_may_open.set()
        first = await client.wait_for(lambda m: m.get("id") == 901, timeout=5)
        assert first["result"]["conversationId"] == second["conversationId"]
        live, superseded = opened
        with anyio.fail_after(5):
            await superseded.released.wait()
        assert not live.closed


async def test_an_archived_conversation_is_not_kept_alive_by_its_listeners(
    codex_home: Path, runner: ScriptedRunner
) -> None:
    async with daemon(codex_home) as client:
        created = await client.call("newConversation", {"cwd": "/tmp"})
        cid = created["conversationId"]
        subscription = await client.call("addConversationListener", {"conversationId": cid})
        start = len(client.messages)
        await client.call("sendUserMessage", {"conversationId": cid, "items": text_items("hi")})
        await wait_event(client, "task_complete", start)
        conversation = weakref.ref(runner.conversations[0])
        runner.conversations.clear()
        await client.call(
            "archiveConversation", {"conversationId": cid, "rolloutPath": created["rolloutPath"]}
        )
        gc.collect()
        assert conversation() is None, "the archived conversation (and its history) is kept"
        # the subscription can still be removed, as with the reference
        assert await client.call("removeConversationListener", subscription) == {}


async def test_an_interrupt_of_a_conversation_that_fails_to_start_is_answered(
    codex_home: Path, runner: ScriptedRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "resumed.jsonl"
    path.write_bytes(REFERENCE_THREE_TURNS.read_bytes())
    opening = anyio.Event()
    may_fail = anyio.Event()

    async def resume(cls: type[RolloutRecorder], path: Path) -> RolloutRecorder:
        opening.set()
        await may_fail.wait()
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(RolloutRecorder, "resume", classmethod(resume))
    async with daemon(codex_home) as client:
        await client.send(
            {"id": 901, "method": "resumeConversation", "params": {"path": str(path)}}
        )
        with anyio.fail_after(5):
            await opening.wait()
        # its id is known from the file: the client may interrupt it already
        cid = "01a202f7-377e-7623-907c-fc635a0cd359"
        await client.send(
            {"id": 902, "method": "interruptConversation", "params": {"conversationId": cid}}
        )
        await anyio.wait_all_tasks_blocked()
        may_fail.set()
        resumed = await client.wait_for(lambda m: m.get("id") == 901, timeout=5)
        assert resumed["error"]["message"] == (
            "error resuming conversation: Permission denied (os error 13)"
        )
        interrupted = await client.wait_for(lambda m: m.get("id") == 902, timeout=5)
        assert interrupted["result"] == {"abortReason": "interrupted"}


async def test_a_conversation_that_fails_as_it_stops_does_not_stop_the_daemon(
    codex_home: Path, runner: ScriptedRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing_close(self: RolloutRecorder) -> None:
        raise RuntimeError("unexpected")

    async with daemon(codex_home) as client:
        created, cid, _ = await start_hanging_turn(client)
        monkeypatch.setattr(RolloutRecorder, "close", failing_close)
        archived = await client.request(
            "archiveConversation", {"conversationId": cid, "rolloutPath": created["rolloutPath"]}
        )
        assert archived["result"] == {}
        # the daemon goes on; the conversation is gone
        error = await client.call_error(
            "sendUserMessage", {"conversationId": cid, "items": text_items("x")}
        )
        assert error == {"code": -32600, "message": f"conversation not found: {cid}"}
        assert "items" in await client.call("listConversations", {})
