"""`parsed_cmd` as the reference computes it."""

from __future__ import annotations

from typing import Any

import pytest

from app_server.tools.parse_command import parse_command, short_display_path

from .reference_data import load_fixture

REFERENCE: list[dict[str, Any]] = load_fixture("parse_command_reference.json")


@pytest.mark.parametrize("case", REFERENCE, ids=repr)
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
    assert dump(["bash", "-lc", "rg --files | wc -l"]) == [
        {"type": "list_files", "cmd": "rg --files"}
    ]
    assert dump(["bash", "-lc", "echo start && ls"]) == [{"type": "list_files", "cmd": "ls"}]
    # 0.107.0: `head -n 5` without a file and `xargs cat` are helpers, `xargs sed -i` is not
    assert dump(["bash", "-lc", "rg -l x | xargs cat | head -n 5"]) == [
        {"type": "search", "cmd": "rg -l x", "query": "x"}
    ]
    assert dump(["bash", "-lc", "rg -l x | xargs sed -i s/a/b/"])[1] == {
        "type": "unknown",
        "cmd": "xargs sed -i s/a/b/",
    }


def test_reads_with_more_programs_than_050() -> None:
    assert dump(["head", "a.txt"]) == [
        {"type": "read", "cmd": "head a.txt", "name": "a.txt", "path": "a.txt"}
    ]
    assert dump(["awk", "-F", ":", "{print $1}", "a.txt"])[0]["type"] == "read"
    assert dump(["git", "grep", "TODO", "src"]) == [
        {"type": "search", "cmd": "git grep TODO src", "query": "TODO", "path": "src"}
    ]
    assert dump(["tree", "src"]) == [{"type": "list_files", "cmd": "tree src", "path": "src"}]
    assert dump(["find", "src", "-type", "f"])[0]["type"] == "list_files"
    assert dump(["pwsh", "-NoProfile", "-c", "Get-Item x"]) == [
        {"type": "unknown", "cmd": "Get-Item x"}
    ]


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
        ("node_modules\\src", "node_modules/src"),
    ],
)
def test_short_display_path(path: str, shown: str) -> None:
    assert short_display_path(path) == shown
