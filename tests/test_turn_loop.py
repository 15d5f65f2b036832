"""The turn loop through the real process, against the local mock model:
event sequences for both wire APIs, history, tools, interrupt, retries,
timeouts and model errors."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app_server.agent.context import TURN_ABORTED_TEXT
from tests.harness.stdio import DaemonClient, Message
from tests.mock_model_server import (
    Disconnect,
    Hold,
    MockModelServer,
    assistant_message,
    chat_message,
    context_window_exceeded,
    created,
    function_call_item,
    http_error,
    message_item,
    output_item_done,
    rate_limit_headers,
    reasoning_message,
    responses_reply,
    streamed_message,
    text_delta,
    usage,
    write_mock_config,
)

Spawn = Callable[..., DaemonClient]


def text_items(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "data": {"text": text}}]


def start(
    spawn: Spawn, codex_home: Path, mock: MockModelServer, workdir: Path, **config: Any
) -> tuple[DaemonClient, str, dict[str, Any]]:
    write_mock_config(codex_home, mock, **config)
    client = spawn()
    result = client.call("newConversation", {"cwd": str(workdir)})
    cid = result["conversationId"]
    client.call("addConversationListener", {"conversationId": cid})
    return client, cid, result


def run_turn(client: DaemonClient, cid: str, text: str) -> list[Message]:
    mark = client.mark()
    assert client.call("sendUserMessage", {"conversationId": cid, "items": text_items(text)}) == {}
    client.wait_event("task_complete", cid, start=mark)
    return client.since(mark)


def unknown_model_warning(m: Message) -> bool:
    """0.107 warns at every turn of a model it has no metadata for (``mock-model``)."""
    msg = m["params"]["msg"]
    return msg["type"] == "warning" and msg["message"].startswith("Model metadata for `")


def turn_numbers(messages: list[Message]) -> dict[str, str]:
    """Turn ids (UUIDv7s) by their order of appearance: ``"0"``, ``"1"``, ..."""
    numbers: dict[str, str] = {}
    for m in messages:
        if m.get("method") == "codex/event/task_started":
            numbers.setdefault(m["params"]["msg"]["turn_id"], str(len(numbers)))
    return numbers


def events(messages: list[Message], cid: str) -> list[dict[str, Any]]:
    """The conversation's events, the unknown-model warnings left out and
    turn ids numbered (`turn_numbers`)."""
    numbers = turn_numbers(messages)
    out = []
    for m in messages:
        if not m.get("method", "").startswith("codex/event/") or unknown_model_warning(m):
            continue
        if m["params"]["conversationId"] != cid:
            continue
        msg = dict(m["params"]["msg"])
        if isinstance(msg.get("turn_id"), str):
            msg["turn_id"] = numbers.get(msg["turn_id"], msg["turn_id"])
        out.append(msg)
    return out


def kinds(messages: list[Message], cid: str) -> list[str]:
    out = []
    for m in messages:
        method = m.get("method", "")
        if method.startswith("codex/event/") and unknown_model_warning(m):
            continue
        if method.startswith("codex/event/") and m["params"]["conversationId"] == cid:
            msg = m["params"]["msg"]
            item = msg.get("item")
            out.append(f"{msg['type']}:{item['type']}" if isinstance(item, dict) else msg["type"])
        elif method == "account/rateLimits/updated":
            out.append("rateLimits")
    return out


def rollout(path: str, until: Callable[[list[dict[str, Any]]], bool] | None = None) -> list[Any]:
    """The rollout's lines, once ``until`` holds (the file is written asynchronously)."""
    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(line) for line in Path(path).read_text().splitlines() if line]
        if until is None or until(lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.02)


