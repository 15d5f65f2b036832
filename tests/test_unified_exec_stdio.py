"""Unified exec (``exec_command``, ``write_stdin``) through the real daemon:
offered instead of ``shell`` when the ``unified_exec`` flag is on (0.107.0's
default), sessions reused by ID, PTY input, the sandbox and approvals."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.agent_session import TMP_NOT_WRITABLE, AgentSession, Spawn, open_session
from tests.mock_model_server import MockModelServer, function_call_item
from tests.sandbox_support import needs_sandbox

Json = dict[str, Any]
ANSWER = re.compile(
    r"Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds\n"
    r"(?:Process exited with code (?P<code>-?\d+)|Process running with session ID (?P<id>\d+))\n"
    r"Original token count: \d+\nOutput:\n(?P<output>.*)\Z",
    re.DOTALL,
)


def _exec(call_id: str, cmd: str, **arguments: Any) -> Json:
    return function_call_item("exec_command", {"cmd": cmd, "login": False, **arguments}, call_id)


def _write(call_id: str, session_id: int, chars: str = "", **arguments: Any) -> Json:
    args = {"session_id": session_id, "chars": chars, **arguments}
    return function_call_item("write_stdin", args, call_id)


def _parsed(output: str) -> re.Match[str]:
    match = ANSWER.match(output)
    assert match is not None, output
    return match


def _offered(session: AgentSession) -> list[str]:
    body = session.mock.model_requests[-1].body
    assert isinstance(body, dict)
    return [tool.get("name", tool.get("type")) for tool in body["tools"]]


def test_offered_by_default_and_shell_when_disabled(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(
        spawn, codex_home, workdir, mock_model, extra="[features]\nunified_exec = true\n"
    )
    session.turn([])
    offered = _offered(session)
    assert offered[:2] == ["exec_command", "write_stdin"] and "shell" not in offered
    session.client.kill()
    session = open_session(
        spawn, codex_home, workdir, mock_model, extra="[features]\nunified_exec = false\n"
    )
    session.turn([])
    offered = _offered(session)
    assert "shell" in offered and "exec_command" not in offered


def test_a_command_a_session_and_its_input(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(
        spawn, codex_home, workdir, mock_model, extra="[features]\nunified_exec = true\n"
    )
    result = session.turn(
        [
            _exec("c1", "echo hi; echo err >&2; exit 3"),
            _exec("c2", "read line; echo got:$line", tty=True, yield_time_ms=300),
        ]
    )
    first = _parsed(result.outputs["c1"])
    assert first["code"] == "3" and first["output"] == "hi\nerr\n"
    running = _parsed(result.outputs["c2"])
    assert running["id"] is not None and running["code"] is None
    session_id = int(running["id"])
    begins = [e["call_id"] for e in result.events("exec_command_begin")]
    assert begins == ["c1", "c2"]
    # The next turn types into the session, and the session ends.
    result = session.turn([_write("w1", session_id, "hello\n", yield_time_ms=5000)])
    answer = _parsed(result.outputs["w1"])
    assert answer["code"] == "0" and "got:hello" in answer["output"]
    assert [e["call_id"] for e in result.events("exec_command_end")] == ["c2"]
    result = session.turn([_write("w2", session_id)])
    assert result.outputs["w2"] == f"write_stdin failed: Unknown process id {session_id}"


def test_pipes_take_no_input_and_output_is_cut(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(
        spawn, codex_home, workdir, mock_model, extra="[features]\nunified_exec = true\n"
    )
    result = session.turn(
        [
            _exec("c1", "sleep 5", yield_time_ms=250),
            _exec("c2", "head -c 100000 /dev/zero | tr '\\0' a", max_output_tokens=10),
        ]
    )
    session_id = int(_parsed(result.outputs["c1"])["id"])
    cut = _parsed(result.outputs["c2"])
    # As 0.107.0: the line count, then 20 bytes each side of the estimated tokens cut.
    assert cut["output"] == (
        "Total output lines: 1\n\n" + "a" * 20 + "…24990 tokens truncated…" + "a" * 20
    )
    result = session.turn([_write("w1", session_id, "x")])
    assert "stdin is closed" in result.outputs["w1"]


def test_the_sandbox_roots_come_from_the_turn_not_the_workdir(
    spawn: Spawn, codex_home: Path, workdir: Path, tmp_path: Path, mock_model: MockModelServer
) -> None:
    needs_sandbox()
    outside = tmp_path / "outside"
    outside.mkdir()
    session = open_session(
        spawn,
        codex_home,
        workdir,
        mock_model,
        sandbox="workspace-write",
        extra=TMP_NOT_WRITABLE + "[features]\nunified_exec = true\n",
    )
    result = session.turn(
        [
            _exec("c1", "touch inside.txt"),
            _exec("c2", "touch here.txt", workdir=str(outside)),
        ]
    )
    assert (workdir / "inside.txt").exists()
    assert not (outside / "here.txt").exists()
    assert _parsed(result.outputs["c1"])["code"] == "0"
    assert _parsed(result.outputs["c2"])["code"] != "0"


def test_approval_is_asked_and_a_denial_runs_nothing(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(
        spawn,
        codex_home,
        workdir,
        mock_model,
        approval="untrusted",
        extra="[features]\nunified_exec = true\n",
    )
    result = session.turn([_exec("c1", "touch made.txt")], decisions=["denied"])
    assert result.requests("execCommandApproval")
    assert not (workdir / "made.txt").exists()
    # (0.107.0's words: a debug print of its error)
    assert result.outputs["c1"] == (
        'exec_command failed: CreateProcess { message: "Rejected(\\"rejected by user\\")" }'
    )
    assert not result.events("exec_command_begin") and not result.events("exec_command_end")


def test_the_freeform_apply_patch_flag(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(
        spawn, codex_home, workdir, mock_model, extra="[features]\napply_patch_freeform = true\n"
    )
    session.turn([])
    body = session.mock.model_requests[-1].body
    assert isinstance(body, dict)
    patch = [tool for tool in body["tools"] if tool.get("name") == "apply_patch"]
    assert [tool["type"] for tool in patch] == ["custom"]
