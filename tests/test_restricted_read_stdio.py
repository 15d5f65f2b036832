"""Restricted read access (``ReadOnlyAccess``) enforced by the sandbox,
through the real daemon: a command sees only the turn's folder, the policy's
readable roots, the writable roots and (when asked) the platform's folders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.agent_session import AgentSession, Spawn, open_session
from tests.agent_tool_scenarios import shell
from tests.mock_model_server import MockModelServer
from tests.sandbox_support import needs_sandbox

Json = dict[str, Any]


def _turn(session: AgentSession, policy: Json, calls: list[Json]) -> dict[str, str]:
    return session.turn_with_policy(policy, calls).outputs


def _stdout(output: str) -> str:
    text: str = json.loads(output)["output"]
    return text


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / "key.txt").write_text("TOP-SECRET\n")
    return folder


@pytest.mark.parametrize(
    "policy",
    [
        {"mode": "read-only", "access": {"type": "restricted", "include_platform_defaults": True}},
        {
            "mode": "workspace-write",
            "read_only_access": {"type": "restricted", "include_platform_defaults": True},
            "exclude_slash_tmp": True,
            "exclude_tmpdir_env_var": True,
        },
    ],
    ids=["read-only", "workspace-write"],
)
def test_a_restricted_command_cannot_read_outside_its_roots(
    policy: Json,
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    secrets: Path,
    mock_model: MockModelServer,
) -> None:
    needs_sandbox()
    (workdir / "notes.txt").write_text("mine\n")
    session = open_session(spawn, codex_home, workdir, mock_model)
    outputs = _turn(
        session,
        policy,
        [
            shell("c1", ["cat", "notes.txt"]),
            shell("c2", ["cat", str(secrets / "key.txt")]),
            shell("c3", ["ls", str(codex_home)]),
            shell("c4", ["head", "-c", "4", "/etc/hostname"]),
        ],
    )
    assert _stdout(outputs["c1"]) == "mine\n"
    for call in ("c2", "c3"):
        assert "TOP-SECRET" not in outputs[call] and "config.toml" not in outputs[call]
        assert "No such file or directory" in outputs[call]
    assert "No such file" not in outputs["c4"]  # a platform folder


def test_listed_roots_are_readable_and_the_platform_only_when_asked(
    spawn: Spawn, codex_home: Path, workdir: Path, secrets: Path, mock_model: MockModelServer
) -> None:
    needs_sandbox()
    session = open_session(spawn, codex_home, workdir, mock_model)
    listed = {
        "type": "restricted",
        "include_platform_defaults": True,
        "readable_roots": [str(secrets)],
    }
    outputs = _turn(
        session,
        {"mode": "read-only", "access": listed},
        [shell("c1", ["cat", str(secrets / "key.txt")])],
    )
    assert _stdout(outputs["c1"]) == "TOP-SECRET\n"
    # Without the platform's folders there is no program to run at all.
    bare = {"type": "restricted", "include_platform_defaults": False}
    outputs = _turn(
        session, {"mode": "read-only", "access": bare}, [shell("c2", ["cat", "notes.txt"])]
    )
    assert "TOP-SECRET" not in outputs["c2"]
    assert "execvp" in outputs["c2"] or "No such file" in outputs["c2"]


def test_full_access_reads_everything(
    spawn: Spawn, codex_home: Path, workdir: Path, secrets: Path, mock_model: MockModelServer
) -> None:
    needs_sandbox()
    session = open_session(spawn, codex_home, workdir, mock_model)
    outputs = _turn(
        session,
        {"mode": "read-only", "access": {"type": "full-access"}},
        [shell("c1", ["cat", str(secrets / "key.txt")])],
    )
    assert _stdout(outputs["c1"]) == "TOP-SECRET\n"
