"""The events and approvals of unified exec (``exec_command``,
``write_stdin``) through the real daemon, as Codex 0.107.0 sends them.

The literal expectations are what the 0.107.0 binary sent for the same model
calls (captured against the mock model, v1 listener and v2 thread):

- the user is asked (``exec_approval_request`` / ``execCommandApproval``,
  ``item/commandExecution/requestApproval``) before ``exec_command_begin``;
  a refusal sends no begin and no end (v2: one ``item/completed`` with
  ``status: declined``), and the model reads a ``CreateProcess`` error;
- begin and end carry ``process_id`` (the session ID, even for a command that
  ends at once; the v2 item's ``processId``), the ID of the turn that
  started the command and ``source: unified_exec_startup``; the end repeats
  the command, folder and parsed command; its output is all the command
  printed when it ended before its first answer, else what it printed
  after that answer;
- a command still running after its first answer has its output
  (``exec_command_output_delta``) and its end sent as they come, in or
  between turns, naming the turn that started it; ``write_stdin`` sends
  ``terminal_interaction`` with what it typed (v2:
  ``item/commandExecution/terminalInteraction`` in the current turn);
- an approval for the session covers the command in its folder, whatever
  the shell flags (``bash -c`` and ``bash -lc`` alike).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from tests.agent_session import AgentSession, Spawn, TurnResult, open_session, replies_for
from tests.harness.stdio import DaemonClient, Message
from tests.login_shell import login_shell
from tests.mock_model_server import MockModelServer, function_call_item

Json = dict[str, Any]
UNIFIED = "[features]\nunified_exec = true\n"
APPROVAL = "item/commandExecution/requestApproval"
#: What 0.107.0 tells the model when the user does not approve a command.
REJECTED = 'exec_command failed: CreateProcess { message: "Rejected(\\"rejected by user\\")" }'
SESSION = re.compile(r"Process running with session ID (\d+)\n")


def _exec(call_id: str, cmd: str, **arguments: Any) -> Json:
    return function_call_item("exec_command", {"cmd": cmd, "login": False, **arguments}, call_id)


def _write(call_id: str, session_id: int, chars: str = "", **arguments: Any) -> Json:
    args = {"session_id": session_id, "chars": chars, **arguments}
    return function_call_item("write_stdin", args, call_id)


def _session_id(output: str) -> int:
    match = SESSION.search(output)
    assert match is not None, output
    return int(match[1])


def _turn_id(result: TurnResult) -> str:
    (done,) = result.events("task_complete")
    turn_id = done["turn_id"]
    assert isinstance(turn_id, str) and turn_id
    return turn_id


def _kinds(result: TurnResult) -> list[str]:
    """The order of the command's events and requests in a v1 turn."""
    wanted = {
        "codex/event/exec_approval_request",
        "execCommandApproval",
        "codex/event/exec_command_begin",
        "codex/event/exec_command_output_delta",
        "codex/event/terminal_interaction",
        "codex/event/exec_command_end",
    }
    return [
        m["method"].removeprefix("codex/event/")
        for m in result.messages
        if m.get("method") in wanted
    ]


def _notifications(result: TurnResult, method: str) -> list[Json]:
    return [m["params"] for m in result.messages if m.get("method") == method and "id" not in m]


def _open(
    spawn: Spawn, codex_home: Path, workdir: Path, mock: MockModelServer, approval: str
) -> AgentSession:
    return open_session(spawn, codex_home, workdir, mock, approval=approval, extra=UNIFIED)


