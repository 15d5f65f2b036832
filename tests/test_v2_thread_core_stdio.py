"""The v2 thread core through the real daemon, checked against what Codex
0.107.0 does: the ``error`` notification's kind of failure, item ids shared
by both faces, `thread/resume` answering the turns `thread/read` answers,
developer instructions, personalities, a resume from a given history and
MCP progress."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.harness.stdio import DaemonClient
from tests.mcp_support import stdio_table
from tests.mock_model_server import (
    HttpError,
    MockModelServer,
    SseReply,
    assistant_message,
    created,
    failed_event,
    function_call_item,
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


# -- developer and base instructions ---------------------------------------------


def _daemon(spawn: Spawn, codex_home: Path, mock: MockModelServer, **config: Any) -> DaemonClient:
    write_mock_config(codex_home, mock, **config)
    return v2_client(spawn)


def _restart(client: DaemonClient, spawn: Spawn) -> DaemonClient:
    client.close_stdin()
    client.wait_exit()
    return v2_client(spawn)


PERMISSIONS = "<permissions instructions>"


def _developer_texts(request_input: list[Json]) -> list[list[str]]:
    """The developer messages, the permissions message (every thread's first) left out."""
    return [
        texts
        for item in request_input
        if item.get("role") == "developer"
        and not (texts := [part["text"] for part in item["content"]])[0].startswith(PERMISSIONS)
    ]


def test_developer_instructions_are_a_developer_message_kept_on_resume(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(*(assistant_message(f"ok {n}") for n in range(3)))
    client = _daemon(spawn, codex_home, mock_model)
    started = client.call(
        "thread/start",
        {"cwd": str(workdir), "developerInstructions": "Answer in French."},
    )
    thread_id = started["thread"]["id"]
    _run_turn(client, thread_id, "hi")
    first = mock_model.model_requests[0].input
    assert first[0]["content"][0]["text"].startswith(PERMISSIONS)
    assert first[1] == {
        "type": "message",
        "role": "developer",
        "content": [{"type": "input_text", "text": "Answer in French."}],
    }
    lines = Path(started["thread"]["path"]).read_text().splitlines()
    assert "Answer in French." in lines[2]
    # Resumed (another daemon): the thread's own developer message stays, and
    # instructions given to the resume do not reach the model (as in 0.107).
    client = _restart(client, spawn)
    client.call("thread/resume", {"threadId": thread_id, "developerInstructions": "Other."})
    _run_turn(client, thread_id, "again")
    assert _developer_texts(mock_model.model_requests[1].input) == [["Answer in French."]]
    # A fork's own developer instructions follow the history it copied.
    fork = client.call("thread/fork", {"threadId": thread_id, "developerInstructions": "Forked."})
    _run_turn(client, fork["thread"]["id"], "in the fork")
    forked = mock_model.model_requests[2].input
    assert _developer_texts(forked) == [["Answer in French."], ["Forked."]]
    assert forked[-2]["role"] == "developer" and forked[-1]["role"] == "user"


def test_base_instructions_stay_with_the_thread(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(*(assistant_message(f"ok {n}") for n in range(3)))
    client = _daemon(spawn, codex_home, mock_model)
    started = client.call("thread/start", {"cwd": str(workdir), "baseInstructions": "BASE"})
    thread_id = started["thread"]["id"]
    _run_turn(client, thread_id, "hi")
    assert mock_model.model_requests[0].body["instructions"] == "BASE"
    client = _restart(client, spawn)
    client.call("thread/resume", {"threadId": thread_id})
    _run_turn(client, thread_id, "again")
    assert mock_model.model_requests[1].body["instructions"] == "BASE"
    client.call("thread/unsubscribe", {"threadId": thread_id})
    client = _restart(client, spawn)
    client.call("thread/resume", {"threadId": thread_id, "baseInstructions": "NEW BASE"})
    _run_turn(client, thread_id, "third")
    assert mock_model.model_requests[2].body["instructions"] == "NEW BASE"


# -- personality --------------------------------------------------------------------

CATALOG_MODEL: Json = {
    "slug": "persona-model",
    "base_instructions": "PLAIN BASE",
    "model_messages": {
        "instructions_template": "HEAD {{ personality }} TAIL",
        "instructions_variables": {
            "personality_default": "P-DEFAULT",
            "personality_friendly": "P-FRIENDLY",
            "personality_pragmatic": "P-PRAGMATIC",
        },
    },
}
SPEC = (
    "<personality_spec> The user has requested a new communication style. Future messages "
    "should adhere to the following personality: \n{} </personality_spec>"
)


def _catalog_daemon(
    spawn: Spawn, codex_home: Path, mock: MockModelServer, extra: str = ""
) -> DaemonClient:
    catalog = codex_home / "catalog.json"
    catalog.write_text(json.dumps({"models": [CATALOG_MODEL]}))
    extra = f'model_catalog_json = "{catalog}"\n{extra}'
    return _daemon(spawn, codex_home, mock, model="persona-model", extra=extra)


def test_personality_fills_the_instructions_and_a_change_is_told_once(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(*(assistant_message(f"ok {n}") for n in range(5)))
    client = _catalog_daemon(spawn, codex_home, mock_model)
    started = client.call("thread/start", {"cwd": str(workdir), "personality": "friendly"})
    thread_id = started["thread"]["id"]
    _run_turn(client, thread_id, "one")
    _run_turn(client, thread_id, "two", personality="pragmatic")
    _run_turn(client, thread_id, "three")
    requests = mock_model.model_requests
    assert {r.body["instructions"] for r in requests} == {"HEAD P-FRIENDLY TAIL"}
    assert _developer_texts(requests[0].input) == []
    told = [[SPEC.format("P-PRAGMATIC")]]
    assert _developer_texts(requests[1].input) == told
    assert _developer_texts(requests[2].input) == told
    # The message sits before the turn's user message, and stays in the rollout.
    second = requests[1].input
    assert second[-2]["role"] == "developer" and second[-1]["content"][0]["text"] == "two"
    contexts = [
        json.loads(line)["payload"]
        for line in Path(started["thread"]["path"]).read_text().splitlines()
        if json.loads(line)["type"] == "turn_context"
    ]
    assert [c["personality"] for c in contexts] == ["friendly", "pragmatic", "pragmatic"]
    # A resumed thread is rebuilt with it, and keeps its instructions; `none`
    # has no text, so nothing more is said.
    client = _restart(client, spawn)
    client.call("thread/resume", {"threadId": thread_id, "personality": "none"})
    _run_turn(client, thread_id, "four")
    assert mock_model.model_requests[3].body["instructions"] == "HEAD P-FRIENDLY TAIL"
    assert _developer_texts(mock_model.model_requests[3].input) == told
    _run_turn(client, thread_id, "five", personality="friendly")
    assert _developer_texts(mock_model.model_requests[4].input) == [
        *told,
        [SPEC.format("P-FRIENDLY")],
    ]


def test_without_a_personality_a_thread_is_pragmatic_and_none_is_empty(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("a"), assistant_message("b"))
    client = _catalog_daemon(spawn, codex_home, mock_model)
    plain = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    _run_turn(client, plain, "one")
    silent = client.call("thread/start", {"cwd": str(workdir), "personality": "none"})
    _run_turn(client, silent["thread"]["id"], "two")
    first, second = mock_model.model_requests
    assert first.body["instructions"] == "HEAD P-PRAGMATIC TAIL"
    assert second.body["instructions"] == "HEAD  TAIL"


def test_personality_from_the_config_file(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("a"))
    client = _catalog_daemon(spawn, codex_home, mock_model, extra='personality = "friendly"')
    thread_id = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    _run_turn(client, thread_id, "one")
    assert mock_model.model_requests[0].body["instructions"] == "HEAD P-FRIENDLY TAIL"


def test_personality_is_ignored_when_off_or_unsupported(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(*(assistant_message(f"ok {n}") for n in range(4)))
    # The feature off: the model's plain instructions, and no message.
    client = _catalog_daemon(spawn, codex_home, mock_model, extra="[features]\npersonality = false")
    thread_id = client.call("thread/start", {"cwd": str(workdir), "personality": "friendly"})[
        "thread"
    ]["id"]
    _run_turn(client, thread_id, "one")
    _run_turn(client, thread_id, "two", personality="pragmatic")
    for request in mock_model.model_requests:
        assert request.body["instructions"] == "PLAIN BASE"
        assert _developer_texts(request.input) == []
    # Given instructions win over a personality, and no message follows a change.
    other = client.call(
        "thread/start", {"cwd": str(workdir), "baseInstructions": "MINE", "personality": "none"}
    )
    _run_turn(client, other["thread"]["id"], "three", personality="friendly")
    assert mock_model.model_requests[2].body["instructions"] == "MINE"
    assert _developer_texts(mock_model.model_requests[2].input) == []
    # A model without personalities (the mock model) ignores them.
    client = _daemon(spawn, codex_home, mock_model)
    plain = client.call("thread/start", {"cwd": str(workdir), "personality": "none"})
    _run_turn(client, plain["thread"]["id"], "four", personality="friendly")
    assert _developer_texts(mock_model.model_requests[3].input) == []


# -- item/mcpToolCall/progress ------------------------------------------------------


def test_mcp_progress_becomes_item_progress(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    call = function_call_item("mcp__test__progress", {}, call_id="call_p")
    mock_model.enqueue(responses_reply(output_item_done(call)), assistant_message("done"))
    client = _daemon(spawn, codex_home, mock_model, extra=stdio_table("test", "--progress"))
    thread_id = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    _, messages = _run_turn(client, thread_id, "go")
    progress = [m["params"] for m in _v2(messages, "item/mcpToolCall/progress")]
    assert [p["message"] for p in progress] == ["halfway", "2/2"]
    assert {p["itemId"] for p in progress} == {"call_p"}
    assert {p["threadId"] for p in progress} == {thread_id}
    # Between the call's start and its completion.
    order = [
        m["method"]
        for m in _v2(messages)
        if m["method"] in ("item/started", "item/completed", "item/mcpToolCall/progress")
        and (m["params"].get("itemId") or m["params"].get("item", {}).get("id")) == "call_p"
    ]
    assert order == [
        "item/started",
        "item/mcpToolCall/progress",
        "item/mcpToolCall/progress",
        "item/completed",
    ]
    completed = [i["params"]["item"] for i in _v2(messages, "item/completed")]
    (tool,) = [item for item in completed if item["type"] == "mcpToolCall"]
    assert tool["result"]["content"][0]["text"] == "progressed"
    _assert_0107_wire(client.messages)


# -- thread/resume with a history -----------------------------------------------------


def test_resume_with_a_history_starts_a_thread_from_it(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("now answered"))
    client = _daemon(spawn, codex_home, mock_model)
    history = [
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "earlier question"}],
        },
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "earlier answer"}],
        },
    ]
    start = client.mark()
    result = client.call(
        "thread/resume",
        {
            "threadId": "not-even-a-uuid",
            "history": history,
            "cwd": str(workdir),
            "developerInstructions": "Be brief.",
        },
    )
    thread = result["thread"]
    thread_id = thread["id"]
    assert thread_id != "not-even-a-uuid"
    assert thread["turns"] == [] and thread["preview"] == "earlier question"
    assert thread["status"] == {"type": "idle"}
    assert not _v2(client.since(start), "thread/started")
    _run_turn(client, thread_id, "now")
    sent = mock_model.model_requests[0].input
    assert sent[:2] == history
    assert sent[2]["content"][0]["text"].startswith(PERMISSIONS)
    assert sent[3]["role"] == "developer" and sent[3]["content"][0]["text"] == "Be brief."
    assert sent[-1]["content"][0]["text"] == "now"
    # The given history is the thread's: in its rollout, so a resume has it too.
    lines = [json.loads(x) for x in Path(thread["path"]).read_text().splitlines()]
    assert [line["payload"] for line in lines[1:3]] == history
    read = client.call("thread/read", {"threadId": thread_id, "includeTurns": True})["thread"]
    assert [[item["type"] for item in turn["items"]] for turn in read["turns"]] == [
        ["userMessage", "agentMessage"]
    ]
