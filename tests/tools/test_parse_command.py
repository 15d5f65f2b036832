"""`parsed_cmd` as the reference computes it."""

from __future__ import annotations

from typing import Any

import pytest

from app_server.tools.parse_command import parse_command, short_display_path

from .reference_data import load_fixture, without_0107_shell_captures

REFERENCE: list[dict[str, Any]] = without_0107_shell_captures(
    load_fixture("parse_command_reference.json")
)
#: Where we knowingly differ: a lone `}` is a command for the reference's parser.
KNOWN_DIFFERENCES = {("bash", "-lc", "} && pwd")}


@pytest.mark.parametrize(
    "case", [c for c in REFERENCE if tuple(c["argv"]) not in KNOWN_DIFFERENCES], ids=repr
)
def test_matches_the_reference(case: dict[str, Any]) -> None:
    parsed = [p.model_dump(mode="json") for p in parse_command(case["argv"])]
    assert parsed == case["parsed_cmd"]


def dump(argv: list[str]) -> list[dict[str, Any]]:
    return [p.model_dump(mode="json", exclude_none=True) for p in parse_command(argv)]


def test_reads_listings_and_searches() -> None:
    assert dump(["cat", "src/main.rs"]) == [
        {"type": "read", "cmd": "cat src/main.rs", "name": "main.rs", "path": "src/main.rs"}
    ]
    assert dump(["ls", "-la", "webview/src/"]) == [
        {"type": "list_files", "cmd": "ls -la webview/src/", "path": "webview"}
    ]
    assert dump(["rg", "-n", "TODO", "src"]) == [
        {"type": "search", "cmd": "rg -n TODO src", "query": "TODO", "path": "src"}
    ]
    assert dump(["git", "status"]) == [{"type": "unknown", "cmd": "git status"}]


def test_login_shell_scripts_drop_formatting_helpers_and_fold_cd() -> None:
    assert dump(["bash", "-lc", "nl -ba src/lib.rs | sed -n '1,40p'"]) == [
        {
            "type": "read",
            "cmd": "nl -ba src/lib.rs | sed -n '1,40p'",
            "name": "lib.rs",
            "path": "src/lib.rs",
        }
    ]
    assert dump(["bash", "-lc", "cd core && cat src/lib.rs"]) == [
        {"type": "read", "cmd": "cat src/lib.rs", "name": "lib.rs", "path": "core/src/lib.rs"}
    ]
    assert dump(["bash", "-lc", "rg --files | wc -l"]) == [{"type": "search", "cmd": "rg --files"}]
    assert dump(["bash", "-lc", "echo start && ls"]) == [{"type": "list_files", "cmd": "ls"}]


def test_scripts_beyond_plain_words_are_unknown() -> None:
    assert dump(["bash", "-lc", "cat a > b"]) == [{"type": "unknown", "cmd": "cat a > b"}]


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("src/main.rs", "main.rs"),
        ("webview/src", "webview"),
        ("packages/app/node_modules/", "app"),
        ("src/", "src"),
        ("/", ""),
        ("a\\b", "b"),
    ],
)
def test_short_display_path(path: str, shown: str) -> None:
    assert short_display_path(path) == shown
