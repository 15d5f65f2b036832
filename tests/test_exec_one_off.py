"""`execOneOffCommand` through the real daemon: results, errors and the sandbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from app_server.tools.sandbox import BWRAP_ENV
from tests.harness.stdio import DaemonClient
from tests.sandbox_support import skip_without_bubblewrap

Spawn = Callable[..., DaemonClient]
FULL_ACCESS = {"mode": "danger-full-access"}


needs_bwrap = skip_without_bubblewrap()


def test_a_command_runs_and_answers_its_output(spawn: Spawn, workdir: Path) -> None:
    client = spawn()
    result = client.call(
        "execOneOffCommand",
        {"command": ["sh", "-c", "pwd; echo err >&2; exit 3"], "sandboxPolicy": FULL_ACCESS},
    )
    assert result == {"exitCode": 3, "stdout": f"{workdir}\n", "stderr": "err\n"}
    assert client.call(
        "execOneOffCommand", {"command": ["pwd"], "cwd": "/", "sandboxPolicy": FULL_ACCESS}
    ) == {"exitCode": 0, "stdout": "/\n", "stderr": ""}


def test_credentials_are_kept_out_of_the_environment(spawn: Spawn) -> None:
    client = spawn(env={"MY_API_KEY": "sk-secret", "SOME_TOKEN": "t", "VISIBLE": "yes"})
    result = client.call(
        "execOneOffCommand",
        {"command": ["sh", "-c", "env | sort"], "sandboxPolicy": FULL_ACCESS},
    )
    assert "VISIBLE=yes\n" in result["stdout"]
    assert "MY_API_KEY" not in result["stdout"]
    assert "SOME_TOKEN" not in result["stdout"]


def test_errors_match_the_reference(spawn: Spawn, workdir: Path) -> None:
    client = spawn()
    assert client.call_error("execOneOffCommand", {"command": []}) == {
        "code": -32600,
        "message": "command must not be empty",
    }
    missing = {"command": ["no-such-program-xyz"], "sandboxPolicy": FULL_ACCESS}
    assert client.call_error("execOneOffCommand", missing) == {
        "code": -32603,
        "message": "exec failed: No such file or directory (os error 2)",
    }
    no_cwd = {"command": ["pwd"], "cwd": str(workdir / "missing"), "sandboxPolicy": FULL_ACCESS}
    assert client.call_error("execOneOffCommand", no_cwd)["message"] == (
        "exec failed: No such file or directory (os error 2)"
    )
    nul = {"command": ["echo", "a\0b"], "sandboxPolicy": FULL_ACCESS}
    assert client.call_error("execOneOffCommand", nul) == {
        "code": -32603,
        "message": "exec failed: nul byte found in provided data",
    }
    signal = {"command": ["sh", "-c", "kill -9 $$"], "sandboxPolicy": FULL_ACCESS}
    assert client.call_error("execOneOffCommand", signal) == {
        "code": -32603,
        "message": "exec failed: sandbox error: command was killed by a signal",
    }


def test_a_timeout_kills_the_command_tree(spawn: Spawn, workdir: Path) -> None:
    client = spawn()
    pids = workdir / "pids"
    params = {
        "command": ["sh", "-c", f"sleep 60 & echo $! > {pids}; sleep 60"],
        "timeoutMs": 300,
        "sandboxPolicy": FULL_ACCESS,
    }
    started = time.monotonic()
    assert client.call_error("execOneOffCommand", params) == {
        "code": -32603,
        "message": "exec failed: sandbox error: command timed out",
    }
    assert time.monotonic() - started < 5
    grandchild = int(pids.read_text())
    deadline = time.monotonic() + 5
    while Path(f"/proc/{grandchild}").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    stat = Path(f"/proc/{grandchild}/stat")
    assert not stat.exists() or stat.read_text().split(") ", 1)[1].startswith("Z")
    # The daemon goes on answering.
    assert client.call("getUserAgent")["userAgent"]


@needs_bwrap
def test_the_sandbox_refuses_writes_outside_the_workspace(spawn: Spawn, workdir: Path) -> None:
    client = spawn()
    outside = workdir.parent / "outside.txt"
    policy = {"mode": "workspace-write", "exclude_slash_tmp": True, "exclude_tmpdir_env_var": True}
    error = client.call_error(
        "execOneOffCommand",
        {"command": ["sh", "-c", f"echo x > {outside}"], "sandboxPolicy": policy},
    )
    assert error["code"] == -32603
    assert error["message"].startswith(
        "exec failed: sandbox error: sandbox denied exec error, exit code: 2, stdout: , stderr: "
    )
    assert "Read-only file system" in error["message"]
    assert not outside.exists()
    inside = client.call(
        "execOneOffCommand",
        {"command": ["sh", "-c", "echo x > inside.txt && cat inside.txt"], "sandboxPolicy": policy},
    )
    assert inside == {"exitCode": 0, "stdout": "x\n", "stderr": ""}


@needs_bwrap
def test_the_requests_cwd_does_not_widen_the_sandbox(spawn: Spawn, workdir: Path) -> None:
    """As with the reference, the writable roots are the daemon's folder's,
    whatever folder the client runs the command in."""
    client = spawn()
    outside = workdir.parent / "outside"
    outside.mkdir()
    policy = {"mode": "workspace-write", "exclude_slash_tmp": True, "exclude_tmpdir_env_var": True}
    write = ["sh", "-c", "echo x > here.txt"]
    error = client.call_error(
        "execOneOffCommand", {"command": write, "cwd": str(outside), "sandboxPolicy": policy}
    )
    assert "Read-only file system" in error["message"]
    assert list(outside.iterdir()) == []
    read = client.call(
        "execOneOffCommand", {"command": ["pwd"], "cwd": str(outside), "sandboxPolicy": policy}
    )
    assert read == {"exitCode": 0, "stdout": f"{outside}\n", "stderr": ""}


@needs_bwrap
def test_the_configured_sandbox_applies_by_default(
    spawn: Spawn, workdir: Path, codex_home: Path
) -> None:
    client = spawn()  # no config.toml: read-only, like the reference
    error = client.call_error("execOneOffCommand", {"command": ["touch", "x"]})
    assert "Read-only file system" in error["message"]
    assert not (workdir / "x").exists()
    (codex_home / "config.toml").write_text('sandbox_mode = "workspace-write"\n')
    assert client.call("execOneOffCommand", {"command": ["touch", "x"]})["exitCode"] == 0
    assert (workdir / "x").exists()


@needs_bwrap
def test_the_daemons_overrides_and_profile_decide_the_default_sandbox(
    spawn: Spawn, workdir: Path, codex_home: Path
) -> None:
    (codex_home / "config.toml").write_text(
        'sandbox_mode = "read-only"\nprofile = "dev"\n'
        '[profiles.dev]\nsandbox_mode = "workspace-write"\n'
    )
    client = spawn()
    assert client.call("execOneOffCommand", {"command": ["touch", "p"]})["exitCode"] == 0
    other = spawn(args=["-c", "profile=none", "-c", "profiles.none.model=x"])
    error = other.call_error("execOneOffCommand", {"command": ["touch", "q"]})
    assert "Read-only file system" in error["message"]
    assert (workdir / "p").exists() and not (workdir / "q").exists()


def test_without_a_working_sandbox_nothing_runs(spawn: Spawn, workdir: Path) -> None:
    client = spawn(env={BWRAP_ENV: str(workdir / "no-bwrap-here")})
    error = client.call_error(
        "execOneOffCommand", {"command": ["touch", "ran"], "sandboxPolicy": {"mode": "read-only"}}
    )
    assert error["code"] == -32603
    assert error["message"].startswith("exec failed: sandbox unavailable: ")
    assert not (workdir / "ran").exists()


def test_closing_the_daemon_kills_a_running_command(spawn: Spawn, workdir: Path) -> None:
    client = spawn()
    pid_file = workdir / "pid"
    client.send(
        {
            "id": 99,
            "method": "execOneOffCommand",
            "params": {
                "command": ["sh", "-c", f"sleep 60 & echo $! > {pid_file}; wait"],
                "timeoutMs": 60_000,
                "sandboxPolicy": FULL_ACCESS,
            },
        }
    )
    deadline = time.monotonic() + 10
    while not (pid_file.exists() and pid_file.read_text().strip()):
        assert time.monotonic() < deadline, "the command did not start"
        time.sleep(0.02)
    client.close_stdin()
    assert client.wait_exit() == 0
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        stat = Path(f"/proc/{grandchild}/stat")
        if not stat.exists() or stat.read_text().split(") ", 1)[1].startswith("Z"):
            break
        time.sleep(0.02)
    else:
        raise AssertionError("the command outlived the daemon")
