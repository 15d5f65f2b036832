"""Environment context and user instructions, as the reference writes them."""

from __future__ import annotations

from pathlib import Path

from app_server.agent.context import (
    EnvironmentContext,
    combined_instructions,
    render_user_instructions,
)
from app_server_protocol.common import (
    ApprovalMode,
    SandboxPolicyDangerFullAccess,
    SandboxPolicyReadOnly,
    SandboxPolicyWorkspaceWrite,
)


def test_full_environment_context_matches_the_reference() -> None:
    ctx = EnvironmentContext.of(
        "/home/user/project", ApprovalMode.NEVER, SandboxPolicyDangerFullAccess(), "bash"
    )
    assert ctx.render() == (
        "<environment_context>\n  <cwd>/home/user/project</cwd>\n"
        "  <approval_policy>never</approval_policy>\n"
        "  <sandbox_mode>danger-full-access</sandbox_mode>\n"
        "  <network_access>enabled</network_access>\n  <shell>bash</shell>\n"
        "</environment_context>"
    )


def test_writable_roots_are_listed() -> None:
    ctx = EnvironmentContext.of(
        "/w",
        ApprovalMode.NEVER,
        SandboxPolicyWorkspaceWrite(writable_roots=["/var/tmp/x"]),
        "bash",
    )
    assert "  <network_access>restricted</network_access>\n  <writable_roots>\n" in ctx.render()
    assert "    <root>/var/tmp/x</root>\n  </writable_roots>\n  <shell>bash</shell>" in ctx.render()


def test_updates_carry_only_what_changed_and_never_the_shell() -> None:
    first = EnvironmentContext.of(
        "/w", ApprovalMode.NEVER, SandboxPolicyWorkspaceWrite(writable_roots=["/x"]), "bash"
    )
    second = EnvironmentContext.of("/tmp", ApprovalMode.ON_REQUEST, SandboxPolicyReadOnly(), "bash")
    update = second.changes_from(first)
    assert update is not None
    assert update.render() == (
        "<environment_context>\n  <cwd>/tmp</cwd>\n"
        "  <approval_policy>on-request</approval_policy>\n"
        "  <sandbox_mode>read-only</sandbox_mode>\n"
        "  <network_access>restricted</network_access>\n</environment_context>"
    )
    assert second.changes_from(second) is None


def test_instructions_join_home_and_project_docs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    repo = tmp_path / "repo"
    sub = repo / "sub"
    sub.mkdir(parents=True)
    home.mkdir()
    (repo / ".git").mkdir()
    (home / "AGENTS.md").write_text("HOME rule\n")
    (repo / "AGENTS.md").write_text("ROOT rule\n")
    (sub / "AGENTS.md").write_text("SUB rule\n")
    (tmp_path / "AGENTS.md").write_text("outside the repository\n")
    text = combined_instructions(home, sub, 32 * 1024)
    assert text == "HOME rule\n\n--- project-doc ---\n\nROOT rule\n\n\nSUB rule\n"
    assert render_user_instructions("x") == "<user_instructions>\n\nx\n\n</user_instructions>"
    assert combined_instructions(tmp_path / "nothing", tmp_path / "nothing", 100) is None
