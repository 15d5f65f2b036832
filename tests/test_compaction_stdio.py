"""Compaction through the real daemon, as 0.107.0 does it: ``thread/compact/start``
(its turn, items and notifications on both faces), automatic compaction
before a turn and between two requests of a turn, the bridge the next
request carries instead of the old history, the ``compacted`` rollout record
and a resume that rebuilds the same history (ours and 0.107.0's), failures
and the errors of the method."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from app_server.agent.bridge import SUMMARY_PREFIX, SUMMARY_REQUEST
from app_server.agent.context import TURN_ABORTED_TEXT
from tests.harness.stdio import DaemonClient, Message
from tests.mock_model_server import (
    Hold,
    MockModelServer,
    assistant_message,
    context_window_exceeded,
    http_error,
    responses_reply,
    shell_call,
    text_delta,
    usage,
    write_mock_config,
)
from tests.rollouts import FIXTURES

Spawn = Callable[..., DaemonClient]
Json = dict[str, Any]

REFERENCE_COMPACTED: Final = FIXTURES / "reference-0.107.0-compacted.jsonl"
"""Written by 0.107.0 (base instructions trimmed): one turn ("hello one" /
"first answer"), then ``thread/compact/start`` with the summary "SUMMARY TEXT"."""
REFERENCE_COMPACTED_ID: Final = "01a23601-eb26-7250-a55e-8d74a8f22bf3"
WARNING_START: Final = "Heads up: Long threads and multiple compactions"


def _start(
    spawn: Spawn, codex_home: Path, mock: MockModelServer, *, extra: str = ""
) -> DaemonClient:
    write_mock_config(codex_home, mock, extra=extra)
    client = spawn(initialize=False)
    client.call(
        "initialize",
        {
            "clientInfo": {"name": "tests", "title": None, "version": "1.0"},
            "capabilities": {"experimentalApi": True},
        },
    )
    client.notify("initialized")
    return client


def _text(text: str) -> Json:
    return {"type": "text", "text": text, "text_elements": []}


def _wait_completed(client: DaemonClient, turn_id: str, start: int) -> Json:
    done = client.wait_for(
        lambda m: m.get("method") == "turn/completed" and m["params"]["turn"]["id"] == turn_id,
        30,
        "turn/completed",
        start,
    )
    turn: Json = done["params"]["turn"]
    return turn


def _run_turn(client: DaemonClient, thread_id: str, text: str) -> tuple[Json, list[Message]]:
    mark = client.mark()
    started = client.call("turn/start", {"threadId": thread_id, "input": [_text(text)]})
    turn = _wait_completed(client, started["turn"]["id"], mark)
    return turn, client.since(mark)


def _compact(client: DaemonClient, thread_id: str) -> tuple[Json, list[Message]]:
    """``thread/compact/start`` and its turn, to ``turn/completed``."""
    mark = client.mark()
    assert client.call("thread/compact/start", {"threadId": thread_id}) == {}
    done = client.wait_for(
        lambda m: m.get("method") == "turn/completed" and m["params"]["threadId"] == thread_id,
        30,
        "turn/completed of the compaction",
        mark,
    )
    turn: Json = done["params"]["turn"]
    return turn, client.since(mark)


def _notifications(messages: list[Message]) -> list[Message]:
    return [m for m in messages if "id" not in m and "method" in m]


def _params(messages: list[Message], method: str) -> list[Json]:
    return [m["params"] for m in _notifications(messages) if m["method"] == method]


def _items(messages: list[Message]) -> list[tuple[str, str, str]]:
    return [
        (m["method"], m["params"]["item"]["type"], m["params"]["item"]["id"])
        for m in _notifications(messages)
        if m["method"] in ("item/started", "item/completed")
    ]


def _summary(text: str) -> str:
    return f"{SUMMARY_PREFIX}\n{text}"


def _is_environment(text: str) -> bool:
    return text.startswith("<environment_context>")


def _is_context(texts: list[str]) -> bool:
    """The initial context put back: the permissions message, then the environment."""
    return texts[0].startswith("<permissions instructions>") and _is_environment(texts[1])


def _records(path: Path, kind: str) -> list[Json]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [line["payload"] for line in lines if line["type"] == kind]


def test_thread_compact_start_runs_a_compaction_turn(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("first answer", usage_obj=usage(100, 20)))
    mock_model.enqueue(assistant_message("SUMMARY TEXT", usage_obj=usage(200, 30)))
    mock_model.enqueue(assistant_message("after"))
    client = _start(spawn, codex_home, mock_model)
    started = client.call("thread/start", {"cwd": str(workdir)})
    thread_id = started["thread"]["id"]
    _run_turn(client, thread_id, "hello one")

    turn, messages = _compact(client, thread_id)
    assert turn["status"] == "completed"
    assert turn["error"] is None
    turn_id = turn["id"]
    methods = [m["method"] for m in _notifications(messages)]
    # As 0.107.0: the compaction turn is not announced with `turn/started`.
    assert "turn/started" not in methods
    items = _items(messages)
    assert [(method, kind) for method, kind, _ in items] == [
        ("item/started", "contextCompaction"),
        ("item/completed", "contextCompaction"),
    ]
    assert items[0][2] == items[1][2]
    compacted = [m for m in messages if m.get("method") == "thread/compacted"]
    assert [m["params"] for m in compacted] == [{"threadId": thread_id, "turnId": turn_id}]
    assert (
        methods.index("item/completed")
        < methods.index("codex/event/context_compacted")
        < methods.index("thread/compacted")
        < methods.index("codex/event/warning")
        < methods.index("codex/event/task_complete")
        < methods.index("turn/completed")
    )
    warning = next(m for m in messages if m.get("method") == "codex/event/warning")
    assert warning["params"]["msg"]["message"].startswith(WARNING_START)
    usages = [
        m["params"]["tokenUsage"]
        for m in messages
        if m.get("method") == "thread/tokenUsage/updated"
    ]
    # The summary request's usage, then the new history's estimated size.
    assert usages[-2]["last"]["totalTokens"] == 230
    assert usages[-1]["total"]["totalTokens"] == 350
    assert usages[-1]["last"]["inputTokens"] == 0
    assert usages[-1]["last"]["totalTokens"] > 0
    statuses = [
        m["params"]["status"]["type"]
        for m in messages
        if m.get("method") == "thread/status/changed"
    ]
    assert statuses == ["active", "idle"]

    # The model was asked for the summary after the whole history.
    summary_request = mock_model.model_requests[1].input_texts()
    assert summary_request[-1] == SUMMARY_REQUEST
    assert "first answer" in summary_request

    # The next request carries the bridge, then the context, then the new message.
    _run_turn(client, thread_id, "hello two")
    texts = mock_model.model_requests[2].input_texts()
    assert texts[:2] == ["hello one", _summary("SUMMARY TEXT")]
    assert _is_context(texts[2:4])
    assert texts[4:] == ["hello two"]
    assert "first answer" not in texts

    rollout = Path(started["thread"]["path"])
    records = _records(rollout, "compacted")
    assert len(records) == 1
    assert records[0]["message"] == _summary("SUMMARY TEXT")
    replacement = records[0]["replacement_history"]
    assert [item["content"][0]["text"] for item in replacement] == [
        "hello one",
        _summary("SUMMARY TEXT"),
    ]
    events = [e["type"] for e in _records(rollout, "event_msg")]
    assert "context_compacted" in events
    assert "warning" not in events

    read = client.call("thread/read", {"threadId": thread_id, "includeTurns": True})
    turns = read["thread"]["turns"]
    assert [[item["type"] for item in t["items"]] for t in turns] == [
        ["userMessage", "agentMessage"],
        ["contextCompaction"],
        ["userMessage", "agentMessage"],
    ]
    mock_model.assert_all_served()


def test_resume_after_compaction_sends_the_bridge(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("first answer"))
    mock_model.enqueue(assistant_message("SUMMARY TEXT"))
    client = _start(spawn, codex_home, mock_model)
    thread_id = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    _run_turn(client, thread_id, "hello one")
    _compact(client, thread_id)
    client.close_stdin()
    client.wait_exit()

    mock_model.enqueue(assistant_message("resumed"))
    again = _start(spawn, codex_home, mock_model)
    again.call("thread/resume", {"threadId": thread_id})
    turn, _ = _run_turn(again, thread_id, "hello two")
    assert turn["status"] == "completed"
    texts = mock_model.model_requests[-1].input_texts()
    assert texts[:2] == ["hello one", _summary("SUMMARY TEXT")]
    assert _is_context(texts[2:4])
    assert texts[4:] == ["hello two"]


def test_resume_of_a_thread_0_107_compacted(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    folder = codex_home / "sessions" / "2026" / "12" / "02"
    folder.mkdir(parents=True)
    target = folder / f"rollout-2026-12-02T09-07-05-{REFERENCE_COMPACTED_ID}.jsonl"
    shutil.copyfile(REFERENCE_COMPACTED, target)
    mock_model.enqueue(assistant_message("resumed"))
    client = _start(spawn, codex_home, mock_model)
    client.call("thread/resume", {"threadId": REFERENCE_COMPACTED_ID, "cwd": str(workdir)})
    read = client.call("thread/read", {"threadId": REFERENCE_COMPACTED_ID, "includeTurns": True})
    kinds = [[item["type"] for item in t["items"]] for t in read["thread"]["turns"]]
    assert kinds == [["userMessage", "agentMessage"], ["contextCompaction"]]
    _run_turn(client, REFERENCE_COMPACTED_ID, "hello two")
    texts = mock_model.model_requests[-1].input_texts()
    assert texts[0] == "hello one"
    assert texts[1].startswith("Another language model started to solve this problem")
    assert texts[1].endswith("\nSUMMARY TEXT")
    assert _is_context(texts[2:4])
    assert texts[-1] == "hello two"
    assert "first answer" not in texts


def test_auto_compaction_before_the_next_turn(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("first answer", usage_obj=usage(900, 200)))
    mock_model.enqueue(assistant_message("AUTO SUMMARY", usage_obj=usage(100, 10)))
    mock_model.enqueue(assistant_message("second answer", usage_obj=usage(50, 5)))
    client = _start(spawn, codex_home, mock_model, extra="model_auto_compact_token_limit = 1000")
    thread_id = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    _, first = _run_turn(client, thread_id, "hello one")
    assert not [m for m in first if m.get("method") == "thread/compacted"]

    turn, messages = _run_turn(client, thread_id, "hello two")
    assert turn["status"] == "completed"
    # Compacted inside the turn, before its input.
    assert [(method, kind) for method, kind, _ in _items(messages)] == [
        ("item/started", "contextCompaction"),
        ("item/completed", "contextCompaction"),
        ("item/started", "userMessage"),
        ("item/completed", "userMessage"),
        ("item/started", "agentMessage"),
        ("item/completed", "agentMessage"),
    ]
    compacted = [m for m in messages if m.get("method") == "thread/compacted"]
    assert [m["params"]["turnId"] for m in compacted] == [turn["id"]]
    summary_request = mock_model.model_requests[1].input_texts()
    assert summary_request[-1] == SUMMARY_REQUEST
    assert "hello two" not in summary_request
    texts = mock_model.model_requests[2].input_texts()
    assert texts[:2] == ["hello one", _summary("AUTO SUMMARY")]
    assert _is_context(texts[2:4])
    assert texts[4:] == ["hello two"]
    mock_model.assert_all_served()


def test_auto_compaction_between_two_requests_of_a_turn(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(shell_call(["echo", "hi"], "call-1", usage_obj=usage(900, 200)))
    mock_model.enqueue(assistant_message("MID SUMMARY", usage_obj=usage(100, 10)))
    mock_model.enqueue(assistant_message("done after the tool", usage_obj=usage(50, 5)))
    client = _start(spawn, codex_home, mock_model, extra="model_auto_compact_token_limit = 1000")
    started = client.call("thread/start", {"cwd": str(workdir)})
    thread_id = started["thread"]["id"]
    turn, messages = _run_turn(client, thread_id, "run a tool")
    assert turn["status"] == "completed"
    kinds = [kind for method, kind, _ in _items(messages) if method == "item/completed"]
    assert kinds == ["userMessage", "commandExecution", "contextCompaction", "agentMessage"]
    summary_request = mock_model.model_requests[1]
    assert summary_request.input_texts()[-1] == SUMMARY_REQUEST
    assert "call-1" in summary_request.tool_outputs()
    # The turn goes on from the bridge, its context put back before the user's message.
    texts = mock_model.model_requests[2].input_texts()
    assert _is_context(texts[0:2])
    assert texts[2:] == ["run a tool", _summary("MID SUMMARY")]
    assert not mock_model.model_requests[2].tool_outputs()
    replacement = _records(Path(started["thread"]["path"]), "compacted")[0]["replacement_history"]
    assert [item["content"][0]["text"] for item in replacement][1:] == texts[1:]


def test_a_failed_summary_fails_the_turn_and_keeps_the_history(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("first answer"))
    mock_model.enqueue(http_error(400, {"error": {"message": "bad things"}}))
    mock_model.enqueue(assistant_message("after"))
    client = _start(spawn, codex_home, mock_model)
    started = client.call("thread/start", {"cwd": str(workdir)})
    thread_id = started["thread"]["id"]
    _run_turn(client, thread_id, "hello one")
    turn, messages = _compact(client, thread_id)
    assert turn["status"] == "failed"
    assert "bad things" in turn["error"]["message"]
    assert [(method, kind) for method, kind, _ in _items(messages)] == [
        ("item/started", "contextCompaction")
    ]
    assert not [m for m in messages if m.get("method") == "thread/compacted"]
    assert [m["method"] for m in messages if m.get("method") == "error"] == ["error"]

    _run_turn(client, thread_id, "hello two")
    texts = mock_model.model_requests[-1].input_texts()
    assert texts[-3:] == ["hello one", "first answer", "hello two"]
    assert not _records(Path(started["thread"]["path"]), "compacted")


def test_compacting_replaces_the_running_turn(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(responses_reply(text_delta("thinking..."), Hold("never")))
    mock_model.enqueue(assistant_message("SUMMARY"))
    client = _start(spawn, codex_home, mock_model)
    thread_id = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    mark = client.mark()
    running = client.call("turn/start", {"threadId": thread_id, "input": [_text("hold on")]})
    client.wait_notification("item/agentMessage/delta", 15, mark)
    assert client.call("thread/compact/start", {"threadId": thread_id}) == {}
    interrupted = _wait_completed(client, running["turn"]["id"], mark)
    assert interrupted["status"] == "interrupted"
    aborted = client.wait_event("turn_aborted", start=mark)
    assert aborted["params"]["msg"]["reason"] == "replaced"
    done = client.wait_for(
        lambda m: (
            m.get("method") == "turn/completed"
            and m["params"]["turn"]["id"] != running["turn"]["id"]
        ),
        30,
        "the compaction turn",
        mark,
    )
    assert done["params"]["turn"]["status"] == "completed"
    mock_model.release()
    assert mock_model.model_requests[1].input_texts()[-1] == SUMMARY_REQUEST


def test_compact_errors(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    client = _start(spawn, codex_home, mock_model)
    unknown = "00000000-0000-0000-0000-000000000000"
    error = client.call_error("thread/compact/start", {"threadId": unknown})
    assert error == {"code": -32600, "message": f"thread not found: {unknown}"}
    error = client.call_error("thread/compact/start", {"threadId": "bad"})
    assert error["code"] == -32600
    assert error["message"].startswith("invalid thread id: ")
    error = client.call_error("thread/compact/start", {})
    assert "threadId" in error["message"]
    # A thread on disk but not loaded is not found either.
    thread_id = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    client.call("thread/unsubscribe", {"threadId": thread_id})
    error = client.call_error("thread/compact/start", {"threadId": thread_id})
    assert error["message"] == f"thread not found: {thread_id}"
    assert client.alive()


def test_v1_listeners_get_the_compaction_events(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("first answer"))
    mock_model.enqueue(assistant_message("SUMMARY V1"))
    client = _start(spawn, codex_home, mock_model)
    params = {"cwd": str(workdir), "compactPrompt": "Sum it up."}
    cid = client.call("newConversation", params)["conversationId"]
    client.call("addConversationListener", {"conversationId": cid})
    mark = client.mark()
    client.call(
        "sendUserMessage",
        {"conversationId": cid, "items": [{"type": "text", "data": {"text": "hello v1"}}]},
    )
    client.wait_event("task_complete", cid, start=mark)
    mark = client.mark()
    assert client.call("thread/compact/start", {"threadId": cid}) == {}
    client.wait_event("task_complete", cid, start=mark)
    events = [
        m["params"]["msg"]
        for m in client.since(mark)
        if m.get("method", "").startswith("codex/event/") and "id" not in m
    ]
    kinds = [e["type"] for e in events if e["type"] not in ("token_count",)]
    assert kinds == [
        "task_started",
        "item_started",
        "item_completed",
        "context_compacted",
        "warning",
        "task_complete",
    ]
    started = next(e for e in events if e["type"] == "item_started")
    assert started["item"]["type"] == "ContextCompaction"
    assert started["thread_id"] == cid
    assert events[-1]["last_agent_message"] is None
    # The conversation's own summary request.
    assert mock_model.model_requests[-1].input_texts()[-1] == "Sum it up."


def test_a_summary_request_too_large_drops_the_oldest_items(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("first answer"))
    mock_model.enqueue(context_window_exceeded())
    mock_model.enqueue(assistant_message("SUMMARY"))
    client = _start(spawn, codex_home, mock_model)
    thread_id = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    _run_turn(client, thread_id, "hello one")
    turn, messages = _compact(client, thread_id)
    assert turn["status"] == "completed"
    first, second = (r.input_texts() for r in mock_model.model_requests[1:3])
    assert second == first[1:]
    background = [
        m["params"]["msg"]["message"]
        for m in messages
        if m.get("method") == "codex/event/background_event"
    ]
    assert len(background) == 1
    assert background[0].startswith("Trimmed 1 older conversation item(s)")
    assert [m["params"]["threadId"] for m in messages if m.get("method") == "thread/compacted"] == [
        thread_id
    ]


def test_an_interrupted_compaction_keeps_the_history(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("first answer"))
    mock_model.enqueue(responses_reply(Hold("never")))
    mock_model.enqueue(assistant_message("after"))
    client = _start(spawn, codex_home, mock_model)
    started = client.call("thread/start", {"cwd": str(workdir)})
    thread_id = started["thread"]["id"]
    _run_turn(client, thread_id, "hello one")
    mark = client.mark()
    client.call("thread/compact/start", {"threadId": thread_id})
    task = client.wait_event("task_started", start=mark)
    turn_id = task["params"]["msg"]["turn_id"]
    mock_model.wait_for_requests(2)
    client.call("turn/interrupt", {"threadId": thread_id, "turnId": turn_id})
    assert _wait_completed(client, turn_id, mark)["status"] == "interrupted"
    mock_model.release()
    _run_turn(client, thread_id, "hello two")
    # the history as it was, and (as after any interrupt) the interruption said
    assert mock_model.model_requests[-1].input_texts()[-4:] == [
        "hello one",
        "first answer",
        TURN_ABORTED_TEXT,
        "hello two",
    ]
    assert not _records(Path(started["thread"]["path"]), "compacted")
