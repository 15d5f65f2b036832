"""v2 threads and turns through the real daemon: `thread/start`, `turn/start`
and the notifications of a turn on both faces (v2's ``turn/*``/``item/*`` and
v1's ``codex/event/*``), opt-outs, the fields only newer clients get,
approvals, steering, interrupting, unsubscribing, and a daemon killed in the
middle of a turn."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pytest
from jsonschema import Draft7Validator

from tests._reference import SHARED, require
from tests.agent_session import TMP_NOT_WRITABLE, replies_for
from tests.agent_tool_scenarios import shell
from tests.harness.stdio import DaemonClient, Message
from tests.login_shell import login_shell
from tests.mock_model_server import (
    Hold,
    HttpError,
    MockModelServer,
    assistant_message,
    function_call_item,
    message_item,
    output_item_done,
    responses_reply,
    streamed_message,
    text_delta,
    write_mock_config,
)
from tests.sandbox_support import needs_sandbox

Spawn = Callable[..., DaemonClient]
Json = dict[str, Any]

WIRE_SCHEMA: Final = (
    SHARED
    / "reference"
    / "codex-0.107.0"
    / "wire-schema"
    / "codex-app-server-protocol.wire.schema.json"
)


def _assert_0107_wire(messages: list[Message]) -> None:
    """Every v2 notification and server request in ``messages`` is valid
    under 0.107.0's wire schema (which forbids unknown keys)."""
    bundle = json.loads(require(WIRE_SCHEMA).read_text(encoding="utf-8"))
    definitions = bundle["definitions"]
    notifications = Draft7Validator(
        {"$ref": "#/definitions/ServerNotification", "definitions": definitions}
    )
    requests = Draft7Validator({"$ref": "#/definitions/ServerRequest", "definitions": definitions})
    for message in messages:
        method = message.get("method")
        if method is None or method.startswith("codex/event/"):
            continue
        validator = requests if "id" in message else notifications
        errors = [e.message for e in validator.iter_errors(message)]
        assert not errors, (method, errors[:3], message)


def _start(
    spawn: Spawn,
    codex_home: Path,
    mock: MockModelServer,
    *,
    client_name: str = "tests",
    opt_out: list[str] | None = None,
    env: dict[str, str | None] | None = None,
    approval: str = "never",
) -> DaemonClient:
    write_mock_config(codex_home, mock, approval_policy=approval)
    client = spawn(initialize=False, env=env)
    capabilities: Json = {"experimentalApi": True}
    if opt_out is not None:
        capabilities["optOutNotificationMethods"] = opt_out
    client.call(
        "initialize",
        {
            "clientInfo": {"name": client_name, "title": None, "version": "1.0"},
            "capabilities": capabilities,
        },
    )
    client.notify("initialized")
    return client


def _thread(client: DaemonClient, workdir: Path) -> tuple[str, Json]:
    result = client.call("thread/start", {"cwd": str(workdir)})
    return result["thread"]["id"], result


def _text(text: str) -> Json:
    return {"type": "text", "text": text, "text_elements": []}


def _run_turn(
    client: DaemonClient, thread_id: str, text: str, **params: Any
) -> tuple[Json, list[Message]]:
    mark = client.mark()
    turn = client.call("turn/start", {"threadId": thread_id, "input": [_text(text)], **params})
    turn_id = turn["turn"]["id"]
    done = _wait_turn_completed(client, thread_id, turn_id, mark)
    return done["params"]["turn"], client.since(mark)


def _wait_turn_completed(
    client: DaemonClient, thread_id: str, turn_id: str, start: int = 0, timeout: float = 30.0
) -> Message:
    return client.wait_for(
        lambda m: (
            m.get("method") == "turn/completed"
            and m["params"]["threadId"] == thread_id
            and m["params"]["turn"]["id"] == turn_id
        ),
        timeout,
        "turn/completed",
        start,
    )


def _v2(messages: list[Message], method: str | None = None) -> list[Message]:
    return [
        m
        for m in messages
        if "id" not in m
        and "method" in m
        and not m["method"].startswith("codex/event/")
        and (method is None or m["method"] == method)
    ]


def _legacy(messages: list[Message]) -> list[str]:
    return [
        m["method"]
        for m in messages
        if "id" not in m and m.get("method", "").startswith("codex/event/")
    ]


