"""What runs without asking, under every approval policy, as the reference decides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app_server.tools.safety import (
    RETRY_WITHOUT_SANDBOX_REASON,
    AfterSandboxDenial,
    Verdict,
    after_sandbox_denial,
    approval_key,
    command_might_be_dangerous,
    exec_decision,
    is_known_safe_command,
    is_likely_sandbox_denial,
    patch_decision,
    paths_are_writable,
    runs_sandboxed,
    sandbox_denial_message,
)
from app_server_protocol.common import (
    ApprovalMode,
    SandboxPolicyDangerFullAccess,
    SandboxPolicyReadOnly,
    SandboxPolicyWorkspaceWrite,
)

from .reference_data import load_fixture

UNTRUSTED, ON_FAILURE = ApprovalMode.UNTRUSTED, ApprovalMode.ON_FAILURE
ON_REQUEST, NEVER = ApprovalMode.ON_REQUEST, ApprovalMode.NEVER
FULL, READ_ONLY = SandboxPolicyDangerFullAccess(), SandboxPolicyReadOnly()
WORKSPACE = SandboxPolicyWorkspaceWrite()


@pytest.mark.parametrize("case", load_fixture("known_safe_reference.json"), ids=repr)
def test_untrusted_runs_what_the_reference_runs_without_asking(case: dict[str, Any]) -> None:
    # The fixture says whether `untrusted` ran the command without asking (read-only sandbox).
    decision = exec_decision(case["argv"], UNTRUSTED, READ_ONLY)
    assert (decision.verdict is Verdict.RUN) is case["known_safe"]


@pytest.mark.parametrize("case", load_fixture("on_request_reference.json"), ids=repr)
def test_on_request_asks_for_what_the_reference_asks_for(case: dict[str, Any]) -> None:
    decision = exec_decision(case["argv"], ON_REQUEST, WORKSPACE)
    assert (decision.verdict is Verdict.ASK) is case["asks"]


def test_known_safe_examples() -> None:
    assert is_known_safe_command(["bash", "-lc", "ls && cat a.txt | wc -l"])
    assert is_known_safe_command(["zsh", "-lc", "git status; git log"])
    assert is_known_safe_command(["/usr/bin/sed", "-n", "1,5p", "f"])
    assert is_known_safe_command(["git", "-C", "src", "branch", "--show-current"])
    assert not is_known_safe_command(["git", "-c", "core.pager=x", "log"])
    assert not is_known_safe_command(["git", "branch", "-D", "x"])
    assert not is_known_safe_command(["cargo", "check"])
    assert is_known_safe_command(["base64", "a.txt"])
    assert not is_known_safe_command(["base64", "-oout", "a.txt"])
    assert not is_known_safe_command(["bash", "-lc", "ls | sort"])
    assert is_known_safe_command(["/bin/bash", "-c", "ls"])
    assert not is_known_safe_command(["/bin/dash", "-lc", "ls"])
    assert not is_known_safe_command(["find", ".", "-delete"])
    assert not is_known_safe_command(["rg", "--pre=cat", "x"])
    assert not is_known_safe_command(["git", "checkout", "main"])


def test_dangerous_commands() -> None:
    assert command_might_be_dangerous(["rm", "-rf", "x"])
    assert command_might_be_dangerous(["sudo", "sudo", "rm", "-f", "x"])
    assert not command_might_be_dangerous(["sudo", "git", "reset", "--hard"])
    assert not command_might_be_dangerous(["rm", "-fr", "x"])
    assert command_might_be_dangerous(["bash", "-lc", "echo hi && rm -f x"])
    assert not command_might_be_dangerous(["rm", "x"])
    assert command_might_be_dangerous(["/bin/sh", "-c", "rm -rf x"])
    assert not command_might_be_dangerous(["dash", "-c", "rm -rf x"])


@pytest.mark.parametrize(
    ("policy", "sandbox", "argv", "verdict"),
    [
        (UNTRUSTED, WORKSPACE, ["touch", "x"], Verdict.ASK),
        (UNTRUSTED, FULL, ["touch", "x"], Verdict.ASK),
        (UNTRUSTED, WORKSPACE, ["cat", "x"], Verdict.RUN),
        # 0.107.0 asks about a destructive-looking command under on-failure too
        (ON_FAILURE, WORKSPACE, ["rm", "-rf", "x"], Verdict.ASK),
        (ON_FAILURE, WORKSPACE, ["touch", "x"], Verdict.RUN),
        (NEVER, WORKSPACE, ["rm", "-rf", "x"], Verdict.RUN),
        # a here-document's command is judged, and never known safe
        (ON_REQUEST, WORKSPACE, ["bash", "-lc", "rm -f x <<EOF\nhi\nEOF"], Verdict.ASK),
        (UNTRUSTED, WORKSPACE, ["bash", "-lc", "cat <<EOF\nhi\nEOF"], Verdict.ASK),
        (NEVER, READ_ONLY, ["touch", "x"], Verdict.RUN),
        (ON_REQUEST, WORKSPACE, ["touch", "x"], Verdict.RUN),
        (ON_REQUEST, WORKSPACE, ["rm", "-rf", "x"], Verdict.ASK),
        (ON_REQUEST, FULL, ["rm", "-rf", "x"], Verdict.ASK),
        (ON_REQUEST, FULL, ["touch", "x"], Verdict.RUN),
    ],
)
def test_exec_decision(
    policy: ApprovalMode, sandbox: Any, argv: list[str], verdict: Verdict
) -> None:
    assert exec_decision(argv, policy, sandbox).verdict is verdict


def test_approved_for_session_runs_without_asking_again() -> None:
    decision = exec_decision(["touch", "x"], UNTRUSTED, WORKSPACE, approved_for_session=True)
    assert decision.verdict is Verdict.RUN


def test_escalated_permissions() -> None:
    asks = exec_decision(["touch", "x"], ON_REQUEST, WORKSPACE, with_escalated_permissions=True)
    assert asks.verdict is Verdict.ASK
    full = exec_decision(["touch", "x"], ON_REQUEST, FULL, with_escalated_permissions=True)
    assert full.verdict is Verdict.RUN
    # known-safe inside the sandbox, not outside it: leaving it is asked for
    writes = ["git", "log", "--output=/etc/x"]
    assert exec_decision(writes, ON_REQUEST, WORKSPACE).verdict is Verdict.RUN
    escalated = exec_decision(writes, ON_REQUEST, WORKSPACE, with_escalated_permissions=True)
    assert escalated.verdict is Verdict.ASK
    for policy, name in ((NEVER, "Never"), (ON_FAILURE, "OnFailure"), (UNTRUSTED, "UnlessTrusted")):
        refused = exec_decision(["ls"], policy, WORKSPACE, with_escalated_permissions=True)
        assert refused.verdict is Verdict.REFUSE
        assert refused.reason == (
            f"approval policy is {name}; reject command \u2014 you should not ask for "
            f"escalated permissions if the approval policy is {name}"
        )
    assert not runs_sandboxed(WORKSPACE, with_escalated_permissions=True)
    assert runs_sandboxed(READ_ONLY, with_escalated_permissions=False)
    assert not runs_sandboxed(FULL, with_escalated_permissions=False)


def test_what_follows_a_sandbox_denial() -> None:
    assert after_sandbox_denial(NEVER, user_approved=False) is AfterSandboxDenial.REPORT
    assert after_sandbox_denial(ON_REQUEST, user_approved=True) is AfterSandboxDenial.REPORT
    assert after_sandbox_denial(ON_FAILURE, user_approved=False) is AfterSandboxDenial.ASK_TO_RETRY
    assert after_sandbox_denial(UNTRUSTED, user_approved=False) is AfterSandboxDenial.ASK_TO_RETRY
    assert after_sandbox_denial(UNTRUSTED, user_approved=True) is AfterSandboxDenial.RETRY
    assert RETRY_WITHOUT_SANDBOX_REASON == "command failed; retry without sandbox?"


@pytest.mark.parametrize(
    ("sandboxed", "exit_code", "output", "denied"),
    [
        (True, 1, "touch: cannot touch '/etc/x': Permission denied", True),
        (True, 3, "echo Operation not permitted", True),
        (True, 1, "Read-only file system", True),
        (True, 1, "the Sandbox said no", True),
        (True, 1, "landlock", True),
        (True, 1, "seccomp", True),
        (True, 1, "Failed To Write File", True),
        (True, 159, "", True),
        (True, 1, "", False),
        (True, 2, "No such file or directory", False),
        (True, 0, "permission denied", False),
        (False, 1, "permission denied", False),
    ],
)
def test_sandbox_denial_heuristic(
    sandboxed: bool, exit_code: int, output: str, denied: bool
) -> None:
    assert is_likely_sandbox_denial(sandboxed, exit_code, output, "", output) is denied


def test_sandbox_denial_message_names_the_likely_cause() -> None:
    assert sandbox_denial_message("x: Read-only file system, permission denied") == (
        "failed in sandbox: Permission denied"
    )
    assert sandbox_denial_message("operation not permitted", "read-only file system") == (
        "failed in sandbox: Operation not permitted"
    )
    assert (
        sandbox_denial_message("read-only file system")
        == "failed in sandbox: Read-only file system"
    )
    assert sandbox_denial_message("landlock") == "failed in sandbox"


def test_patch_decision(tmp_path: Path) -> None:
    inside, outside = tmp_path / "a.txt", Path("/etc/zz.txt")
    assert patch_decision([], NEVER, WORKSPACE, tmp_path).reason == "empty patch"
    assert patch_decision([inside], UNTRUSTED, WORKSPACE, tmp_path).verdict is Verdict.ASK
    assert patch_decision([inside], NEVER, WORKSPACE, tmp_path).verdict is Verdict.RUN
    assert patch_decision([outside], ON_FAILURE, WORKSPACE, tmp_path).verdict is Verdict.RUN
    assert patch_decision([outside], ON_REQUEST, WORKSPACE, tmp_path).verdict is Verdict.ASK
    refused = patch_decision([outside], NEVER, WORKSPACE, tmp_path)
    assert refused.verdict is Verdict.REFUSE
    assert refused.reason == "writing outside of the project; rejected by user approval settings"
    assert patch_decision([outside], NEVER, FULL, tmp_path).verdict is Verdict.RUN
    assert patch_decision([inside], ON_REQUEST, READ_ONLY, tmp_path).verdict is Verdict.ASK


def test_writable_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TMPDIR", raising=False)
    extra = tmp_path / "extra"
    policy = SandboxPolicyWorkspaceWrite(writable_roots=[str(extra)], exclude_slash_tmp=True)
    cwd = tmp_path / "work"
    assert paths_are_writable([cwd / "a", Path("b/c"), extra / "d"], policy, cwd)
    assert not paths_are_writable([cwd / ".." / "escape"], policy, cwd)
    assert not paths_are_writable([Path("/tmp/x")], policy, cwd)
    assert paths_are_writable([Path("/tmp/x")], SandboxPolicyWorkspaceWrite(), cwd)


def test_an_approval_for_the_session_covers_the_command_through_any_shell() -> None:
    def key(argv: list[str], cwd: str = "/w", escalated: bool = False) -> tuple[str, ...]:
        return approval_key(argv, cwd, escalated=escalated)

    plain = key(["touch", "x"])
    assert key(["bash", "-lc", "touch x"]) == plain
    assert key(["/bin/zsh", "-c", "touch  'x'"]) == plain
    assert key(["touch", "x"], cwd="/w/sub") != plain
    assert key(["touch", "x"], escalated=True) != plain
    script = key(["bash", "-lc", "touch x && touch y"])
    assert key(["/bin/bash", "-lc", "touch x && touch y"]) == script
    assert key(["sh", "-lc", "touch x && touch y"]) == script
    assert key(["bash", "-c", "touch x && touch y"]) != script
    assert key(["bash", "-lc", "touch x &&  touch y"]) != script
    assert key(["/bin/dash", "-lc", "touch x"]) == ("False", "/w", "/bin/dash", "-lc", "touch x")
