"""The bubblewrap sandbox: what a command may write, and whether it reaches the network."""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app_server.config.model import ShellEnvironmentPolicyToml
from app_server.tools import sandbox
from app_server.tools.run import run_command
from app_server.tools.sandbox import Confinement, SandboxUnavailable, confine, network_filter
from app_server_protocol.common import (
    SandboxPolicy,
    SandboxPolicyDangerFullAccess,
    SandboxPolicyReadOnly,
    SandboxPolicyWorkspaceWrite,
)
from tests.sandbox_support import skip_without_bubblewrap

pytestmark = pytest.mark.anyio

needs_bwrap = skip_without_bubblewrap()

#: A workspace policy under which only the working directory is writable.
WORKSPACE_ONLY = SandboxPolicyWorkspaceWrite(exclude_slash_tmp=True, exclude_tmpdir_env_var=True)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def listener() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that answers ``hello``; yields its port."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)

    def serve() -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            conn.sendall(b"hello\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    server.close()
    thread.join(5)


async def sh(script: str, cwd: Path, policy: SandboxPolicy, timeout: float = 10) -> tuple[int, str]:
    result = await run_command(
        ["bash", "-c", script], cwd=cwd, sandbox_cwd=cwd, sandbox_policy=policy, timeout=timeout
    )
    return result.exit_code, result.aggregated.text()


@needs_bwrap
async def test_workspace_write_allows_the_workspace_only(work: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    code, output = await sh(f"echo in > inside.txt && echo out > {outside}", work, WORKSPACE_ONLY)
    assert code != 0
    assert "Read-only file system" in output
    assert (work / "inside.txt").read_text() == "in\n"
    assert not outside.exists()


@needs_bwrap
async def test_a_workdir_outside_the_roots_is_read_only(work: Path, tmp_path: Path) -> None:
    """The folder a command runs in does not make it writable: the roots come
    from the turn's folder (``sandbox_cwd``) alone."""
    outside = tmp_path / "outside"
    outside.mkdir()
    for cwd, script in ((outside, "echo x >> here.txt"), (work, "echo x >> ../escaped.txt")):
        result = await run_command(
            ["bash", "-c", f"pwd; {script}"],
            cwd=cwd,
            sandbox_cwd=work,
            sandbox_policy=WORKSPACE_ONLY,
            timeout=10,
        )
        assert result.exit_code != 0
        assert result.stdout.text() == f"{cwd}\n"
        assert "Read-only file system" in result.stderr.text()
    assert list(outside.iterdir()) == []
    assert not (tmp_path / "escaped.txt").exists()
    # Relative writable roots are relative to the turn's folder, not the command's.
    policy = SandboxPolicyWorkspaceWrite(
        writable_roots=["extra"], exclude_slash_tmp=True, exclude_tmpdir_env_var=True
    )
    (work / "extra").mkdir()
    (outside / "extra").mkdir()
    result = await run_command(
        ["bash", "-c", f"echo x > {work}/extra/a; echo y > extra/b"],
        cwd=outside,
        sandbox_cwd=work,
        sandbox_policy=policy,
        timeout=10,
    )
    assert (work / "extra" / "a").exists()
    assert not (outside / "extra" / "b").exists()


@needs_bwrap
async def test_workspace_write_extra_roots_and_tmp(work: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    policy = SandboxPolicyWorkspaceWrite(writable_roots=[str(extra)], exclude_tmpdir_env_var=True)
    code, output = await sh(f"echo x > {extra}/a && echo y > {tmp_path}/b", work, policy)
    assert code == 0, output
    assert (extra / "a").read_text() == "x\n"
    assert (tmp_path / "b").read_text() == "y\n"


@needs_bwrap
async def test_read_only_refuses_every_write(work: Path, tmp_path: Path) -> None:
    for target in (work / "a.txt", tmp_path / "b.txt"):
        code, output = await sh(f"echo x > {target}", work, SandboxPolicyReadOnly())
        assert code != 0
        assert "Read-only file system" in output
        assert not target.exists()
    code, output = await sh(
        "cat /etc/hostname >/dev/null && echo readable", work, SandboxPolicyReadOnly()
    )
    assert (code, output) == (0, "readable\n")


@needs_bwrap
async def test_network_is_off_unless_allowed(work: Path, listener: int) -> None:
    connect = f"exec 3<>/dev/tcp/127.0.0.1/{listener} && head -n1 <&3"
    code, output = await sh(connect, work, WORKSPACE_ONLY)
    assert code != 0
    assert "hello" not in output
    code, output = await sh("echo $CODEX_SANDBOX_NETWORK_DISABLED", work, WORKSPACE_ONLY)
    assert output == "1\n"
    allowed = SandboxPolicyWorkspaceWrite(network_access=True)
    code, output = await sh(connect, work, allowed)
    assert (code, output) == (0, "hello\n")
    code, output = await sh("echo ${CODEX_SANDBOX_NETWORK_DISABLED:-unset}", work, allowed)
    assert output == "unset\n"


@pytest.fixture
def unix_listener(tmp_path: Path) -> Iterator[tuple[Path, list[bytes]]]:
    """A Unix socket server outside the sandbox (a D-Bus bus, the Docker
    socket...); yields its path and what it received."""
    path = tmp_path / "host.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen(1)
    server.settimeout(10)
    received: list[bytes] = []

    def serve() -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            received.append(conn.recv(100))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield path, received
    server.close()
    thread.join(5)


@needs_bwrap
async def test_host_unix_sockets_are_out_of_reach_without_network(
    work: Path, unix_listener: tuple[Path, list[bytes]]
) -> None:
    path, received = unix_listener
    client = (
        "import socket; s = socket.socket(socket.AF_UNIX); "
        f"s.connect({str(path)!r}); s.send(b'escaped'); print('connected')"
    )
    for policy in (SandboxPolicyReadOnly(), WORKSPACE_ONLY):
        result = await run_command(
            [sys.executable, "-c", client],
            cwd=work,
            sandbox_cwd=work,
            sandbox_policy=policy,
            timeout=10,
        )
        assert result.exit_code != 0
        assert "Operation not permitted" in result.aggregated.text()
    assert received == []
    # Local IPC between the command's own processes still works.
    code, output = await sh("echo piped | cat", work, SandboxPolicyReadOnly())
    assert (code, output) == (0, "piped\n")


def test_the_network_filter_is_a_whole_bpf_program() -> None:
    for machine in ("x86_64", "aarch64"):
        program = network_filter(machine)
        assert len(program) % 8 == 0 and 0 < len(program) // 8 < 64
    with pytest.raises(SandboxUnavailable, match="no network filter for the sparc64"):
        network_filter("sparc64")


@needs_bwrap
async def test_a_sandboxed_timeout_kills_everything(work: Path) -> None:
    result = await run_command(
        ["bash", "-c", "sleep 60 & sleep 60"],
        cwd=work,
        sandbox_cwd=work,
        sandbox_policy=WORKSPACE_ONLY,
        timeout=0.5,
    )
    assert result.timed_out


@needs_bwrap
async def test_missing_programs_are_reported_as_such(work: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await run_command(
            ["no-such-program-xyz"],
            cwd=work,
            sandbox_cwd=work,
            sandbox_policy=WORKSPACE_ONLY,
            timeout=5,
        )
    with pytest.raises(FileNotFoundError):
        await run_command(
            ["ls"], cwd=work / "missing", sandbox_cwd=work, sandbox_policy=WORKSPACE_ONLY, timeout=5
        )


@pytest.fixture
def no_bubblewrap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv(sandbox.BWRAP_ENV, str(tmp_path / "no-bwrap-here"))
    sandbox.forget_probe_results()
    yield
    sandbox.forget_probe_results()


async def test_without_a_working_sandbox_nothing_runs(work: Path, no_bubblewrap: None) -> None:
    marker = work / "ran"
    for policy in (SandboxPolicyReadOnly(), SandboxPolicyWorkspaceWrite()):
        with pytest.raises(SandboxUnavailable, match="sandbox unavailable"):
            await run_command(
                ["touch", str(marker)], cwd=work, sandbox_cwd=work, sandbox_policy=policy, timeout=5
            )
    assert not marker.exists()
    result = await run_command(
        ["touch", str(marker)],
        cwd=work,
        sandbox_cwd=work,
        sandbox_policy=SandboxPolicyDangerFullAccess(),
        timeout=5,
    )
    assert result.exit_code == 0
    assert marker.exists()


async def test_a_bubblewrap_that_fails_is_reported(
    work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv(sandbox.BWRAP_ENV, str(fake))
    sandbox.forget_probe_results()
    try:
        with pytest.raises(SandboxUnavailable, match="No permissions to create new namespace"):
            confine(["true"], SandboxPolicyReadOnly(), work, sandbox_cwd=work).close()
    finally:
        sandbox.forget_probe_results()


async def test_a_nul_character_is_an_os_error_and_nothing_runs(work: Path) -> None:
    marker = work / "ran"
    touch = ["touch", str(marker)]
    nul_value = ShellEnvironmentPolicyToml.model_validate({"set": {"VALUE": "a\0b"}})
    cases: list[tuple[list[str], Path, ShellEnvironmentPolicyToml | None]] = [
        (["touch", f"{marker}\0x"], work, None),
        (touch, work / "a\0b", None),
        (touch, work, nul_value),
    ]
    for policy in (SandboxPolicyDangerFullAccess(), SandboxPolicyReadOnly()):
        for argv, cwd, environment in cases:
            with pytest.raises(OSError, match=r"^nul byte found in provided data$"):
                await run_command(
                    argv,
                    cwd=cwd,
                    sandbox_cwd=work,
                    sandbox_policy=policy,
                    timeout=5,
                    environment_policy=environment,
                )
    assert not marker.exists()


def test_danger_full_access_is_not_confined(work: Path) -> None:
    confinement = confine(["ls"], SandboxPolicyDangerFullAccess(), work, sandbox_cwd=work)
    assert confinement == Confinement(["ls"])


@needs_bwrap
def test_confine_binds_existing_writable_roots_parents_first(work: Path, tmp_path: Path) -> None:
    policy = SandboxPolicyWorkspaceWrite(writable_roots=[str(tmp_path / "missing")])
    confinement = confine(["ls"], policy, work, sandbox_cwd=work)
    confinement.close()
    argv = confinement.argv
    binds = [argv[i + 1] for i, a in enumerate(argv) if a == "--bind"]
    assert str(tmp_path / "missing") not in binds
    assert binds.index("/tmp") < binds.index(os.path.realpath(work))
    assert "--unshare-net" in argv
    assert argv[-2:] == ["--", "ls"]