def test_a_turn_on_both_faces(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(streamed_message(["Hel", "lo"]))
    client = _start(spawn, codex_home, mock_model)
    thread_id, started = _thread(client, workdir)
    assert started["thread"]["status"] == {"type": "idle"}
    assert started["approvalPolicy"] == "never"
    assert started["sandbox"] == {"type": "dangerFullAccess"}
    # A 0.107.0 client gets none of the newer fields.
    assert "sessionId" not in started["thread"]
    assert "approvalsReviewer" not in started
    turn, messages = _run_turn(client, thread_id, "say hello")
    assert turn["status"] == "completed"
    assert turn["error"] is None
    methods = [m["method"] for m in _v2(messages) if m["method"] != "account/rateLimits/updated"]
    assert methods[0] == "turn/started"
    assert methods[-2:] == ["thread/status/changed", "turn/completed"]
    items = [
        (m["method"], m["params"]["item"]["type"], m["params"]["item"]["id"])
        for m in _v2(messages)
        if m["method"] in ("item/started", "item/completed")
    ]
    assert [(method, kind) for method, kind, _ in items] == [
        ("item/started", "userMessage"),
        ("item/completed", "userMessage"),
        ("item/started", "agentMessage"),
        ("item/completed", "agentMessage"),
    ]
    assert items[2][2] == items[3][2]
    deltas = _v2(messages, "item/agentMessage/delta")
    assert "".join(d["params"]["delta"] for d in deltas) == "Hello"
    assert {d["params"]["itemId"] for d in deltas} == {items[2][2]}
    completed = _v2(messages, "item/completed")[-1]["params"]
    assert completed["item"]["text"] == "Hello"
    assert "completedAtMs" not in completed
    statuses = [m["params"]["status"] for m in _v2(messages, "thread/status/changed")]
    assert statuses == [{"type": "active", "activeFlags": []}, {"type": "idle"}]
    assert _v2(messages, "thread/tokenUsage/updated")
    # The same thread's legacy face, on the same connection.
    legacy = _legacy(messages)
    assert "codex/event/task_started" in legacy
    assert legacy[-1] == "codex/event/task_complete"
    assert mock_model.model_requests[0].input_texts()[-1] == "say hello"
    _assert_0107_wire(client.messages)


def test_opted_out_notifications_are_not_sent(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(streamed_message(["a", "b"]))
    opt_out = ["codex/event/task_started", "codex/event/agent_message_delta", "turn/started"]
    client = _start(spawn, codex_home, mock_model, opt_out=opt_out)
    thread_id, _ = _thread(client, workdir)
    _, messages = _run_turn(client, thread_id, "hi")
    legacy = _legacy(messages)
    assert "codex/event/task_started" not in legacy
    assert "codex/event/agent_message_delta" not in legacy
    assert "codex/event/task_complete" in legacy
    assert not _v2(messages, "turn/started")
    assert _v2(messages, "item/agentMessage/delta")


def test_newer_clients_get_the_newer_fields(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("ok"))
    client = _start(spawn, codex_home, mock_model, client_name="codex_python_sdk")
    thread_id, started = _thread(client, workdir)
    assert started["thread"]["sessionId"] == thread_id
    assert started["approvalsReviewer"] == "user"
    _, messages = _run_turn(client, thread_id, "hi")
    assert all("startedAtMs" in m["params"] for m in _v2(messages, "item/started"))
    assert all("completedAtMs" in m["params"] for m in _v2(messages, "item/completed"))


@pytest.mark.parametrize(
    ("name", "forced", "expected"), [("tests", "1", True), ("codex_python_sdk", "0", False)]
)
def test_the_newer_fields_can_be_forced(
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    mock_model: MockModelServer,
    name: str,
    forced: str,
    expected: bool,
) -> None:
    env: dict[str, str | None] = {"CODEX_APP_SERVER_NEWER_FIELDS": forced}
    client = _start(spawn, codex_home, mock_model, client_name=name, env=env)
    _, started = _thread(client, workdir)
    assert ("sessionId" in started["thread"]) is expected


def test_a_v1_conversation_seen_over_v2(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("from v1"), assistant_message("from v2"))
    client = _start(spawn, codex_home, mock_model)
    cid = client.call("newConversation", {"cwd": str(workdir)})["conversationId"]
    client.call("addConversationListener", {"conversationId": cid})
    # As 0.107: a thread is resumed from its file, made with its first turn
    assert client.call_error("thread/resume", {"threadId": cid}) == {
        "code": -32600,
        "message": f"no rollout found for thread id {cid}",
    }
    mark = client.mark()
    client.call(
        "sendUserMessage",
        {"conversationId": cid, "items": [{"type": "text", "data": {"text": "over v1"}}]},
    )
    client.wait_event("task_complete", cid, start=mark)
    v1_turn = client.since(mark)
    # a listened v1 conversation gets v2 notifications too, but no turn/started
    assert "item/completed" in [m.get("method") for m in v1_turn]
    assert "turn/started" not in [m.get("method") for m in v1_turn]
    resumed = client.call("thread/resume", {"threadId": cid})
    assert resumed["thread"]["id"] == cid  # a loaded thread returns itself
    turn, messages = _run_turn(client, cid, "over v2")
    assert turn["status"] == "completed"
    agent = [
        m for m in _v2(messages, "item/completed") if m["params"]["item"]["type"] == "agentMessage"
    ]
    assert agent[0]["params"]["item"]["text"] == "from v2"
    # The v1 listener keeps its events (once: the listener it had).
    assert _legacy(messages).count("codex/event/task_complete") == 1


def test_unknown_threads_and_unsubscribe(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    client = _start(spawn, codex_home, mock_model)
    missing = "00000000-0000-0000-0000-000000000000"
    error = client.call_error("turn/start", {"threadId": missing, "input": [_text("x")]})
    assert error == {"code": -32600, "message": f"thread not found: {missing}"}
    error = client.call_error("thread/resume", {"threadId": missing})
    assert error["message"] == f"no rollout found for thread id {missing}"
    error = client.call_error("turn/start", {"threadId": missing})
    assert error["message"].startswith("Invalid request: missing field `input`")
    thread_id, _ = _thread(client, workdir)
    mark = client.mark()
    assert client.call("thread/unsubscribe", {"threadId": thread_id}) == {"status": "unsubscribed"}
    closed = client.wait_notification("thread/closed", start=mark)
    assert closed["params"] == {"threadId": thread_id}
    assert client.call("thread/unsubscribe", {"threadId": thread_id}) == {"status": "notLoaded"}
    error = client.call_error("turn/start", {"threadId": thread_id, "input": [_text("x")]})
    assert error["message"] == f"thread not found: {thread_id}"


def _approval_turn(
    client: DaemonClient, thread_id: str, mock: MockModelServer, target: Path
) -> tuple[Message, int]:
    mock.enqueue(*replies_for([shell("call-1", ["touch", str(target)])]))
    mark = client.mark()
    client.call("turn/start", {"threadId": thread_id, "input": [_text("make it")]})
    request = client.wait_server_request("item/commandExecution/requestApproval", 30, mark)
    return request, mark


@pytest.mark.parametrize(
    ("decision", "made", "status"),
    [
        ("accept", True, "completed"),
        ("acceptForSession", True, "completed"),
        ("decline", False, "completed"),
        ("cancel", False, "interrupted"),
    ],
)
def test_v2_command_approvals(
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    mock_model: MockModelServer,
    decision: str,
    made: bool,
    status: str,
) -> None:
    client = _start(spawn, codex_home, mock_model, approval="untrusted")
    thread_id, _ = _thread(client, workdir)
    target = workdir / "made.txt"
    request, mark = _approval_turn(client, thread_id, mock_model, target)
    params = request["params"]
    assert params["threadId"] == thread_id
    assert params["itemId"] == "call-1"
    assert params["command"] == f"touch {target}"
    assert params["cwd"] == str(workdir)
    assert params["availableDecisions"] == ["accept", "acceptForSession", "decline", "cancel"]
    waiting = client.wait_notification("thread/status/changed", 10, mark)
    assert waiting["params"]["status"]["type"] == "active"
    client.respond(request["id"], {"decision": decision})
    done = _wait_turn_completed(client, thread_id, params["turnId"], mark)
    assert done["params"]["turn"]["status"] == status
    assert target.exists() is made
    messages = client.since(mark)
    resolved = _v2(messages, "serverRequest/resolved")
    assert [m["params"] for m in resolved] == [{"threadId": thread_id, "requestId": request["id"]}]
    flags = [
        m["params"]["status"].get("activeFlags") for m in _v2(messages, "thread/status/changed")
    ]
    assert ["waitingOnApproval"] in flags
    commands = [
        m
        for m in _v2(messages, "item/completed")
        if m["params"]["item"]["type"] == "commandExecution"
    ]
    # One completion at most (0.107.0 sends two for a declined command).
    assert len(commands) <= 1
    if made:
        assert commands[0]["params"]["item"]["status"] == "completed"
    elif commands:
        assert commands[0]["params"]["item"]["status"] == "declined"
    # The v1 face saw the question too.
    assert "codex/event/exec_approval_request" in _legacy(messages)
    _assert_0107_wire(client.messages)


def test_an_error_answer_approves_nothing(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    client = _start(spawn, codex_home, mock_model, approval="untrusted")
    thread_id, _ = _thread(client, workdir)
    target = workdir / "made.txt"
    request, mark = _approval_turn(client, thread_id, mock_model, target)
    client.send({"id": request["id"], "error": {"code": -1, "message": "no"}})
    done = _wait_turn_completed(client, thread_id, request["params"]["turnId"], mark)
    assert done["params"]["turn"]["status"] == "completed"
    assert not target.exists()


def test_steer_and_interrupt(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(
        responses_reply(
            text_delta("partial"), Hold("first"), output_item_done(message_item("one"))
        ),
        assistant_message("two"),
    )
    client = _start(spawn, codex_home, mock_model)
    thread_id, _ = _thread(client, workdir)
    mark = client.mark()
    turn_id = client.call("turn/start", {"threadId": thread_id, "input": [_text("start")]})["turn"][
        "id"
    ]
    client.wait_notification("item/agentMessage/delta", 15, mark)
    error = client.call_error(
        "turn/steer", {"threadId": thread_id, "input": [_text("x")], "expectedTurnId": "other"}
    )
    assert error["code"] == -32600
    steered = client.call(
        "turn/steer",
        {"threadId": thread_id, "input": [_text("and more")], "expectedTurnId": turn_id},
    )
    assert steered == {"turnId": turn_id}
    mock_model.release("first")
    done = _wait_turn_completed(client, thread_id, turn_id, mark)
    assert done["params"]["turn"]["status"] == "completed"
    assert mock_model.model_requests[-1].input_texts()[-1] == "and more"
    # An interrupt ends the running turn as `interrupted`.
    mock_model.enqueue(responses_reply(text_delta("long"), Hold("second")))
    mark = client.mark()
    turn_id = client.call("turn/start", {"threadId": thread_id, "input": [_text("long")]})["turn"][
        "id"
    ]
    client.wait_notification("item/agentMessage/delta", 15, mark)
    assert client.call("turn/interrupt", {"threadId": thread_id, "turnId": turn_id}) == {}
    done = _wait_turn_completed(client, thread_id, turn_id, mark)
    assert done["params"]["turn"]["status"] == "interrupted"
    mock_model.release()


def test_a_thread_killed_mid_turn_can_be_resumed(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("first answer"))
    client = _start(spawn, codex_home, mock_model)
    thread_id, started = _thread(client, workdir)
    _run_turn(client, thread_id, "first question")
    mock_model.enqueue(responses_reply(text_delta("cut"), Hold("never")))
    mark = client.mark()
    client.call("turn/start", {"threadId": thread_id, "input": [_text("second question")]})
    client.wait_notification("item/agentMessage/delta", 15, mark)
    os.kill(client.proc.pid, signal.SIGKILL)
    client.wait_exit()
    mock_model.release()
    rollout = Path(started["thread"]["path"])
    for line in rollout.read_text(encoding="utf-8").splitlines():
        json.loads(line)  # whole lines only
    mock_model.enqueue(assistant_message("third answer"))
    again = _start(spawn, codex_home, mock_model)
    listed = again.call("listConversations", {})["items"]
    assert [item["conversationId"] for item in listed] == [thread_id]
    resumed = again.call("thread/resume", {"threadId": thread_id})
    assert resumed["thread"]["id"] == thread_id
    assert resumed["thread"]["turns"][0]["items"][0]["content"][0]["text"] == "first question"
    turn, _ = _run_turn(again, thread_id, "third question")
    assert turn["status"] == "completed"
    texts = mock_model.model_requests[-1].input_texts()
    assert "first question" in texts and "third question" in texts


def test_shell_command_runs_a_script_as_a_command_execution_item(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    script = "printf hello > out.txt && cat out.txt"
    mock_model.enqueue(
        *replies_for([function_call_item("shell_command", {"command": script}, "sc-1")])
    )
    client = _start(spawn, codex_home, mock_model)
    thread_id, _ = _thread(client, workdir)
    turn, messages = _run_turn(client, thread_id, "run it")
    assert turn["status"] == "completed"
    assert (workdir / "out.txt").read_text() == "hello"
    started = [m for m in _v2(messages, "item/started") if m["params"]["item"]["id"] == "sc-1"]
    # The argv run, shell-quoted: the user's login shell with -lc.
    assert started[0]["params"]["item"]["command"] == f"{login_shell()} -lc '{script}'"
    assert started[0]["params"]["item"]["status"] == "inProgress"
    (completed,) = [
        m for m in _v2(messages, "item/completed") if m["params"]["item"]["id"] == "sc-1"
    ]
    item = completed["params"]["item"]
    assert (item["status"], item["exitCode"], item["aggregatedOutput"]) == ("completed", 0, "hello")
    deltas = _v2(messages, "item/commandExecution/outputDelta")
    assert "".join(d["params"]["delta"] for d in deltas) == "hello"
    assert "hello" in mock_model.model_requests[-1].tool_outputs()["sc-1"]
    _assert_0107_wire(client.messages)


@pytest.mark.parametrize(("login", "flag"), [(None, "-lc"), (True, "-lc"), (False, "-c")])
def test_shell_command_login_chooses_a_login_shell(
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    mock_model: MockModelServer,
    login: bool | None,
    flag: str,
) -> None:
    arguments: dict[str, Any] = {"command": "echo hi"}
    if login is not None:
        arguments["login"] = login
    mock_model.enqueue(*replies_for([function_call_item("shell_command", arguments, "sc-2")]))
    client = _start(spawn, codex_home, mock_model)
    thread_id, _ = _thread(client, workdir)
    turn, messages = _run_turn(client, thread_id, "run it")
    assert turn["status"] == "completed"
    (begin,) = [m for m in messages if m.get("method") == "codex/event/exec_command_begin"]
    assert begin["params"]["msg"]["command"] == [login_shell(), flag, "echo hi"]
    assert "hi" in mock_model.model_requests[-1].tool_outputs()["sc-2"]


@pytest.mark.parametrize(("decision", "applied"), [("accept", True), ("decline", False)])
def test_v2_patch_approvals(
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    mock_model: MockModelServer,
    decision: str,
    applied: bool,
) -> None:
    patch = "*** Begin Patch\n*** Add File: added.txt\n+hi\n*** End Patch\n"
    mock_model.enqueue(*replies_for([shell("p-1", ["apply_patch", patch])]))
    client = _start(spawn, codex_home, mock_model, approval="untrusted")
    thread_id, _ = _thread(client, workdir)
    mark = client.mark()
    client.call("turn/start", {"threadId": thread_id, "input": [_text("patch it")]})
    request = client.wait_server_request("item/fileChange/requestApproval", 30, mark)
    assert request["params"]["threadId"] == thread_id
    assert request["params"]["itemId"] == "p-1"
    client.respond(request["id"], {"decision": decision})
    done = _wait_turn_completed(client, thread_id, request["params"]["turnId"], mark)
    assert done["params"]["turn"]["status"] == "completed"
    assert (workdir / "added.txt").exists() is applied
    messages = client.since(mark)
    changes = [
        m["params"]["item"]
        for m in _v2(messages, "item/completed")
        if m["params"]["item"]["type"] == "fileChange"
    ]
    if applied:
        (change,) = changes
        assert change["status"] == "completed"
        assert change["changes"][0]["kind"] == {"type": "add"}
    assert _v2(messages, "serverRequest/resolved")
    _assert_0107_wire(client.messages)


def test_a_failed_turn_reports_its_error(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(HttpError(400, {"error": {"message": "bad things"}}))
    client = _start(spawn, codex_home, mock_model)
    thread_id, _ = _thread(client, workdir)
    turn, messages = _run_turn(client, thread_id, "fail")
    assert turn["status"] == "failed"
    assert turn["error"]["message"]
    (error,) = _v2(messages, "error")
    assert error["params"]["willRetry"] is False
    assert error["params"]["turnId"] == turn["id"]
    assert error["params"]["error"]["message"] == turn["error"]["message"]
    statuses = [m["params"]["status"] for m in _v2(messages, "thread/status/changed")]
    assert statuses[-1] == {"type": "idle"}
    _assert_0107_wire(client.messages)


def test_per_turn_settings_reach_the_model(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message('{"ok": true}'), assistant_message("plain"))
    client = _start(spawn, codex_home, mock_model)
    thread_id, _ = _thread(client, workdir)
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
    turn, _ = _run_turn(client, thread_id, "json please", outputSchema=schema, model="other-model")
    assert turn["status"] == "completed"
    first = mock_model.model_requests[0].body
    assert first["model"] == "other-model"
    assert first["text"]["format"]["schema"] == schema
    # The schema is the turn's own; the model stays for the turns after it.
    _run_turn(client, thread_id, "again")
    second = mock_model.model_requests[1].body
    assert second["model"] == "other-model"
    assert "format" not in (second.get("text") or {})


def test_a_thread_has_no_file_before_its_first_turn(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("made"))
    client = _start(spawn, codex_home, mock_model)
    thread_id, started = _thread(client, workdir)
    path = Path(started["thread"]["path"])
    assert not path.exists()
    assert client.call("thread/list", {})["data"] == []
    # read without turns: the live thread; with turns, resume, archive: 0.107's errors
    assert client.call("thread/read", {"threadId": thread_id})["thread"]["path"] == str(path)
    assert client.call_error("thread/read", {"threadId": thread_id, "includeTurns": True}) == {
        "code": -32600,
        "message": f"thread {thread_id} is not materialized yet; "
        "includeTurns is unavailable before first user message",
    }
    for method in ("thread/resume", "thread/archive"):
        assert client.call_error(method, {"threadId": thread_id}) == {
            "code": -32600,
            "message": f"no rollout found for thread id {thread_id}",
        }
    assert not (codex_home / "sessions").exists()
    assert not (codex_home / "archived_sessions").exists()
    _run_turn(client, thread_id, "make it")
    assert path.is_file()
    assert [t["id"] for t in client.call("thread/list", {})["data"]] == [thread_id]
    read = client.call("thread/read", {"threadId": thread_id, "includeTurns": True})
    assert len(read["thread"]["turns"]) == 1


def test_the_model_is_told_the_policies_of_v2_turns(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("one"), assistant_message("two"))
    client = _start(spawn, codex_home, mock_model)
    thread_id, _ = _thread(client, workdir)
    _run_turn(client, thread_id, "first")
    first = mock_model.model_requests[0].body["input"]
    assert [item.get("role") for item in first] == ["developer", "user", "user"]
    assert first[0]["content"][0]["text"].startswith(
        "<permissions instructions>\nFilesystem sandboxing defines which files can be read or "
        "written. `sandbox_mode` is `danger-full-access`: No filesystem sandboxing - all "
        "commands are permitted. Network access is enabled.\nApproval policy is currently never."
    )
    _run_turn(
        client,
        thread_id,
        "second",
        approvalPolicy="on-failure",
        sandboxPolicy={"type": "readOnly"},
    )
    second = mock_model.model_requests[1].input_texts()
    assert second[-1] == "second"
    assert second[-2] == (
        "<permissions instructions>\nFilesystem sandboxing defines which files can be read or "
        "written. `sandbox_mode` is `read-only`: The sandbox only permits reading files. "
        "Network access is restricted.\nApprovals are your mechanism to get user consent to run "
        "shell commands without the sandbox. `approval_policy` is `on-failure`: The harness will "
        "allow all commands to run in the sandbox (if enabled), and failures will be escalated to "
        "the user for approval to run again without the sandbox.\n</permissions instructions>"
    )


@pytest.mark.parametrize("approval", ["never", "on-request"])
def test_a_v2_turn_cannot_write_outside_the_workspace(
    approval: str,
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    tmp_path: Path,
    mock_model: MockModelServer,
) -> None:
    """Under workspace-write the writable roots come from the thread's folder,
    never from the folder a call asks to run in (v2 turns, as v1's)."""
    needs_sandbox()
    outside = tmp_path / "outside"
    outside.mkdir()
    mock_model.enqueue(
        *replies_for(
            [
                shell("c1", ["bash", "-c", "echo x >> ../outside.txt"]),
                shell("c2", ["bash", "-c", "echo x >> here.txt"], workdir=str(outside)),
                function_call_item(
                    "shell_command",
                    {"command": "echo x >> here.txt", "workdir": str(outside)},
                    "c3",
                ),
                shell("c4", ["bash", "-c", "echo x >> inside.txt"]),
            ]
        )
    )
    write_mock_config(
        codex_home,
        mock_model,
        approval_policy=approval,
        sandbox_mode="workspace-write",
        extra=TMP_NOT_WRITABLE,
    )
    client = spawn()
    thread_id, _ = _thread(client, workdir)
    turn, messages = _run_turn(client, thread_id, "write around")
    assert turn["status"] == "completed"
    assert not any("requestApproval" in str(m.get("method")) for m in messages)
    assert not (tmp_path / "outside.txt").exists()
    assert list(outside.iterdir()) == []
    assert (workdir / "inside.txt").read_text() == "x\n"
