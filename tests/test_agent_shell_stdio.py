"""The shell and apply_patch tools through the real daemon: what runs, what
the sandbox refuses, process trees stopped by timeouts, interrupts and
shutdown, and patches that add, update, move and delete files."""

from __future__ import annotations

import base64
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.agent_session import TMP_NOT_WRITABLE, Spawn, open_session, replies_for
from tests.agent_tool_scenarios import freeform_patch, shell
from tests.mock_model_server import (
    MockModelServer,
    function_call_item,
    local_shell_call_item,
)
from tests.sandbox_support import needs_sandbox


def _output(result_output: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(result_output)
    return parsed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie waiting for its parent is gone for our purpose
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _wait_gone(pids: list[int], timeout: float = 5.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if _alive(pid)]
        if not alive:
            return []
        time.sleep(0.05)
    return [pid for pid in pids if _alive(pid)]


def _read_pids(path: Path, count: int, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            pids = [int(p) for p in path.read_text().split()]
            if len(pids) >= count:
                return pids
        time.sleep(0.05)
    raise AssertionError(f"{path} did not get {count} pids")


#: Starts a background child, records both pids, then waits.
TREE = "sleep 60 & echo $$ $! > pids.txt; echo started; wait"


def test_a_command_runs_with_its_events(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(spawn, codex_home, workdir, mock_model)
    (workdir / "sub").mkdir()
    result = session.turn(
        [shell("c1", ["bash", "-c", "pwd; echo oops >&2; exit 3"], workdir="sub")]
    )
    (begin,) = result.events("exec_command_begin")
    parsed = [{"type": "unknown", "cmd": "pwd; echo oops >&2; exit 3"}]
    (started,) = result.events("task_started")
    assert begin == {
        "type": "exec_command_begin",
        "call_id": "c1",
        "turn_id": started["turn_id"],
        "command": ["bash", "-c", "pwd; echo oops >&2; exit 3"],
        "cwd": str(workdir / "sub"),
        # A script that is more than plain commands is shown as itself (0.107)
        "parsed_cmd": parsed,
        "source": "agent",
    }
    deltas = result.events("exec_command_output_delta")
    streamed = {
        stream: b"".join(base64.b64decode(d["chunk"]) for d in deltas if d["stream"] == stream)
        for stream in ("stdout", "stderr")
    }
    assert streamed == {"stdout": f"{workdir / 'sub'}\n".encode(), "stderr": b"oops\n"}
    (end,) = result.events("exec_command_end")
    assert list(end) == [
        "type",
        "call_id",
        "turn_id",
        "command",
        "cwd",
        "parsed_cmd",
        "source",
        "stdout",
        "stderr",
        "aggregated_output",
        "exit_code",
        "duration",
        "formatted_output",
        "status",
    ]
    assert (end["turn_id"], end["parsed_cmd"], end["status"]) == (
        started["turn_id"],
        parsed,
        "failed",
    )
    assert (end["stdout"], end["stderr"], end["exit_code"]) == (f"{workdir / 'sub'}\n", "oops\n", 3)
    assert set(end["duration"]) == {"secs", "nanos"}
    output = _output(result.outputs["c1"])
    assert output["output"] == end["formatted_output"] == end["aggregated_output"]
    assert output["metadata"]["exit_code"] == 3


def test_the_providers_local_shell_call_runs_too(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(spawn, codex_home, workdir, mock_model)
    result = session.turn([local_shell_call_item(["echo", "local"], call_id="c1")])
    assert _output(result.outputs["c1"])["output"] == "local\n"
    assert result.events("exec_command_begin")[0]["command"] == ["echo", "local"]


def test_bad_arguments_are_reported_to_the_model(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(spawn, codex_home, workdir, mock_model)
    result = session.turn(
        [
            function_call_item("shell", {"command": "ls"}, "c1"),
            function_call_item("shell", "{not json", "c2"),
            function_call_item("shell", {"workdir": "x"}, "c3"),
            shell("c4", []),
            shell("c5", ["no-such-program-here"]),
        ]
    )
    assert result.outputs["c1"].startswith("failed to parse function arguments: ")
    assert result.outputs["c2"].startswith("failed to parse function arguments: invalid JSON")
    assert result.outputs["c3"] == "failed to parse function arguments: missing field `command`"
    assert result.outputs["c4"] == "command args are empty"
    assert result.outputs["c5"].startswith("execution error: Io(Os { code: 2, kind: NotFound")
    ends = {e["call_id"]: e for e in result.events("exec_command_end")}
    assert set(ends) == {"c4", "c5"}
    assert ends["c5"]["exit_code"] == -1 and ends["c5"]["duration"] == {"secs": 0, "nanos": 0}


def test_calls_made_together_run_in_order(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(spawn, codex_home, workdir, mock_model)
    result = session.turn(
        [
            shell("c1", ["bash", "-c", "sleep 0.3; echo one >> log.txt"]),
            shell("c2", ["bash", "-c", "echo two >> log.txt"]),
        ]
    )
    assert (workdir / "log.txt").read_text() == "one\ntwo\n"
    order = [
        (m["params"]["msg"]["type"], m["params"]["msg"]["call_id"])
        for m in result.messages
        if m.get("method") in ("codex/event/exec_command_begin", "codex/event/exec_command_end")
    ]
    assert order == [
        ("exec_command_begin", "c1"),
        ("exec_command_end", "c1"),
        ("exec_command_begin", "c2"),
        ("exec_command_end", "c2"),
    ]


# -- process trees ----------------------------------------------------------------------


def test_a_timeout_kills_the_whole_process_tree(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(spawn, codex_home, workdir, mock_model)
    started = time.monotonic()
    result = session.turn([shell("c1", ["bash", "-c", TREE], timeout_ms=1000)])
    assert time.monotonic() - started < 20
    shell_pid, child_pid = _read_pids(workdir / "pids.txt", 2)
    assert _wait_gone([shell_pid, child_pid]) == []
    (end,) = result.events("exec_command_end")
    assert end["exit_code"] == 124
    assert end["formatted_output"].startswith("command timed out after ")
    output = _output(result.outputs["c1"])
    assert output["metadata"]["exit_code"] == 124
    assert output["output"].endswith("started\n")


def test_an_interrupt_kills_the_running_command(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(spawn, codex_home, workdir, mock_model)
    client = session.client
    mock_model.enqueue(*replies_for([shell("c1", ["bash", "-c", TREE], timeout_ms=60_000)]))
    start = client.mark()
    session.send("go")
    client.wait_event("exec_command_output_delta", start=start)
    pids = _read_pids(workdir / "pids.txt", 2)
    reply = client.call("interruptConversation", {"conversationId": session.cid})
    assert reply == {"abortReason": "interrupted"}
    client.wait_event("turn_aborted", start=start)
    assert _wait_gone(pids) == []
    # the model reads "aborted" for the call at the next turn
    session.mock.enqueue(*replies_for([]))
    session.send("again")
    client.wait_event("task_complete", start=start)
    assert session.mock.last_model_request.tool_outputs() == {"c1": "aborted"}


def test_shutdown_kills_the_running_command(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(spawn, codex_home, workdir, mock_model)
    client = session.client
    mock_model.enqueue(*replies_for([shell("c1", ["bash", "-c", TREE], timeout_ms=60_000)]))
    start = client.mark()
    session.send("go")
    client.wait_event("exec_command_output_delta", start=start)
    pids = _read_pids(workdir / "pids.txt", 2)
    client.close_stdin()
    assert client.wait_exit(10) == 0
    assert _wait_gone(pids) == []


# -- sandbox ---------------------------------------------------------------------------


def test_workspace_write_refuses_writes_outside_the_writable_roots(
    spawn: Spawn, codex_home: Path, workdir: Path, tmp_path: Path, mock_model: MockModelServer
) -> None:
    needs_sandbox()
    outside = tmp_path / "outside"
    outside.mkdir()
    session = open_session(
        spawn, codex_home, workdir, mock_model, sandbox="workspace-write", extra=TMP_NOT_WRITABLE
    )
    result = session.turn(
        [
            shell("c1", ["touch", "inside.txt"]),
            shell("c2", ["touch", str(outside / "outside.txt")]),
            shell("c3", ["bash", "-c", f"echo x > {codex_home}/config.toml"]),
        ]
    )
    assert (workdir / "inside.txt").exists()
    assert not (outside / "outside.txt").exists()
    assert "model_provider" in (codex_home / "config.toml").read_text()
    assert _output(result.outputs["c1"])["metadata"]["exit_code"] == 0
    for call in ("c2", "c3"):
        assert result.outputs[call].startswith("failed in sandbox")


@pytest.mark.parametrize("approval", ["never", "on-request"])
def test_a_workdir_outside_the_workspace_does_not_make_it_writable(
    approval: str,
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    tmp_path: Path,
    mock_model: MockModelServer,
) -> None:
    """The writable roots come from the turn's folder, not from the folder the
    model asks a command to run in: that one is readable, not writable."""
    needs_sandbox()
    outside = tmp_path / "outside"
    outside.mkdir()
    session = open_session(
        spawn,
        codex_home,
        workdir,
        mock_model,
        approval=approval,
        sandbox="workspace-write",
        extra=TMP_NOT_WRITABLE,
    )
    result = session.turn(
        [
            shell("c1", ["bash", "-c", "echo x >> ../outside.txt"]),
            shell("c2", ["bash", "-c", "echo x >> here.txt"], workdir=str(outside)),
            shell("c3", ["bash", "-c", "echo x >> outside/here.txt"], workdir=".."),
            shell("c4", ["pwd"], workdir=str(outside)),
            shell("c5", ["bash", "-c", "echo x >> inside.txt"]),
        ]
    )
    assert result.requests() == []
    assert not (tmp_path / "outside.txt").exists()
    assert list(outside.iterdir()) == []
    for call in ("c1", "c2", "c3"):
        assert result.outputs[call].startswith("failed in sandbox"), result.outputs[call]
    assert _output(result.outputs["c4"])["output"] == f"{outside}\n"
    assert (workdir / "inside.txt").read_text() == "x\n"


@pytest.mark.parametrize(
    ("approval", "expected"),
    [
        ("never", "patch rejected: writing outside of the project"),
        ("on-request", "patch rejected by user"),
    ],
)
def test_a_patch_run_from_a_workdir_outside_the_workspace_needs_approval(
    approval: str,
    expected: str,
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    tmp_path: Path,
    mock_model: MockModelServer,
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    session = open_session(
        spawn,
        codex_home,
        workdir,
        mock_model,
        approval=approval,
        sandbox="workspace-write",
        extra=TMP_NOT_WRITABLE,
    )
    patch = "*** Begin Patch\n*** Add File: planted.txt\n+x\n*** End Patch"
    result = session.turn([shell("c1", ["apply_patch", patch], workdir=str(outside))])
    asked = [m["method"] for m in result.requests()]
    assert asked == ([] if approval == "never" else ["applyPatchApproval"])
    assert result.outputs["c1"].startswith(expected), result.outputs["c1"]
    assert not (outside / "planted.txt").exists()


def test_read_only_refuses_every_write(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    needs_sandbox()
    session = open_session(spawn, codex_home, workdir, mock_model, sandbox="read-only")
    result = session.turn([shell("c1", ["touch", "inside.txt"]), shell("c2", ["ls"])])
    assert not (workdir / "inside.txt").exists()
    assert result.outputs["c1"].startswith("failed in sandbox")
    assert _output(result.outputs["c2"])["metadata"]["exit_code"] == 0


#: Connects to the mock model server's port; prints what happened.
CONNECT = (
    "import socket, sys\n"
    "try:\n"
    "    socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5).close()\n"
    "    print('connected')\n"
    "except OSError as exc:\n"
    "    print('refused', exc)\n"
)


@pytest.mark.parametrize(
    ("sandbox", "extra", "expected"),
    [
        ("workspace-write", "", "refused"),
        ("workspace-write", "[sandbox_workspace_write]\nnetwork_access = true\n", "connected"),
        ("danger-full-access", "", "connected"),
    ],
)
def test_network_access_follows_the_sandbox_policy(
    sandbox: str,
    extra: str,
    expected: str,
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    mock_model: MockModelServer,
) -> None:
    if sandbox != "danger-full-access":
        needs_sandbox()
    session = open_session(spawn, codex_home, workdir, mock_model, sandbox=sandbox, extra=extra)
    result = session.turn(
        [shell("c1", ["python3", "-c", CONNECT, str(mock_model.port)], timeout_ms=20_000)]
    )
    assert _output(result.outputs["c1"])["output"].split()[0] == expected


# -- patches ---------------------------------------------------------------------------

SEED = {"keep.txt": "one\ntwo\nthree\n", "old/name.txt": "moving\n", "gone.txt": "bye\n"}
PATCH = (
    "*** Begin Patch\n"
    "*** Add File: new/added.txt\n+added\n"
    "*** Update File: keep.txt\n@@\n one\n-two\n+TWO\n three\n"
    "*** Update File: old/name.txt\n*** Move to: moved/name.txt\n@@\n-moving\n+moved\n"
    "*** Delete File: gone.txt\n"
    "*** End Patch"
)
AFTER = {"keep.txt": "one\nTWO\nthree\n", "moved/name.txt": "moved\n", "new/added.txt": "added\n"}


def _seed(work: Path) -> None:
    for name, content in SEED.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(content)


def _tree(work: Path) -> dict[str, str]:
    return {str(p.relative_to(work)): p.read_text() for p in sorted(work.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("route", ["freeform", "function", "shell", "heredoc"])
def test_patches_add_update_move_and_delete(
    route: str, spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    _seed(workdir)
    # A function call of apply_patch is answered even when the tool is not offered.
    include = route != "function"
    session = open_session(spawn, codex_home, workdir, mock_model, include_apply_patch_tool=include)
    call = {
        "freeform": freeform_patch("c1", PATCH),
        "function": function_call_item("apply_patch", {"input": PATCH}, "c1"),
        "shell": shell("c1", ["apply_patch", PATCH]),
        "heredoc": shell("c1", ["bash", "-lc", f"apply_patch <<'EOF'\n{PATCH}\nEOF\n"]),
    }[route]
    result = session.turn([call])
    assert _tree(workdir) == AFTER
    (end,) = result.events("patch_apply_end")
    summary = (
        "Success. Updated the following files:\nA new/added.txt\nM keep.txt\n"
        "M moved/name.txt\nD gone.txt\n"
    )
    (begin,) = result.events("patch_apply_begin")
    assert end == {
        "type": "patch_apply_end",
        "call_id": "c1",
        "turn_id": begin["turn_id"],
        "stdout": summary,
        "stderr": "",
        "success": True,
        "changes": begin["changes"],
        "status": "completed",
    }
    assert begin["changes"][str(workdir / "gone.txt")] == {"type": "delete", "content": "bye\n"}
    if route != "function":
        # Offered the free-form apply_patch tool, the model reads every patch
        # result as text (the rollout keeps the JSON).
        # The wall time is whatever the patch took (0 unless the machine is busy).
        output = re.sub(r"Wall time: [0-9.]+ seconds", "Wall time: 0 seconds", result.outputs["c1"])
        assert output == f"Exit code: 0\nWall time: 0 seconds\nOutput:\n{summary}"
    else:
        assert _output(result.outputs["c1"])["output"] == summary
    (begin,) = result.events("patch_apply_begin")
    assert begin["changes"][str(workdir / "old/name.txt")]["move_path"] == str(
        workdir / "moved/name.txt"
    )
    diff = result.events("turn_diff")[-1]["unified_diff"]
    assert "+++ b/" + str(workdir / "moved/name.txt") in diff
    assert "deleted file mode 100644" in diff


def test_a_patch_that_fails_midway_changes_nothing(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    _seed(workdir)
    (workdir / "blocker").write_text("a file, not a folder\n")
    before = _tree(workdir)
    session = open_session(spawn, codex_home, workdir, mock_model)
    failing_write = PATCH.replace(
        "*** Delete File: gone.txt\n",
        "*** Delete File: gone.txt\n*** Add File: blocker/x.txt\n+x\n",
    )
    not_applying = PATCH.replace("-moving\n", "-not there\n")
    result = session.turn(
        [shell("c1", ["apply_patch", failing_write]), shell("c2", ["apply_patch", not_applying])]
    )
    assert _tree(workdir) == before
    (end,) = result.events("patch_apply_end")
    assert end["call_id"] == "c1" and end["success"] is False
    assert "blocker/x.txt" in end["stderr"]
    assert _output(result.outputs["c1"])["metadata"]["exit_code"] == 1
    assert result.outputs["c2"].startswith(
        f"apply_patch verification failed: Failed to find expected lines in {workdir}/old/name.txt"
    )
    assert result.events("turn_diff") == []


def test_apply_patch_is_offered_as_the_reference_offers_it(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    cases = [
        ("mock-model", False, None),
        ("mock-model", True, "custom"),
        ("gpt-oss-20b", False, "custom"),
        ("gpt-5.1-codex", False, "custom"),
        ("gpt-5", False, None),
    ]
    for model, include, kind in cases:
        session = open_session(
            spawn, codex_home, workdir, mock_model, include_apply_patch_tool=include, model=model
        )
        session.turn([])
        tools = session.mock.last_model_request.body["tools"]
        patch_tools = [t for t in tools if t.get("name") == "apply_patch"]
        assert [t["type"] for t in patch_tools] == ([kind] if kind else [])
        # (unified exec, on by default in 0.107.0, comes first in place of `shell`)
        assert tools[0]["name"] == "exec_command"
        session.client.kill()


def test_shell_calls_over_chat_completions(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    from tests.mock_model_server import (
        ChatToolCall,
        chat_message,
        chat_tool_calls,
        write_mock_config,
    )

    session = open_session(spawn, codex_home, workdir, mock_model)
    write_mock_config(codex_home, mock_model, wire_api="chat")
    # the wire API is read when the conversation starts: open another one
    cid = session.client.call("newConversation", {"cwd": str(workdir)})["conversationId"]
    session.client.call("addConversationListener", {"conversationId": cid})
    mock_model.enqueue(
        chat_tool_calls(ChatToolCall("shell", {"command": ["echo", "chat"]}, call_id="c1")),
        chat_message("done"),
    )
    start = session.client.mark()
    session.client.call(
        "sendUserMessage",
        {"conversationId": cid, "items": [{"type": "text", "data": {"text": "go"}}]},
    )
    session.client.wait_event("task_complete", conversation_id=cid, start=start)
    outputs = mock_model.last_model_request.tool_outputs()
    assert _output(outputs["c1"])["output"] == "chat\n"
    tools = mock_model.model_requests[-2].body["tools"]
    # `shell` is answered though unified exec's tools are the ones offered
    assert tools[0]["function"]["name"] == "exec_command"


def test_without_a_working_sandbox_nothing_runs(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    from tests.mock_model_server import write_mock_config

    write_mock_config(codex_home, mock_model, sandbox_mode="workspace-write")
    client = spawn(cwd=workdir, env={"CODEX_APP_SERVER_BWRAP": "/bin/false"})
    cid = client.call("newConversation", {"cwd": str(workdir)})["conversationId"]
    client.call("addConversationListener", {"conversationId": cid})
    mock_model.enqueue(*replies_for([shell("c1", ["touch", "made.txt"])]))
    start = client.mark()
    client.call(
        "sendUserMessage",
        {"conversationId": cid, "items": [{"type": "text", "data": {"text": "go"}}]},
    )
    end = client.wait_event("exec_command_end", start=start)["params"]["msg"]
    client.wait_event("task_complete", start=start)
    assert not (workdir / "made.txt").exists()
    assert end["exit_code"] == -1
    assert end["stderr"].startswith("sandbox unavailable: bubblewrap cannot create a sandbox")
    assert mock_model.last_model_request.tool_outputs()["c1"] == end["stderr"]
