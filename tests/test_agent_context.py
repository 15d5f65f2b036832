"""Environment context and user instructions, as the reference writes them."""

from __future__ import annotations

import re
from pathlib import Path

from app_server.agent.context import (
    EnvironmentContext,
    combined_instructions,
    initial_context,
    render_user_instructions,
)
from app_server_protocol.common import (
    ApprovalMode,
    SandboxPolicyDangerFullAccess,
    SandboxPolicyReadOnly,
)
from app_server_protocol.items import ResponseItemMessage


def test_environment_context_matches_the_reference() -> None:
    ctx = EnvironmentContext("/home/user/project", "bash", "2026-12-02", "Etc/UTC")
    assert ctx.render() == (
        "<environment_context>\n  <cwd>/home/user/project</cwd>\n  <shell>bash</shell>\n"
        "  <current_date>2026-12-02</current_date>\n  <timezone>Etc/UTC</timezone>\n"
        "</environment_context>"
    )
    today = EnvironmentContext.of("/w", "zsh")
    assert today.current_date is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", today.current_date)


def test_the_initial_context_is_permissions_then_instructions_and_environment() -> None:
    items, environment = initial_context(
        "/w", ApprovalMode.NEVER, SandboxPolicyReadOnly(), "Be brief.\n"
    )
    assert [item.role for item in items if isinstance(item, ResponseItemMessage)] == [
        "developer",
        "user",
    ]
    developer, user = items
    assert isinstance(developer, ResponseItemMessage) and isinstance(user, ResponseItemMessage)
    assert developer.content[0].text.startswith("<permissions instructions>\n")  # type: ignore[union-attr]
    texts = [part.text for part in user.content]  # type: ignore[union-attr]
    assert texts == [
        "# AGENTS.md instructions for /w\n\n<INSTRUCTIONS>\nBe brief.\n\n</INSTRUCTIONS>",
        environment.render(),
    ]
    items, _ = initial_context("/w", ApprovalMode.NEVER, SandboxPolicyDangerFullAccess(), None)
    assert len(items[1].content) == 1  # type: ignore[union-attr]


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
    assert render_user_instructions("x", "/w") == (
        "# AGENTS.md instructions for /w\n\n<INSTRUCTIONS>\nx\n</INSTRUCTIONS>"
    )
    assert combined_instructions(tmp_path / "nothing", tmp_path / "nothing", 100) is None