def test_responses_turn_event_sequence(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    mock_model.enqueue(streamed_message(["Hel", "lo"], usage_obj=usage(12, 3)))
    client, cid, result = start(spawn, codex_home, mock_model, workdir)
    messages = run_turn(client, cid, "hi")
    assert kinds(messages, cid) == [
        "task_started",
        "item_started:UserMessage",
        "item_completed:UserMessage",
        "user_message",
        "token_count",
        "rateLimits",
        "agent_message_delta",
        "agent_message_delta",
        "item_started:AgentMessage",
        "item_completed:AgentMessage",
        "agent_message",
        "token_count",
        "rateLimits",
        "task_complete",
    ]
    evs = events(messages, cid)
    assert evs[0] == {
        "type": "task_started",
        "turn_id": "0",
        "model_context_window": 258_400,
        "collaboration_mode_kind": "default",
    }
    assert evs[3] == {
        "type": "user_message",
        "message": "hi",
        "images": [],
        "local_images": [],
        "text_elements": [],
    }
    assert evs[4] == {
        "type": "token_count",
        "info": None,
        "rate_limits": {
            "limit_id": "codex",
            "limit_name": None,
            "primary": None,
            "secondary": None,
            "credits": None,
            "plan_type": None,
        },
    }
    assert evs[1]["item"]["content"] == [{"type": "text", "text": "hi", "text_elements": []}]
    assert evs[7]["item"]["content"] == [{"type": "Text", "text": "Hello"}]
    assert evs[9] == {"type": "agent_message", "message": "Hello", "phase": None}
    assert evs[-2]["info"]["last_token_usage"]["total_tokens"] == 15
    assert evs[-1] == {"type": "task_complete", "turn_id": "0", "last_agent_message": "Hello"}
    # every event carries the turn's submission id
    ids = {m["params"]["id"] for m in messages if m.get("method", "").startswith("codex/event/")}
    assert ids == set(turn_numbers(messages))
    # the request as the reference sends it
    request = mock_model.last_model_request
    assert request.path == "/v1/responses"
    body = request.body
    assert list(body) == [
        "model",
        "instructions",
        "input",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "reasoning",
        "store",
        "stream",
        "include",
        "prompt_cache_key",
    ]
    assert body["prompt_cache_key"] == cid and body["reasoning"] is None
    assert body["input"][0]["role"] == "developer"
    assert body["input"][0]["content"][0]["text"].startswith("<permissions instructions>\n")
    assert body["input"][1]["content"][0]["text"].startswith("<environment_context>\n  <cwd>")
    assert body["input"][2] == {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "hi"}],
    }
    assert request.header("conversation_id") == cid == request.header("session_id")
    # the rollout, as the reference writes it
    lines = rollout(result["rolloutPath"], lambda ls: len(ls) >= 12)
    assert [(line["type"], line["payload"].get("type")) for line in lines] == [
        ("session_meta", None),
        ("response_item", "message"),
        ("response_item", "message"),
        ("event_msg", "task_started"),
        ("response_item", "message"),
        ("event_msg", "user_message"),
        ("turn_context", None),
        ("event_msg", "token_count"),
        ("event_msg", "agent_message"),
        ("event_msg", "token_count"),
        ("response_item", "message"),
        ("event_msg", "task_complete"),
    ]
    assert lines[6]["payload"]["turn_id"] == next(iter(turn_numbers(messages)))
    assert lines[-2]["payload"] == {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Hello"}],
    }


