"""The daemon holds credentials in memory: it dumps no core and, on Linux,
no process of its user may trace it or read its memory through /proc; the
commands it runs get the core-dump limit back and are dumpable as usual."""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.agent_session import replies_for
from tests.agent_tool_scenarios import shell
from tests.harness.stdio import DaemonClient
from tests.mock_model_server import MockModelServer, write_mock_config
from tests.test_daemon_lifetime import descendants

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")

PR_CAPBSET_DROP = 24
CAP_SYS_PTRACE = 19
#: The soft core limit the daemon is started with (at most the hard limit).
CORE_SOFT = 1 << 20


def core_limits(pid: int) -> tuple[str, str]:
    """The soft and hard "Max core file size" of a process."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max core file size"):
            soft, hard = line.split()[4:6]
            return soft, hard
    raise AssertionError(f"no core limit for {pid}")


def _drop_ptrace_capability() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_CAPBSET_DROP")


def readable_by_a_peer(path: str) -> bool:
    """Whether another process of the same user, without special privileges,
    can read ``path`` (root's CAP_SYS_PTRACE would read anything)."""
    if os.geteuid() != 0:
        try:
            Path(path).read_bytes()
        except PermissionError:
            return False
        return True
    try:
        probe = subprocess.run(
            ["head", "-c", "1", path],
            capture_output=True,
            preexec_fn=_drop_ptrace_capability,
            check=False,
            timeout=10,
        )
    except subprocess.SubprocessError:
        return True  # (cannot drop the capability: as good as reading)
    return probe.returncode == 0


def dumpable_is_observable() -> bool:
    """Whether `readable_by_a_peer` tells a non-dumpable process from another
    here: some kernels (or sandboxes around the tests) let root read every
    process's environment, with or without CAP_SYS_PTRACE."""
    undumpable = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import ctypes, sys; ctypes.CDLL(None).prctl(4, 0, 0, 0, 0); print(); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert undumpable.stdout is not None
        undumpable.stdout.readline()
        return not readable_by_a_peer(f"/proc/{undumpable.pid}/environ")
    finally:
        undumpable.kill()
        undumpable.wait()


def test_the_daemon_is_hardened_and_its_commands_are_not(
    codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    soft = CORE_SOFT if hard == resource.RLIM_INFINITY else min(CORE_SOFT, hard)
    if soft == 0:
        pytest.skip("core dumps are already off here (hard limit 0)")
    write_mock_config(codex_home, mock_model)
    # Started with a known soft limit, which its commands must get back.
    set_limit = (
        "import os, resource, sys; "
        f"resource.setrlimit(resource.RLIMIT_CORE, ({soft}, {hard})); "
        "os.execv(sys.argv[1], sys.argv[1:])"
    )
    client = DaemonClient(
        codex_home,
        cwd=workdir,
        command=[sys.executable, "-c", set_limit, sys.executable, "-m", "app_server"],
    )
    try:
        client.initialize()
        cid = client.call("newConversation", {"cwd": str(workdir)})["conversationId"]
        client.call("addConversationListener", {"conversationId": cid})
        command = ["bash", "-c", "echo started; exec sleep 30"]
        mock_model.enqueue(*replies_for([shell("c1", command, timeout_ms=60_000)]))
        start = client.mark()
        client.call(
            "sendUserMessage",
            {"conversationId": cid, "items": [{"type": "text", "data": {"text": "go"}}]},
        )
        client.wait_event("exec_command_output_delta", start=start)
        deadline = time.monotonic() + 10
        while "sleep" not in (children := descendants(client.proc.pid)).values():
            assert time.monotonic() < deadline, children
            time.sleep(0.02)
        (sleep,) = [pid for pid, name in children.items() if name == "sleep"]
        hard_text = "unlimited" if hard == resource.RLIM_INFINITY else str(hard)
        daemon = client.proc.pid
        assert core_limits(daemon) == ("0", hard_text)
        assert core_limits(sleep) == (str(soft), hard_text)
        # Not dumpable: no peer may read its environment (where the kernel shows it).
        if dumpable_is_observable():
            assert not readable_by_a_peer(f"/proc/{daemon}/environ")
        assert readable_by_a_peer(f"/proc/{sleep}/environ")
    finally:
        client.kill()


#: Hardens itself as the daemon does, then reports on itself and on a child.
SELF_REPORT = """
import resource, subprocess, sys
from app_server import hardening
hardening.limit_core_dumps()
hardening.make_undumpable()
print(hardening.is_dumpable(), resource.getrlimit(resource.RLIMIT_CORE)[0])
child = (
    "import resource; from app_server import hardening; "
    "print(hardening.is_dumpable(), resource.getrlimit(resource.RLIMIT_CORE)[0])"
)
sys.stdout.flush()
subprocess.run([sys.executable, "-c", child], preexec_fn=hardening.child_setup(), check=True)
"""


def test_dumpable_is_off_in_the_daemon_and_back_on_after_exec() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    soft = CORE_SOFT if hard == resource.RLIM_INFINITY else min(CORE_SOFT, hard)
    if soft == 0:
        pytest.skip("core dumps are already off here (hard limit 0)")

    def with_soft_limit() -> None:
        resource.setrlimit(resource.RLIMIT_CORE, (soft, hard))

    report = subprocess.run(
        [sys.executable, "-c", SELF_REPORT],
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=with_soft_limit,
        timeout=30,
    )
    assert report.stdout.splitlines() == ["False 0", f"True {soft}"]
