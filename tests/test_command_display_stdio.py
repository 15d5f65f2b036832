"""How commands are shown, through the real daemon: what 0.107.0 sent for the
same model calls (observed on the binary with the conformance mock model).

- v2 ``commandExecution`` items and ``item/commandExecution/requestApproval``
  show the argv run, shell-quoted (``/bin/bash -lc 'ls -la'``), never the
  bare script; a word with a NUL makes it ``<command included NUL byte>``.
- v1 events and ``execCommandApproval`` carry the argv; for ``shell_command``
  it is the user's login shell (by path) with ``-lc`` (``-c`` when
  ``login`` is false) and the script.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.agent_session import TMP_NOT_WRITABLE, open_session, replies_for
from tests.agent_tool_scenarios import shell
from tests.harness.stdio import DaemonClient, Message
from tests.login_shell import login_shell
from tests.mock_model_server import MockModelServer, function_call_item, write_mock_config
from tests.sandbox_support import needs_sandbox

Spawn = Callable[..., DaemonClient]
Json = dict[str, Any]

APPROVAL = "item/commandExecution/requestApproval"
QUOTED_SCRIPT = "echo \"it's here\" 'x y' > quoted.txt"
TRICKY_WORDS = ["-c", "a b", "it's", "$x", "ü", ""]


def _shell_command(call_id: str, script: str, **arguments: Any) -> Json:
    return function_call_item("shell_command", {"command": script, **arguments}, call_id)


def _by_call(messages: list[Message], method: str) -> dict[str, Json]:
    """The command items (or approval requests) of ``method``, by call id."""
    found: dict[str, Json] = {}
    for message in messages:
        if message.get("method") != method:
            continue
        params = message["params"]
        if method == APPROVAL:
            found[params["itemId"]] = params
        elif params["item"]["type"] == "commandExecution":
            found[params["item"]["id"]] = params["item"]
    return found


def test_v2_items_and_approvals_show_the_argv_run(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    sh = login_shell()
    mock_model.enqueue(
        *replies_for(
            [
                shell("bash-lc", ["bash", "-lc", "echo hi > lc.txt"]),
                shell("argv", ["touch", *TRICKY_WORDS]),
                _shell_command("script", QUOTED_SCRIPT),
                _shell_command("no-login", "echo nl > nl.txt", login=False),
                shell("nul", ["touch", "a\0b"]),
                _shell_command("safe", "ls -la"),
            ]
        )
    )
    write_mock_config(codex_home, mock_model, approval_policy="untrusted")
    client = spawn()
    thread_id = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    messages = client.run_v2_turn_answering(thread_id, "accept")

    shown = {
        "bash-lc": "bash -lc 'echo hi > lc.txt'",
        "argv": "touch -c 'a b' \"it's\" '$x' 'ü' ''",
        "script": f'{sh} -lc "echo \\"it\'s here\\" \'x y\' > quoted.txt"',
        "no-login": f"{sh} -c 'echo nl > nl.txt'",
        "nul": "<command included NUL byte>",
        "safe": f"{sh} -lc 'ls -la'",
    }
    started = _by_call(messages, "item/started")
    completed = _by_call(messages, "item/completed")
    assert {k: v["command"] for k, v in started.items()} == shown
    assert {k: v["command"] for k, v in completed.items()} == shown
    approvals = _by_call(messages, APPROVAL)
    # `ls -la` through the login shell is known safe: it is not asked about.
    assert {k: v["command"] for k, v in approvals.items()} == {
        k: v for k, v in shown.items() if k != "safe"
    }
    # The actions are still the script's.
    assert started["script"]["commandActions"] == [{"type": "unknown", "command": QUOTED_SCRIPT}]
    assert started["safe"]["commandActions"] == [
        {"type": "listFiles", "command": "ls -la", "path": None}
    ]
    assert approvals["argv"]["commandActions"] == [{"type": "unknown", "command": shown["argv"]}]
    assert (completed["nul"]["status"], completed["nul"]["aggregatedOutput"]) == (
        "failed",
        "execution error: Io(Error { kind: InvalidInput, "
        'message: "nul byte found in provided data" })',
    )
    assert (workdir / "quoted.txt").read_text() == "it's here x y\n"
    assert (workdir / "nl.txt").read_text() == "nl\n"
    # v1 events beside them carry the argv.
    begins = {
        m["params"]["msg"]["call_id"]: m["params"]["msg"]["command"]
        for m in messages
        if m.get("method") == "codex/event/exec_command_begin"
    }
    assert begins["script"] == [sh, "-lc", QUOTED_SCRIPT]
    assert begins["no-login"] == [sh, "-c", "echo nl > nl.txt"]
    assert begins["argv"] == ["touch", *TRICKY_WORDS]


def test_v1_events_and_approvals_carry_the_argv_run(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    sh = login_shell()
    session = open_session(spawn, codex_home, workdir, mock_model, approval="untrusted")
    result = session.turn(
        [
            _shell_command("script", QUOTED_SCRIPT),
            shell("argv", ["touch", *TRICKY_WORDS]),
            _shell_command("safe", "ls -la"),
        ],
        decisions=["approved", "approved"],
    )
    requests = {r["params"]["callId"]: r["params"] for r in result.requests("execCommandApproval")}
    assert {k: v["command"] for k, v in requests.items()} == {
        "script": [sh, "-lc", QUOTED_SCRIPT],
        "argv": ["touch", *TRICKY_WORDS],
    }
    assert requests["script"]["parsedCmd"] == [{"type": "unknown", "cmd": QUOTED_SCRIPT}]
    asked = {e["call_id"]: e["command"] for e in result.events("exec_approval_request")}
    begun = {e["call_id"]: e["command"] for e in result.events("exec_command_begin")}
    ended = {e["call_id"]: e["command"] for e in result.events("exec_command_end")}
    assert asked == {k: v["command"] for k, v in requests.items()}
    assert begun == ended == {**asked, "safe": [sh, "-lc", "ls -la"]}
    (safe,) = [e for e in result.events("exec_command_begin") if e["call_id"] == "safe"]
    assert safe["parsed_cmd"] == [{"type": "list_files", "cmd": "ls -la", "path": None}]


def test_shell_command_runs_its_login_shell_inside_the_sandbox(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer, tmp_path: Path
) -> None:
    needs_sandbox()
    sh = login_shell()
    outside = tmp_path / "outside"
    outside.mkdir()
    session = open_session(
        spawn, codex_home, workdir, mock_model, sandbox="workspace-write", extra=TMP_NOT_WRITABLE
    )
    result = session.turn(
        [
            _shell_command("inside", "echo in > inside.txt"),
            _shell_command("outside", f"echo out > {outside}/outside.txt"),
        ]
    )
    begun = {e["call_id"]: e["command"] for e in result.events("exec_command_begin")}
    assert begun == {
        "inside": [sh, "-lc", "echo in > inside.txt"],
        "outside": [sh, "-lc", f"echo out > {outside}/outside.txt"],
    }
    assert (workdir / "inside.txt").read_text() == "in\n"
    assert not (outside / "outside.txt").exists()


def test_an_approval_for_the_session_covers_the_command_through_any_shell(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    (workdir / "sub").mkdir()
    both = "touch x2.txt && touch x3.txt"
    calls = [
        shell("c0", ["bash", "-lc", "touch x1.txt"]),
        _shell_command("c1", "touch x1.txt"),
        shell("c2", ["/bin/bash", "-c", "touch  'x1.txt'"]),
        shell("c3", ["touch", "x1.txt"]),
        shell("c4", ["bash", "-lc", both]),
        _shell_command("c5", both),
        shell("c6", ["zsh", "-lc", both]),
        shell("c7", ["bash", "-c", both]),
        shell("c8", ["touch", "x1.txt"], workdir="sub"),
    ]
    for call in calls:
        mock_model.enqueue(*replies_for([call]))
    write_mock_config(codex_home, mock_model, approval_policy="untrusted")
    client = spawn()
    thread_id = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    asked: list[str] = []
    for _ in calls:
        messages = client.run_v2_turn_answering(thread_id, "acceptForSession")
        asked += [m["params"]["itemId"] for m in messages if m.get("method") == APPROVAL]
    # As 0.107.0 asked: a lone plain command is itself whatever shell runs it;
    # a longer script is its text and flag; the folder counts.
    assert asked == ["c0", "c4", "c7", "c8"]
