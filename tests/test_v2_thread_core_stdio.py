"""The v2 thread core through the real daemon, checked against what Codex
0.107.0 does: the ``error`` notification's kind of failure, item ids shared
by both faces, `thread/resume` answering the turns `thread/read` answers,
developer instructions, personalities, a resume from a given history and
MCP progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.harness.stdio import DaemonClient
from tests.mock_model_server import (
    HttpError,
    MockModelServer,
    SseReply,
    assistant_message,
    created,
    failed_event,
    message_item,
    output_item_added,
    output_item_done,
    reasoning_item,
    responses_reply,
    text_delta,
    write_mock_config,
)
from tests.test_v2_thread_records_stdio import REFERENCE_ID, place_reference, v2_client
from tests.test_v2_threads_stdio import Spawn, _assert_0107_wire, _run_turn, _start, _thread, _v2

Json = dict[str, Any]


# -- error: codexErrorInfo -----------------------------------------------------


def _errors(messages: list[Json]) -> list[Json]:
    return [m["params"] for m in _v2(messages, "error")]


def test_a_model_error_tells_its_kind(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(
        HttpError(500, {"error": {"message": "boom"}}),
        SseReply([created(), failed_event("too long", "context_length_exceeded")]),
    )
    client = _start(spawn, codex_home, mock_model)
    thread_id, _ = _thread(client, workdir)
    turn, messages = _run_turn(client, thread_id, "fail")
    (error,) = _errors(messages)
    assert error["error"]["codexErrorInfo"] == "internalServerError"
    assert error["willRetry"] is False
    assert turn["error"]["codexErrorInfo"] == "internalServerError"
    turn, messages = _run_turn(client, thread_id, "again")
    (error,) = _errors(messages)
    assert error["error"]["codexErrorInfo"] == "contextWindowExceeded"
    assert turn["error"] == error["error"]
    _assert_0107_wire(client.messages)


def test_a_retried_stream_says_it_will_retry(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    # The first stream ends before the response completes; the retry answers.
    mock_model.enqueue(SseReply([created()]), assistant_message("recovered"))
    write_mock_config(codex_home, mock_model, stream_max_retries=1)
    client = spawn(initialize=False)
    client.call(
        "initialize",
        {"clientInfo": {"name": "t", "title": None, "version": "1"}, "capabilities": {}},
    )
    client.notify("initialized")
    thread_id, _ = _thread(client, workdir)
    turn, messages = _run_turn(client, thread_id, "hi")
    assert turn["status"] == "completed"
    (error,) = _errors(messages)
    assert error["willRetry"] is True
    assert error["error"]["message"] == "Reconnecting... 1/1"
    disconnected = {"responseStreamDisconnected": {"httpStatusCode": None}}
    assert error["error"]["codexErrorInfo"] == disconnected
    assert error["error"]["additionalDetails"].startswith("stream disconnected before completion")
    (legacy,) = [m for m in messages if m.get("method") == "codex/event/stream_error"]
    assert legacy["params"]["msg"]["codex_error_info"] == {
        "response_stream_disconnected": {"http_status_code": None}
    }
    _assert_0107_wire(client.messages)


# -- item ids: one id for both faces -------------------------------------------


def test_an_item_has_one_id_on_both_faces(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    reasoning = reasoning_item(["thinking"], item_id="rs_9")
    message = message_item("Hello", item_id="msg_9")
    mock_model.enqueue(
        responses_reply(
            output_item_done(reasoning),
            output_item_added({**message, "content": []}),
            text_delta("He"),
            text_delta("llo"),
            output_item_done(message),
        )
    )
    client = _start(spawn, codex_home, mock_model)
    thread_id, _ = _thread(client, workdir)
    _, messages = _run_turn(client, thread_id, "hi")
    v1: list[tuple[str, str, str]] = []
    v2: list[tuple[str, str, str]] = []
    for m in messages:
        method = m.get("method", "")
        if method in ("codex/event/item_started", "codex/event/item_completed"):
            item = m["params"]["msg"]["item"]
            v1.append((method.rsplit("_", 1)[1], item["type"].lower(), item["id"]))
        elif method in ("item/started", "item/completed"):
            item = m["params"]["item"]
            v2.append((method.split("/")[1], item["type"].lower(), item["id"]))
    assert v1 == v2
    assert ("started", "agentmessage", "msg_9") in v2
    assert ("completed", "reasoning", "rs_9") in v2
    deltas = {m["params"]["itemId"] for m in _v2(messages, "item/agentMessage/delta")}
    assert deltas == {"msg_9"}
    # The message is started when the model begins it, before its deltas.
    order = [
        m.get("method")
        for m in messages
        if m.get("method") in ("item/started", "item/agentMessage/delta")
        and (m["params"].get("itemId") or m["params"].get("item", {}).get("id")) == "msg_9"
    ]
    assert order == ["item/started", "item/agentMessage/delta", "item/agentMessage/delta"]


# -- thread/resume: the turns thread/read answers --------------------------------


def _resume_matches_read(client: DaemonClient, thread_id: str) -> Json:
    start = client.mark()
    resumed = client.call("thread/resume", {"threadId": thread_id})["thread"]
    read = client.call("thread/read", {"threadId": thread_id, "includeTurns": True})["thread"]
    assert resumed["turns"] == read["turns"]
    assert resumed["id"] == thread_id and resumed["status"] == {"type": "idle"}
    # A resume is not announced as a started thread (0.107 sends no thread/started).
    assert not _v2(client.since(start), "thread/started")
    return resumed


def test_resume_returns_the_turns_read_returns(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(
        responses_reply(
            output_item_done(reasoning_item(["thinking"])),
            output_item_done(message_item("Hello")),
        ),
        HttpError(500, {"error": {"message": "boom"}}),
    )
    client = _start(spawn, codex_home, mock_model)
    thread_id, _ = _thread(client, workdir)
    _run_turn(client, thread_id, "hi")
    _run_turn(client, thread_id, "fail")
    client.close_stdin()
    client.wait_exit()
    client = v2_client(spawn)
    resumed = _resume_matches_read(client, thread_id)
    first, second = resumed["turns"]
    assert [item["type"] for item in first["items"]] == ["userMessage", "reasoning", "agentMessage"]
    # As 0.107 records it: the error is not in the rollout, the turn completed.
    assert [item["type"] for item in second["items"]] == ["userMessage"]
    assert second["status"] == "completed"
    # Resumed again while loaded: the same turns.
    assert _resume_matches_read(client, thread_id)["turns"] == resumed["turns"]


def test_resume_of_a_0107_rollout_returns_the_turns_read_returns(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    place_reference(codex_home)
    client = v2_client(spawn)
    resumed = _resume_matches_read(client, REFERENCE_ID)
    assert [turn["status"] for turn in resumed["turns"]] == ["completed", "completed"]
    kinds = [item["type"] for item in resumed["turns"][0]["items"]]
    assert kinds == ["userMessage", "reasoning", "agentMessage"]