def test_a_command_that_ends_at_once(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    sh = login_shell()
    session = _open(spawn, codex_home, workdir, mock_model, "never")
    result = session.turn([_exec("c1", "echo hi")])
    turn_id = _turn_id(result)
    assert _kinds(result) == ["exec_command_begin", "exec_command_end"]
    (begin,) = result.events("exec_command_begin")
    (end,) = result.events("exec_command_end")
    process_id = begin["process_id"]
    assert isinstance(process_id, str) and process_id.isdigit()
    described = {
        "call_id": "c1",
        "process_id": process_id,
        "turn_id": turn_id,
        "command": [sh, "-c", "echo hi"],
        "cwd": str(workdir),
        "parsed_cmd": [{"type": "unknown", "cmd": "echo hi"}],
        "source": "unified_exec_startup",
    }
    assert begin == {"type": "exec_command_begin", **described}
    assert {k: v for k, v in end.items() if k != "duration"} == {
        "type": "exec_command_end",
        **described,
        "stdout": "hi\n",
        "stderr": "",
        "aggregated_output": "hi\n",
        "exit_code": 0,
        "formatted_output": "hi\n",
        "status": "completed",
    }
    (started,) = [
        p["item"]
        for p in _notifications(result, "item/started")
        if p["item"]["type"] == "commandExecution"
    ]
    (completed,) = [
        p
        for p in _notifications(result, "item/completed")
        if p["item"]["type"] == "commandExecution"
    ]
    assert started["processId"] == process_id
    assert completed["item"]["processId"] == process_id
    assert completed["item"]["aggregatedOutput"] == "hi\n"
    assert completed["turnId"] == turn_id


def test_a_session_its_input_and_its_end(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = _open(spawn, codex_home, workdir, mock_model, "never")
    first = session.turn([_exec("c1", "read line; echo got:$line", tty=True, yield_time_ms=300)])
    started_in = _turn_id(first)
    assert _kinds(first) == ["exec_command_begin"]
    (begin,) = first.events("exec_command_begin")
    session_id = _session_id(first.outputs["c1"])
    assert begin["process_id"] == str(session_id)

    second = session.turn([_write("w1", session_id, "hello\n", yield_time_ms=5000)])
    typed_in = _turn_id(second)
    kinds = _kinds(second)
    # The output first; 0.107.0 sent the end before or after the interaction
    # (its end comes when the command exits, the interaction after the wait).
    assert sorted(kinds[-2:]) == ["exec_command_end", "terminal_interaction"]
    assert set(kinds[:-2]) == {"exec_command_output_delta"}
    (interaction,) = second.events("terminal_interaction")
    assert interaction == {
        "type": "terminal_interaction",
        "call_id": "c1",
        "process_id": str(session_id),
        "stdin": "hello\n",
    }
    (end,) = second.events("exec_command_end")
    # The end names the turn that started the command, and has all its output.
    assert end["turn_id"] == started_in != typed_in
    assert end["process_id"] == str(session_id)
    assert end["command"] == begin["command"] and end["cwd"] == begin["cwd"]
    assert end["parsed_cmd"] == begin["parsed_cmd"] != []
    assert end["source"] == "unified_exec_startup"
    assert "got:hello" in end["stdout"] and end["aggregated_output"] == end["stdout"]
    assert end["exit_code"] == 0 and end["status"] == "completed"

    (v2_interaction,) = _notifications(second, "item/commandExecution/terminalInteraction")
    assert v2_interaction["turnId"] == typed_in
    assert {k: v for k, v in v2_interaction.items() if k not in ("threadId", "turnId")} == {
        "itemId": "c1",
        "processId": str(session_id),
        "stdin": "hello\n",
    }
    deltas = _notifications(second, "item/commandExecution/outputDelta")
    assert deltas and {d["turnId"] for d in deltas} == {started_in}
    (completed,) = [
        p
        for p in _notifications(second, "item/completed")
        if p["item"]["type"] == "commandExecution"
    ]
    assert completed["turnId"] == started_in
    assert completed["item"]["processId"] == str(session_id)
    assert completed["item"]["status"] == "completed"
    assert "got:hello" in completed["item"]["aggregatedOutput"]


def test_the_user_is_asked_before_the_begin_and_a_refusal_sends_nothing(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = _open(spawn, codex_home, workdir, mock_model, "untrusted")
    approved = session.turn([_exec("a1", "touch made.txt")], decisions=["approved"])
    assert _kinds(approved) == [
        "exec_approval_request",
        "execCommandApproval",
        "exec_command_begin",
        "exec_command_end",
    ]
    (asked,) = approved.events("exec_approval_request")
    assert asked["turn_id"] == _turn_id(approved)
    assert (workdir / "made.txt").exists()

    denied = session.turn([_exec("a2", "touch made2.txt")], decisions=["denied"])
    assert _kinds(denied) == ["exec_approval_request", "execCommandApproval"]
    assert denied.outputs["a2"] == REJECTED
    assert not (workdir / "made2.txt").exists()
    assert not [
        p
        for p in _notifications(denied, "item/started") + _notifications(denied, "item/completed")
        if p["item"]["type"] == "commandExecution"
    ]


def test_an_approval_for_the_session_covers_the_command_in_its_folder(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    (workdir / "sub").mkdir()
    session = _open(spawn, codex_home, workdir, mock_model, "untrusted")
    first = session.turn([_exec("a1", "touch made.txt")], decisions=["approved_for_session"])
    assert first.requests("execCommandApproval")
    # The same command again, and through a login shell: not asked (0.107.0).
    again = session.turn([_exec("a2", "touch made.txt"), _exec("a3", "touch made.txt", login=True)])
    assert not again.requests("execCommandApproval")
    assert [e["call_id"] for e in again.events("exec_command_end")] == ["a2", "a3"]
    # In another folder: asked.
    elsewhere = session.turn(
        [_exec("a4", "touch made.txt", workdir=str(workdir / "sub"))], decisions=["denied"]
    )
    assert [m["params"]["callId"] for m in elsewhere.requests("execCommandApproval")] == ["a4"]
    assert elsewhere.outputs["a4"] == REJECTED


def _v2_turn(client: DaemonClient, thread_id: str, decision: str) -> list[Message]:
    mark = client.mark()
    turn = client.call(
        "turn/start",
        {"threadId": thread_id, "input": [{"type": "text", "text": "go", "text_elements": []}]},
    )
    turn_id = turn["turn"]["id"]
    while True:
        message = client.wait_for(
            lambda m: (
                m.get("method") == APPROVAL
                or (m.get("method") == "turn/completed" and m["params"]["turn"]["id"] == turn_id)
            ),
            30,
            "an approval or turn/completed",
            mark,
        )
        mark = client.messages.index(message, mark) + 1
        if message["method"] == "turn/completed":
            time.sleep(0.2)
            return client.since(0)
        client.respond(message["id"], {"decision": decision})


def _after(messages: list[Message], method: str) -> list[str]:
    """The methods after the last ``method`` (the turn's approval request)."""
    index = max(i for i, m in enumerate(messages) if m.get("method") == method)
    return [m.get("method", "") for m in messages[index + 1 :]]


def test_v2_asks_before_the_item_starts_and_a_refusal_completes_it_declined(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    sh = login_shell()
    session = _open(spawn, codex_home, workdir, mock_model, "untrusted")
    client = session.client
    thread_id = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]

    mock_model.enqueue(*replies_for([_exec("a1", "touch made.txt")]))
    messages = _v2_turn(client, thread_id, "accept")
    commands = [
        m["method"]
        for m in messages
        if m.get("method") in (APPROVAL, "item/started", "item/completed")
        and m["params"].get("itemId", m["params"].get("item", {}).get("id")) == "a1"
    ]
    assert commands == [APPROVAL, "item/started", "item/completed"]
    (started,) = [
        m["params"]["item"]
        for m in messages
        if m.get("method") == "item/started" and m["params"]["item"]["id"] == "a1"
    ]
    assert started["processId"] is not None and started["processId"].isdigit()
    (done,) = [
        m["params"]["item"]
        for m in messages
        if m.get("method") == "item/completed" and m["params"]["item"]["id"] == "a1"
    ]
    # 0.107.0: a command that printed nothing has no output.
    assert done["aggregatedOutput"] is None and done["status"] == "completed"

    mark = client.mark()
    mock_model.enqueue(*replies_for([_exec("a2", "touch made2.txt")]))
    messages = _v2_turn(client, thread_id, "decline")[mark:]
    assert not (workdir / "made2.txt").exists()
    assert not [
        m
        for m in messages
        if m.get("method") == "item/started" and m["params"]["item"]["type"] == "commandExecution"
    ]
    after = _after(messages, APPROVAL)
    (declined,) = [
        m["params"]
        for m in messages
        if m.get("method") == "item/completed" and m["params"]["item"]["type"] == "commandExecution"
    ]
    assert declined["item"] == {
        "type": "commandExecution",
        "id": "a2",
        "command": f"{sh} -c 'touch made2.txt'",
        "cwd": str(workdir),
        "processId": None,
        "status": "declined",
        "commandActions": [{"type": "unknown", "command": "touch made2.txt"}],
        "aggregatedOutput": None,
        "exitCode": None,
        "durationMs": None,
    }
    assert after.index("serverRequest/resolved") < after.index("item/completed")
    assert mock_model.model_requests[-1].tool_outputs()["a2"] == REJECTED


def test_the_end_of_a_session_reports_what_it_printed_after_its_first_answer(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = _open(spawn, codex_home, workdir, mock_model, "never")
    first = session.turn([_exec("c1", "echo a; sleep 2; echo b; exit 4", yield_time_ms=1000)])
    assert first.outputs["c1"].endswith("Output:\na\n")
    session_id = _session_id(first.outputs["c1"])
    second = session.turn([_write("w1", session_id, yield_time_ms=5000)])
    (end,) = second.events("exec_command_end")
    # As 0.107.0: "a" was in the first answer, and is not in the end.
    assert (end["stdout"], end["aggregated_output"], end["formatted_output"]) == ("b\n",) * 3
    assert (end["exit_code"], end["status"]) == (4, "failed")


def test_a_session_that_ends_between_turns_sends_its_output_and_end(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = _open(spawn, codex_home, workdir, mock_model, "never")
    client = session.client
    first = session.turn([_exec("c1", "sleep 3; echo late", yield_time_ms=250)])
    turn_id = _turn_id(first)
    mark = client.mark()
    client.wait_for(
        lambda m: (
            m.get("method") == "item/completed"
            and m["params"]["item"]["type"] == "commandExecution"
        ),
        15,
        "the session's end",
        mark,
    )
    after = client.since(mark)
    (end,) = [
        m["params"]["msg"] for m in after if m.get("method") == "codex/event/exec_command_end"
    ]
    assert (end["call_id"], end["turn_id"], end["stdout"]) == ("c1", turn_id, "late\n")
    deltas = [m["params"] for m in after if m.get("method") == "item/commandExecution/outputDelta"]
    assert [(d["turnId"], d["itemId"], d["delta"]) for d in deltas] == [(turn_id, "c1", "late\n")]
    (completed,) = [m["params"] for m in after if m.get("method") == "item/completed"]
    assert completed["turnId"] == turn_id
    assert completed["item"]["status"] == "completed"
    assert completed["item"]["aggregatedOutput"] == "late\n"
