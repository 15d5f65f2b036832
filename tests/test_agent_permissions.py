"""The permissions message, checked against what Codex 0.107.0 sent a mock
model for every sandbox and approval policy (`tests/data/permissions-0.107.0.json`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app_server.agent.permissions import permissions_message, permissions_text
from app_server_protocol.common import (
    ApprovalMode,
    SandboxPolicy,
    SandboxPolicyDangerFullAccess,
    SandboxPolicyReadOnly,
    SandboxPolicyWorkspaceWrite,
)

RECORDED = Path(__file__).parent / "data" / "permissions-0.107.0.json"
CWD = "/home/user/project"
SANDBOXES: dict[str, SandboxPolicy] = {
    "read-only": SandboxPolicyReadOnly(),
    "workspace-write": SandboxPolicyWorkspaceWrite(),
    "danger-full-access": SandboxPolicyDangerFullAccess(),
}


def recorded() -> dict[str, Any]:
    texts: dict[str, Any] = json.loads(RECORDED.read_text(encoding="utf-8"))["texts"]
    return texts


@pytest.mark.parametrize("combination", sorted(recorded()))
def test_the_text_is_the_reference_s(combination: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TMPDIR", raising=False)
    sandbox, approval = combination.split("/")
    text = permissions_text(SANDBOXES[sandbox], ApprovalMode(approval), CWD)
    assert text == recorded()[combination]


def test_every_policy_combination_was_recorded() -> None:
    assert {f"{s}/{a.value}" for s in SANDBOXES for a in ApprovalMode} == set(recorded())


def test_writable_roots_and_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TMPDIR", raising=False)
    policy = SandboxPolicyWorkspaceWrite(
        writable_roots=["/data"], network_access=True, exclude_slash_tmp=True
    )
    text = permissions_text(policy, ApprovalMode.NEVER, CWD)
    assert "Network access is enabled.\n" in text
    assert text.endswith(
        "\n The writable roots are `/data`, `/home/user/project`.\n</permissions instructions>"
    )
    alone = SandboxPolicyWorkspaceWrite(exclude_slash_tmp=True)
    assert " The writable root is `/home/user/project`.\n" in permissions_text(
        alone, ApprovalMode.NEVER, CWD
    )


def test_the_message_is_a_developer_message() -> None:
    message = permissions_message(SandboxPolicyReadOnly(), ApprovalMode.NEVER, CWD)
    assert message.role == "developer"
    assert [part.type for part in message.content] == ["input_text"]
