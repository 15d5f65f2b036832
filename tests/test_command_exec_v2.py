"""`command/exec` (v2) through the real daemon: results, the reference's
errors, and the same sandbox rules as `execOneOffCommand` and a turn."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.harness.stdio import DaemonClient
from tests.sandbox_support import skip_without_bubblewrap

Spawn = Callable[..., DaemonClient]
FULL_ACCESS = {"type": "dangerFullAccess"}
#: Workspace-write with the temp folders kept read-only (the tests run under /tmp).
WORKSPACE_WRITE = {"type": "workspaceWrite", "excludeSlashTmp": True, "excludeTmpdirEnvVar": True}

needs_bwrap = skip_without_bubblewrap()


def test_a_command_answers_its_exit_code_and_output(spawn: Spawn, workdir: Path) -> None:
    client = spawn()
    result = client.call(
        "command/exec",
        {"command": ["sh", "-c", "pwd; echo err >&2; exit 3"], "sandboxPolicy": FULL_ACCESS},
    )
    assert result == {"exitCode": 3, "stdout": f"{workdir}\n", "stderr": "err\n"}
    assert client.call(
        "command/exec", {"command": ["pwd"], "cwd": "/", "sandboxPolicy": FULL_ACCESS}
    ) == {"exitCode": 0, "stdout": "/\n", "stderr": ""}


def test_errors_are_the_references(spawn: Spawn) -> None:
    client = spawn()
    assert client.call_error("command/exec", {"command": []}) == {
        "code": -32600,
        "message": "command must not be empty",
    }
    assert client.call_error(
        "command/exec",
        {"command": ["sleep", "5"], "timeoutMs": 200, "sandboxPolicy": FULL_ACCESS},
    ) == {"code": -32603, "message": "exec failed: sandbox error: command timed out"}
    assert client.call_error(
        "command/exec", {"command": ["/nonexistent-program"], "sandboxPolicy": FULL_ACCESS}
    ) == {"code": -32603, "message": "exec failed: No such file or directory (os error 2)"}
    error = client.call_error("command/exec", {"command": "ls"})
    assert error["code"] == -32600
    # The daemon goes on.
    assert client.call("command/exec", {"command": ["true"], "sandboxPolicy": FULL_ACCESS}) == {
        "exitCode": 0,
        "stdout": "",
        "stderr": "",
    }


@needs_bwrap
def test_workspace_write_confines_writes_to_the_daemons_workspace(
    spawn: Spawn, workdir: Path
) -> None:
    client = spawn()
    inside = client.call(
        "command/exec",
        {
            "command": ["sh", "-c", "echo x > in.txt && cat in.txt"],
            "sandboxPolicy": WORKSPACE_WRITE,
        },
    )
    assert inside == {"exitCode": 0, "stdout": "x\n", "stderr": ""}
    assert (workdir / "in.txt").read_text() == "x\n"


@needs_bwrap
def test_a_cwd_outside_the_workspace_cannot_be_written(spawn: Spawn, workdir: Path) -> None:
    """The writable roots come from the daemon's folder, never the request's `cwd`."""
    client = spawn()
    outside = workdir.parent / "outside"
    outside.mkdir()
    error = client.call_error(
        "command/exec",
        {
            "command": ["sh", "-c", "echo x > here.txt"],
            "cwd": str(outside),
            "sandboxPolicy": WORKSPACE_WRITE,
        },
    )
    assert error["code"] == -32603
    assert "Read-only file system" in error["message"]
    assert list(outside.iterdir()) == []
    read = client.call(
        "command/exec", {"command": ["pwd"], "cwd": str(outside), "sandboxPolicy": WORKSPACE_WRITE}
    )
    assert read == {"exitCode": 0, "stdout": f"{outside}\n", "stderr": ""}


@needs_bwrap
def test_read_only_and_the_configured_default(
    spawn: Spawn, workdir: Path, codex_home: Path
) -> None:
    client = spawn()  # no config.toml: read-only
    error = client.call_error("command/exec", {"command": ["touch", "x"]})
    assert "Read-only file system" in error["message"]
    error = client.call_error(
        "command/exec", {"command": ["touch", "x"], "sandboxPolicy": {"type": "readOnly"}}
    )
    assert "Read-only file system" in error["message"]
    assert not (workdir / "x").exists()
    (codex_home / "config.toml").write_text('sandbox_mode = "workspace-write"\n')
    assert client.call("command/exec", {"command": ["touch", "x"]})["exitCode"] == 0
    assert (workdir / "x").exists()