def test_chat_completions_turn(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    mock_model.enqueue(chat_message(["Hi ", "there"]))
    client, cid, _ = start(spawn, codex_home, mock_model, workdir, wire_api="chat")
    messages = run_turn(client, cid, "hello")
    assert kinds(messages, cid) == [
        "task_started",
        "item_started:UserMessage",
        "item_completed:UserMessage",
        "user_message",
        "item_started:AgentMessage",
        "item_completed:AgentMessage",
        "agent_message",
        "token_count",
        "task_complete",
    ]
    token_count = events(messages, cid)[-2]
    assert token_count == {"type": "token_count", "info": None, "rate_limits": None}
    request = mock_model.last_model_request
    assert request.path == "/v1/chat/completions"
    roles = [m["role"] for m in request.body["messages"]]
    assert roles == ["system", "developer", "user", "user"]


def test_reasoning_events(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    mock_model.enqueue(reasoning_message(["First", "Second"], "Answer"))
    client, cid, _ = start(spawn, codex_home, mock_model, workdir)
    evs = events(run_turn(client, cid, "think"), cid)
    types = [e["type"] for e in evs]
    assert types.count("agent_reasoning_delta") == 2
    assert "agent_reasoning_section_break" in types
    reasoning_items = [
        e["item"] for e in evs if e["type"] == "item_started" and e["item"]["type"] == "Reasoning"
    ]
    assert reasoning_items and reasoning_items[0]["summary_text"] == ["First", "Second"]
    assert [e["text"] for e in evs if e["type"] == "agent_reasoning"] == ["First", "Second"]
    assert types.index("agent_reasoning") < types.index("agent_message")


def test_history_is_carried_across_turns_and_resume(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    mock_model.enqueue(
        assistant_message("first answer"),
        assistant_message("second answer"),
        assistant_message("after resume"),
    )
    client, cid, result = start(spawn, codex_home, mock_model, workdir)
    run_turn(client, cid, "first question")
    run_turn(client, cid, "second question")
    second = mock_model.model_requests[1].input_texts()
    assert second.index("first question") < second.index("first answer")
    assert second.index("first answer") < second.index("second question")
    client.kill()

    other = spawn()
    resumed = other.call("resumeConversation", {"path": result["rolloutPath"]})
    assert resumed["conversationId"] == cid
    other.call("addConversationListener", {"conversationId": cid})
    messages = run_turn(other, cid, "third question")
    assert events(messages, cid)[-1]["last_agent_message"] == "after resume"
    third = mock_model.model_requests[2].input_texts()
    for text in ("first question", "first answer", "second answer", "third question"):
        assert text in third
    assert third.count("first question") == 1


def test_settings_changed_by_send_user_turn_are_told_to_the_model(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    mock_model.enqueue(assistant_message("a"), assistant_message("b"), assistant_message("c"))
    client, cid, _ = start(spawn, codex_home, mock_model, workdir)
    run_turn(client, cid, "one")
    turn = {
        "conversationId": cid,
        "items": text_items("two"),
        "cwd": "/tmp",
        "approvalPolicy": "on-request",
        "sandboxPolicy": {"mode": "read-only"},
        "model": "mock-model",
        "effort": "high",
        "summary": "concise",
    }
    for text in ("two", "three"):
        mark = client.mark()
        client.call("sendUserTurn", {**turn, "items": text_items(text)})
        client.wait_event("task_complete", cid, start=mark)
    second, third = mock_model.model_requests[1:]
    # what changed is told again, whole: the policies, then the environment
    permissions, environment, text = second.input_texts()[-3:]
    assert permissions.startswith(
        "<permissions instructions>\nFilesystem sandboxing defines which files can be read or "
        "written. `sandbox_mode` is `read-only`: The sandbox only permits reading files. "
        "Network access is restricted.\n# Escalation Requests\n"
    )
    assert environment.startswith("<environment_context>\n  <cwd>/tmp</cwd>\n  <shell>")
    assert text == "two"
    # not repeated when nothing changed
    assert third.input_texts().count(permissions) == third.input_texts().count(environment) == 1


def test_tools_unknown_and_update_plan(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    plan = {"explanation": "why", "plan": [{"step": "a", "status": "in_progress"}]}
    mock_model.enqueue(
        responses_reply(
            output_item_done(
                {
                    "type": "function_call",
                    "name": "no_such_tool",
                    "arguments": "{}",
                    "call_id": "c1",
                }
            ),
            output_item_done(
                {
                    "type": "function_call",
                    "name": "update_plan",
                    "arguments": json.dumps(plan),
                    "call_id": "c2",
                }
            ),
        ),
        assistant_message("done"),
    )
    client, cid, _ = start(spawn, codex_home, mock_model, workdir)
    evs = events(run_turn(client, cid, "plan it"), cid)
    assert {"type": "plan_update", **plan} in evs
    outputs = mock_model.model_requests[1].tool_outputs()
    assert outputs == {"c1": "unsupported call: no_such_tool", "c2": "Plan updated"}
    assert evs[-1]["last_agent_message"] == "done"


def test_arguments_that_do_not_parse_are_explained_to_the_model(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    mock_model.enqueue(
        responses_reply(
            output_item_done(function_call_item("update_plan", {}, "c1")),
            output_item_done(function_call_item("view_image", {"path": 5}, "c2")),
            output_item_done(function_call_item("view_image", "{", "c3")),
        ),
        assistant_message("done"),
    )
    client, cid, _ = start(spawn, codex_home, mock_model, workdir)
    run_turn(client, cid, "go")
    assert mock_model.model_requests[1].tool_outputs() == {
        "c1": "failed to parse function arguments: missing field `plan`",
        "c2": "failed to parse function arguments: invalid value for `path`: "
        "Input should be a valid string",
        "c3": "failed to parse function arguments: invalid JSON: EOF while parsing an object "
        "at line 1 column 1",
    }


def test_interrupt_aborts_the_turn_and_keeps_what_arrived(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    mock_model.enqueue(
        responses_reply(text_delta("partial"), output_item_done(message_item("kept")), Hold()),
        assistant_message("next"),
    )
    client, cid, result = start(spawn, codex_home, mock_model, workdir)
    mark = client.mark()
    client.call("sendUserMessage", {"conversationId": cid, "items": text_items("go")})
    client.wait_event("agent_message", cid, start=mark)
    reply = client.request("interruptConversation", {"conversationId": cid})
    assert reply["result"] == {"abortReason": "interrupted"}
    aborted = client.wait_event("turn_aborted", cid, start=mark)
    assert client.messages.index(aborted) < client.messages.index(reply)
    assert aborted["params"]["msg"] == {
        "type": "turn_aborted",
        "turn_id": aborted["params"]["id"],
        "reason": "interrupted",
    }
    assert "codex/event/task_complete" not in [m.get("method") for m in client.since(mark)]
    # the conversation goes on, with the aborted turn's message in its history
    run_turn(client, cid, "again")
    texts = mock_model.model_requests[1].input_texts()
    assert "kept" in texts
    # ...and, as 0.107.0, the model is told the user interrupted it
    assert texts[-2:] == [TURN_ABORTED_TEXT, "again"]
    assert TURN_ABORTED_TEXT.startswith("<turn_aborted>\nThe user interrupted the previous turn")
    has_abort = lambda ls: any(line["payload"].get("type") == "turn_aborted" for line in ls)  # noqa: E731
    lines = rollout(result["rolloutPath"], has_abort)
    kinds = [
        "marker"
        if line["payload"].get("content") == [{"type": "input_text", "text": TURN_ABORTED_TEXT}]
        else line["payload"].get("type")
        for line in lines
    ]
    assert kinds.index("marker") == kinds.index("turn_aborted") - 1
    # it is no message of the user's: the preview stays what the user typed
    (item,) = client.call("listConversations", {})["items"]
    assert item["preview"] == "go"


def test_server_error_is_reported_and_the_turn_completes(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    mock_model.enqueue(http_error(500))
    client, cid, _ = start(spawn, codex_home, mock_model, workdir)
    evs = events(run_turn(client, cid, "hi"), cid)
    assert evs[-2:] == [
        {
            "type": "error",
            "message": "We're currently experiencing high demand, "
            "which may cause temporary errors.",
            "codex_error_info": "internal_server_error",
        },
        {"type": "task_complete", "turn_id": "0", "last_agent_message": None},
    ]


def test_request_retries_then_succeeds(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    mock_model.enqueue(http_error(503), http_error(429, retry_after=0.05), assistant_message("ok"))
    client, cid, _ = start(spawn, codex_home, mock_model, workdir, request_max_retries=2)
    evs = events(run_turn(client, cid, "hi"), cid)
    assert evs[-1] == {"type": "task_complete", "turn_id": "0", "last_agent_message": "ok"}
    assert len(mock_model.model_requests) == 3
    assert "error" not in [e["type"] for e in evs]


def test_broken_stream_is_retried_with_a_stream_error_event(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    broken = responses_reply(text_delta("par"), Disconnect())
    mock_model.enqueue(broken, streamed_message(["whole"]))
    client, cid, _ = start(spawn, codex_home, mock_model, workdir, stream_max_retries=1)
    evs = events(run_turn(client, cid, "hi"), cid)
    types = [e["type"] for e in evs]
    assert types.count("stream_error") == 1
    assert evs[-1] == {"type": "task_complete", "turn_id": "0", "last_agent_message": "whole"}


def test_idle_stream_times_out(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    mock_model.enqueue(responses_reply(text_delta("x"), Hold(timeout=10)))
    client, cid, _ = start(spawn, codex_home, mock_model, workdir, stream_idle_timeout_ms=300)
    evs = events(run_turn(client, cid, "hi"), cid)
    error = [e for e in evs if e["type"] == "error"]
    assert error and "idle timeout" in error[0]["message"]
    assert evs[-1] == {"type": "task_complete", "turn_id": "0", "last_agent_message": None}
    mock_model.release()


def test_context_window_error_is_not_retried(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    mock_model.enqueue(context_window_exceeded(), assistant_message("never"))
    client, cid, _ = start(
        spawn, codex_home, mock_model, workdir, request_max_retries=3, stream_max_retries=3
    )
    evs = events(run_turn(client, cid, "hi"), cid)
    assert evs[-2] == {
        "type": "error",
        "message": "Codex ran out of room in the model's context window. Start a new "
        "conversation or clear earlier history before retrying.",
        "codex_error_info": "context_window_exceeded",
    }
    assert len(mock_model.model_requests) == 1


def test_context_window_error_reports_the_full_window_for_known_models(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    mock_model.enqueue(context_window_exceeded())
    client, cid, _ = start(spawn, codex_home, mock_model, workdir, model="gpt-5-codex")
    evs = events(run_turn(client, cid, "hi"), cid)
    counts = [e for e in evs if e["type"] == "token_count"]
    window = evs[0]["model_context_window"]
    assert window == 258_400
    assert counts[-1]["info"]["total_token_usage"]["total_tokens"] == window
    assert counts[-1]["info"]["model_context_window"] == window
    assert [e["type"] for e in evs][-2:] == ["error", "task_complete"]


def test_rate_limit_headers_become_snapshots(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    headers = rate_limit_headers(
        primary_used=12.5, primary_window=300, primary_reset_at=1_900_000_000
    )
    mock_model.enqueue(assistant_message("ok", headers=headers))
    client, cid, _ = start(spawn, codex_home, mock_model, workdir)
    messages = run_turn(client, cid, "hi")
    notes = [m["params"] for m in messages if m.get("method") == "account/rateLimits/updated"]
    # v2's spelling: camelCase, a whole percentage (12.5 rounds half away from zero)
    assert notes[0]["rateLimits"]["limitId"] == "codex"
    assert notes[0]["rateLimits"]["primary"] == {
        "usedPercent": 13,
        "windowDurationMins": 300,
        "resetsAt": 1_900_000_000,
    }
    counts = [e for e in events(messages, cid) if e["type"] == "token_count"]
    assert counts[0]["rate_limits"]["primary"] == {
        "used_percent": 12.5,
        "window_minutes": 300,
        "resets_at": 1_900_000_000,
    }


def test_missing_env_key_is_reported(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    client, cid, _ = start(spawn, codex_home, mock_model, workdir, env_key="MOCK_KEY_UNSET")
    evs = events(run_turn(client, cid, "hi"), cid)
    assert evs[-2] == {
        "type": "error",
        "message": "Missing environment variable: `MOCK_KEY_UNSET`.",
        "codex_error_info": "other",
    }
    assert mock_model.model_requests == []


def test_turns_sent_while_one_runs_are_queued(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    mock_model.enqueue(
        responses_reply(text_delta("a"), Hold("first"), output_item_done(message_item("first"))),
        assistant_message("second"),
    )
    client, cid, _ = start(spawn, codex_home, mock_model, workdir)
    mark = client.mark()
    client.call("sendUserMessage", {"conversationId": cid, "items": text_items("one")})
    client.wait_event("agent_message_delta", cid, start=mark)
    client.call("sendUserMessage", {"conversationId": cid, "items": text_items("two")})
    mock_model.release("first")
    first = client.wait_event("task_complete", cid, start=mark)
    second = client.wait_event("task_complete", cid, start=client.messages.index(first) + 1)
    numbers = turn_numbers(client.since(mark))
    assert numbers[first["params"]["id"]] == "0" and numbers[second["params"]["id"]] == "1"
    assert second["params"]["msg"]["last_agent_message"] == "second"
    texts = mock_model.model_requests[1].input_texts()
    assert texts.index("first") < texts.index("two")


def test_agents_md_and_local_images_reach_the_model(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    (workdir / "AGENTS.md").write_text("Use tabs.\n")
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    (workdir / "dot.png").write_bytes(png)
    mock_model.enqueue(assistant_message("seen"))
    client, cid, _ = start(spawn, codex_home, mock_model, workdir)
    mark = client.mark()
    items = [
        {"type": "text", "data": {"text": "look"}},
        {"type": "localImage", "data": {"path": "dot.png"}},
        {"type": "image", "data": {"image_url": "https://example.com/x.png"}},
    ]
    client.call("sendUserMessage", {"conversationId": cid, "items": items})
    client.wait_event("task_complete", cid, start=mark)
    body = mock_model.last_model_request.body
    assert body["input"][1]["content"][0]["text"] == (
        f"# AGENTS.md instructions for {workdir}\n\n<INSTRUCTIONS>\nUse tabs.\n\n</INSTRUCTIONS>"
    )
    content = body["input"][-1]["content"]
    assert content[0] == {"type": "input_text", "text": "look"}
    assert content[1]["image_url"].startswith("data:image/png;base64,iVBOR")
    assert content[2] == {"type": "input_image", "image_url": "https://example.com/x.png"}
    user_message = next(e for e in events(client.since(mark), cid) if e["type"] == "user_message")
    assert user_message["message"] == "look"
    assert user_message["images"] == ["https://example.com/x.png"]
    assert user_message["local_images"] == [str(workdir / "dot.png")]


def test_raw_events_for_listeners_that_ask(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    mock_model.enqueue(assistant_message("raw"))
    write_mock_config(codex_home, mock_model)
    client = spawn()
    cid = client.call("newConversation", {"cwd": str(workdir)})["conversationId"]
    client.call("addConversationListener", {"conversationId": cid, "experimentalRawEvents": True})
    messages = run_turn(client, cid, "hi")
    raw = [m for m in messages if m.get("method") == "codex/event/raw_response_item"]
    assert len(raw) == 1
    assert raw[0]["params"]["msg"] == {
        "type": "raw_response_item",
        "item": {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "raw"}],
        },
    }


def test_first_turn_request_has_no_created_event_needed(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    # A stream without response.created still works (some providers omit it).
    from tests.mock_model_server import SseReply, completed

    mock_model.enqueue(SseReply([output_item_done(message_item("bare")), completed()]))
    client, cid, _ = start(spawn, codex_home, mock_model, workdir)
    evs = events(run_turn(client, cid, "hi"), cid)
    assert evs[-1] == {"type": "task_complete", "turn_id": "0", "last_agent_message": "bare"}
    assert created()["type"] == "response.created"


def test_stdin_closed_mid_turn_exits_promptly_and_keeps_the_turn(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    mock_model.enqueue(
        responses_reply(output_item_done(message_item("said before the end")), Hold(timeout=20))
    )
    client, cid, result = start(spawn, codex_home, mock_model, workdir)
    mark = client.mark()
    client.call("sendUserMessage", {"conversationId": cid, "items": text_items("go")})
    client.wait_event("agent_message", cid, start=mark)
    started = time.monotonic()
    client.close_stdin()
    assert client.wait_exit(10) == 0
    assert time.monotonic() - started < 5
    mock_model.release()
    texts = [
        part["text"]
        for line in rollout(result["rolloutPath"])
        if line["type"] == "response_item"
        for part in line["payload"].get("content", [])
    ]
    assert "go" in texts and "said before the end" in texts


def test_a_retried_stream_forgets_the_calls_of_the_broken_attempt(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    plan = {"plan": [{"step": "a", "status": "pending"}]}
    call = {"type": "function_call", "name": "update_plan", "arguments": json.dumps(plan)}
    broken = responses_reply(output_item_done({**call, "call_id": "c1"}), Disconnect())
    mock_model.enqueue(broken, streamed_message(["whole"]))
    client, cid, _ = start(spawn, codex_home, mock_model, workdir, stream_max_retries=1)
    evs = events(run_turn(client, cid, "hi"), cid)
    assert evs[-1] == {"type": "task_complete", "turn_id": "0", "last_agent_message": "whole"}
    # the answer of the second attempt ends the turn: no request for a call it did not make
    assert len(mock_model.model_requests) == 2
    assert mock_model.unexpected == []


def test_the_context_window_of_config_toml_is_reported(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, workdir: Path
) -> None:
    # (95% of it, as 0.107 reports it; without it, 95% of the fallback 272000)
    mock_model.enqueue(assistant_message("ok", usage_obj=usage(100, 10)))
    client, cid, _ = start(
        spawn, codex_home, mock_model, workdir, extra="model_context_window = 100000\n"
    )
    messages = run_turn(client, cid, "hi")
    evs = events(messages, cid)
    assert evs[0]["type"] == "task_started" and evs[0]["model_context_window"] == 95_000
    counts = [e for e in evs if e["type"] == "token_count" and e["info"] is not None]
    assert counts[-1]["info"]["model_context_window"] == 95_000
    v2 = [m for m in messages if m.get("method") == "thread/tokenUsage/updated"]
    assert v2[-1]["params"]["tokenUsage"]["modelContextWindow"] == 95_000
