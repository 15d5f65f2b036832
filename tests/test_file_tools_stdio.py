"""The file tools (``read_file``, ``list_dir``, ``grep_files``) through the
real daemon: offered to the models whose catalog entry lists them (Codex
0.107.0's built-in models list none), and bound by restricted read access."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.agent_session import AgentSession, Spawn, open_session
from tests.mock_model_server import MockModelServer, function_call_item
from tests.sandbox_support import needs_sandbox

Json = dict[str, Any]
FILE_TOOLS = ["read_file", "list_dir", "grep_files"]


def _catalog(codex_home: Path, tools: list[str]) -> str:
    path = codex_home / "catalog.json"
    path.write_text(
        json.dumps({"models": [{"slug": "mock-model", "experimental_supported_tools": tools}]})
    )
    return f'model_catalog_json = "{path}"\n'


def _offered(session: AgentSession) -> list[str]:
    body = session.mock.model_requests[-1].body
    assert isinstance(body, dict)
    return [tool.get("name", tool.get("type")) for tool in body["tools"]]


@pytest.fixture
def tree(workdir: Path) -> Path:
    (workdir / "src").mkdir()
    (workdir / "src" / "app.py").write_text(
        "def main():\n    return 1\n\n\nclass Thing:\n    pass\n"
    )
    (workdir / "src" / "util.py").write_text("VALUE = 2\n")
    (workdir / "notes.md").write_text("x" * 600 + "\nsecond line\r\nthird\n")
    os.utime(workdir / "src" / "util.py", (1_000_000, 1_000_000))
    return workdir


def test_offered_only_when_the_catalog_lists_them(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(
        spawn, codex_home, workdir, mock_model, extra=_catalog(codex_home, FILE_TOOLS)
    )
    session.turn([])
    offered = _offered(session)
    assert [name for name in offered if name in FILE_TOOLS] == [
        "grep_files",
        "read_file",
        "list_dir",
    ]


def test_without_a_catalog_no_file_tool(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(spawn, codex_home, workdir, mock_model)
    session.turn([])
    assert not set(_offered(session)) & set(FILE_TOOLS)


def test_the_three_tools(
    spawn: Spawn, codex_home: Path, tree: Path, mock_model: MockModelServer
) -> None:
    session = open_session(
        spawn, codex_home, tree, mock_model, extra=_catalog(codex_home, FILE_TOOLS)
    )
    app = tree / "src" / "app.py"
    rust = tree.parent / "lib.rs"
    rust.write_text("fn a() {\n    one();\n\n    two();\n}\nfn b() {\n    three();\n}\n")
    result = session.turn(
        [
            function_call_item("read_file", {"file_path": str(app), "offset": 2, "limit": 2}, "r1"),
            function_call_item("read_file", {"file_path": str(tree / "notes.md")}, "r2"),
            function_call_item("read_file", {"file_path": "src/app.py"}, "r3"),
            function_call_item("read_file", {"file_path": str(app), "offset": 40}, "r4"),
            function_call_item(
                "read_file",
                {"file_path": str(rust), "mode": "indentation", "offset": 4},
                "r5",
            ),
            function_call_item("list_dir", {"dir_path": str(tree)}, "l1"),
            function_call_item("list_dir", {"dir_path": str(tree), "depth": 1, "limit": 1}, "l2"),
            function_call_item("grep_files", {"pattern": "VALUE|main"}, "g1"),
            function_call_item("grep_files", {"pattern": "main", "include": "*.md"}, "g2"),
        ]
    )
    out = result.outputs
    assert out["r1"] == "L2:     return 1\nL3: "
    first, second, third = out["r2"].split("\n")
    assert first == "L1: " + "x" * 500  # long lines are cut
    assert (second, third) == ("L2: second line", "L3: third")
    assert out["r3"] == "file_path must be an absolute path"
    assert out["r4"] == "offset exceeds file length"
    assert out["r5"] == "L1: fn a() {\nL2:     one();\nL3: \nL4:     two();\nL5: }"
    assert out["l1"] == "\n".join(
        [f"Absolute path: {tree}", "notes.md", "src/", "  app.py", "  util.py"]
    )
    assert out["l2"] == f"Absolute path: {tree}\nnotes.md\nMore than 1 entries found"
    # The most recently modified first.
    assert out["g1"] == f"{tree / 'src' / 'app.py'}\n{tree / 'src' / 'util.py'}"
    assert out["g2"] == "No matches found."


def test_restricted_read_access_binds_the_file_tools(
    spawn: Spawn,
    codex_home: Path,
    tree: Path,
    tmp_path: Path,
    mock_model: MockModelServer,
) -> None:
    needs_sandbox()
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "key.txt").write_text("TOP-SECRET main\n")
    session = open_session(
        spawn, codex_home, tree, mock_model, extra=_catalog(codex_home, FILE_TOOLS)
    )
    policy = {
        "mode": "read-only",
        "access": {"type": "restricted", "include_platform_defaults": True},
    }
    result = session.turn_with_policy(
        policy,
        [
            function_call_item("read_file", {"file_path": str(secrets / "key.txt")}, "r1"),
            function_call_item("list_dir", {"dir_path": str(secrets)}, "l1"),
            function_call_item("grep_files", {"pattern": "main", "path": str(secrets)}, "g1"),
            function_call_item("read_file", {"file_path": str(tree / "src" / "util.py")}, "r2"),
        ],
    )
    for call in ("r1", "l1", "g1"):
        assert "TOP-SECRET" not in result.outputs[call]
        assert "outside the sandbox's readable roots" in result.outputs[call]
    assert result.outputs["r2"] == "L1: VALUE = 2"
    # A link inside the workspace does not lead out of it.
    (tree / "leak").symlink_to(secrets / "key.txt")
    result = session.turn_with_policy(
        policy, [function_call_item("read_file", {"file_path": str(tree / "leak")}, "r3")]
    )
    assert "TOP-SECRET" not in result.outputs["r3"]
