"""Nothing the daemon starts outlives it, however it ends (SIGTERM, SIGHUP,
Ctrl-C, kill -9, end of input, stdout closed), and Ctrl-C ends it quietly.

Each test starts a real daemon whose mock model runs a long command, under
``danger-full-access`` or inside the bubblewrap sandbox, stops the daemon,
and checks that every process it had started is gone within seconds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.agent_session import Spawn, open_session, replies_for
from tests.agent_tool_scenarios import shell
from tests.harness.stdio import OFFLINE_ENV, DaemonClient
from tests.mock_model_server import MockModelServer, write_mock_config
from tests.sandbox_support import needs_sandbox

#: A long command whose output says it has started.
LONG = ["bash", "-c", "echo started; exec sleep 30"]
#: A process tree: a background child and the shell waiting for it.
TREE = ["bash", "-c", "sleep 30 & echo started; wait"]


def _stat(pid: int) -> tuple[str, int, str] | None:
    """(name, parent pid, state) of a process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    state, parent = text[text.rindex(")") + 2 :].split()[:2]
    return name, int(parent), state


def descendants(root: int) -> dict[int, str]:
    """The processes under ``root`` (pid -> name)."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            names[int(entry)] = stat[0]
            children.setdefault(stat[1], []).append(int(entry))
    found: dict[int, str] = {}
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found[pid] = names[pid]
        todo += children.get(pid, [])
    return found


def alive(pids: list[int]) -> list[int]:
    """Those of ``pids`` still running (a zombie has ended)."""
    return [pid for pid in pids if (stat := _stat(pid)) is not None and stat[2] != "Z"]


def wait_gone(pids: list[int], timeout: float = 6.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive(pids)


def start_long_command(
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    mock_model: MockModelServer,
    sandbox: str,
    command: list[str],
) -> tuple[DaemonClient, list[int]]:
    """A daemon running ``command`` for the model; the processes it started
    (the sleeps among them)."""
    if sandbox != "danger-full-access":
        needs_sandbox()
    session = open_session(
        spawn, codex_home, workdir, mock_model, sandbox=sandbox, approval="never"
    )
    client = session.client
    mock_model.enqueue(*replies_for([shell("c1", command, timeout_ms=60_000)]))
    start = client.mark()
    session.send("go")
    client.wait_event("exec_command_output_delta", start=start)
    deadline = time.monotonic() + 10
    while "sleep" not in (children := descendants(client.proc.pid)).values():
        assert time.monotonic() < deadline, children
        time.sleep(0.02)
    return client, list(children)


SANDBOXES = [
    pytest.param("danger-full-access", id="unsandboxed"),
    pytest.param("workspace-write", id="sandboxed"),
]


@pytest.mark.parametrize("sandbox", SANDBOXES)
@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stop_signal_ends_every_process_the_daemon_started(
    signal_number: signal.Signals,
    sandbox: str,
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    mock_model: MockModelServer,
) -> None:
    client, children = start_long_command(spawn, codex_home, workdir, mock_model, sandbox, TREE)
    client.proc.send_signal(signal_number)
    # The daemon dies of the signal, as the reference does (exit status -N).
    assert client.wait_exit(10) == -signal_number
    assert wait_gone(children) == []
    stderr = client.stderr_text()
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_a_killed_daemon_takes_its_commands_with_it(
    sandbox: str,
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    mock_model: MockModelServer,
) -> None:
    """kill -9 leaves the daemon no chance: the command dies of its parent's
    death (a process the command itself forks does not, unless sandboxed)."""
    client, children = start_long_command(spawn, codex_home, workdir, mock_model, sandbox, LONG)
    client.proc.kill()
    assert client.wait_exit(10) == -signal.SIGKILL
    assert wait_gone(children) == []


def test_closing_stdout_ends_every_process_the_daemon_started(
    codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    """The client stops reading: the daemon finds out at its next write."""
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(*replies_for([shell("c1", TREE, timeout_ms=60_000)]))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEX_", "OPENAI_"))}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "app_server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=workdir,
        env={**env, **OFFLINE_ENV, "CODEX_HOME": str(codex_home)},
    )
    assert daemon.stdin is not None and daemon.stdout is not None
    try:
        lines = iter(daemon.stdout)

        def request(rid: int, method: str, params: dict[str, Any]) -> dict[str, Any]:
            assert daemon.stdin is not None
            daemon.stdin.write(json.dumps({"id": rid, "method": method, "params": params}).encode())
            daemon.stdin.write(b"\n")
            daemon.stdin.flush()
            while True:
                message: dict[str, Any] = json.loads(next(lines))
                if message.get("id") == rid and "method" not in message:
                    return message

        request(1, "initialize", {"clientInfo": {"name": "t", "title": None, "version": "1"}})
        cid = request(2, "newConversation", {"cwd": str(workdir)})["result"]["conversationId"]
        request(3, "addConversationListener", {"conversationId": cid})
        text = {"type": "text", "data": {"text": "go"}}
        request(4, "sendUserMessage", {"conversationId": cid, "items": [text]})
        while "exec_command_output_delta" not in next(lines).decode():
            pass
        deadline = time.monotonic() + 10
        while "sleep" not in (children := descendants(daemon.pid)).values():
            assert time.monotonic() < deadline, children
            time.sleep(0.02)
        daemon.stdout.close()
        daemon.stdin.write(b'{"id": 5, "method": "noSuchMethod"}\n')
        daemon.stdin.flush()
        assert daemon.wait(10) == 0
        assert wait_gone(list(children)) == []
    finally:
        daemon.kill()
        daemon.wait(10)


def test_ctrl_c_before_the_server_is_loaded_is_quiet(codex_home: Path, workdir: Path) -> None:
    client = DaemonClient(codex_home, cwd=workdir)
    try:
        client.initialize()
        client.proc.send_signal(signal.SIGINT)
        assert client.wait_exit(10) == -signal.SIGINT
        assert "Traceback" not in client.stderr_text()
    finally:
        client.kill()


def test_an_ignored_sighup_stays_ignored(codex_home: Path, workdir: Path) -> None:
    """As under ``nohup``: the daemon keeps serving."""
    client = DaemonClient(
        codex_home,
        cwd=workdir,
        command=[
            "python3",
            "-c",
            "import os, signal, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); "
            "os.execv(sys.argv[1], sys.argv[1:])",
            sys.executable,
            "-m",
            "app_server",
        ],
    )
    try:
        client.initialize()
        client.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert client.call("listConversations", {}) == {"items": [], "nextCursor": None}
    finally:
        client.kill()


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGKILL])
def test_mcp_servers_end_with_the_daemon(
    signal_number: signal.Signals,
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    mock_model: MockModelServer,
) -> None:
    """Even a server that does not stop when its input ends (here: one that
    goes on sleeping once the real server has exited)."""
    from tests.mcp_support import SERVER_SCRIPT, server_table

    script = f"{sys.executable} {SERVER_SCRIPT} --tools echo; exec sleep 30"
    extra = server_table("test", command="bash", args=["-c", script])
    write_mock_config(codex_home, mock_model, extra=extra)
    client = spawn()
    client.call("newConversation", {"cwd": str(workdir)}, timeout=60)
    servers = list(descendants(client.proc.pid))
    assert len(servers) == 2
    client.proc.send_signal(signal_number)
    assert client.wait_exit(10) == -signal_number
    assert wait_gone(servers) == []
