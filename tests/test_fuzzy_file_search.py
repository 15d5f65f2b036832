"""fuzzyFileSearch through the real process: what is listed, how it ranks,
the result cap, cancellation, and listings that follow the file system.

Expected scores and positions are the reference's (codex 0.107.0) on the
same trees. Unlike the reference, `.git` is never listed."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.harness.stdio import DaemonClient

Spawn = Callable[..., DaemonClient]


def _touch(root: Path, *paths: str) -> None:
    for rel in paths:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")


def _search(client: DaemonClient, query: str, *roots: Path | str) -> list[Any]:
    result = client.call("fuzzyFileSearch", {"query": query, "roots": [str(r) for r in roots]})
    files: list[Any] = result["files"]
    return files


def _paths(files: list[Any]) -> list[str]:
    return [f["path"] for f in files]


def make_tree(root: Path) -> Path:
    """Nested ignore files, a repository, hidden files and symbolic links."""
    _touch(
        root,
        "README.md",
        ".env",
        "app.log",
        "build/out.js",
        "src/main.rs",
        "src/debug.log",
        "src/keep.log",
        "src/secret.txt",
        "src/deep/notes.txt",
        "src/deep/draft.tmp",
        "src/deep/local.cfg",
        "docs/guide.md",
        ".git/HEAD",
        ".git/config",
        ".git/info/exclude",
    )
    (root / ".gitignore").write_text("*.log\nbuild/\n# a comment\n")
    # Deeper rules win: keep.log is back in, secret.txt goes.
    (root / "src/.gitignore").write_text("!keep.log\nsecret.txt\n")
    # .ignore files count too, and win over .gitignore files.
    (root / "src/deep/.ignore").write_text("*.tmp\n")
    (root / ".git/info/exclude").write_text("local.cfg\n")
    (root / "link.md").symlink_to(root / "docs/guide.md")
    (root / "linkdir").symlink_to(root / "docs")
    return root


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "tree")


def test_lists_what_ignore_files_leave_and_skips_git(spawn: Spawn, tree: Path) -> None:
    client = spawn()
    # A blank (not empty) query matches every file, with score 0, in path order.
    files = _search(client, " ", tree)
    assert _paths(files) == [
        ".env",
        ".gitignore",
        "README.md",
        "docs/guide.md",
        "link.md",
        "linkdir/guide.md",
        "src/.gitignore",
        "src/deep/.ignore",
        "src/deep/notes.txt",
        "src/keep.log",
        "src/main.rs",
    ]
    assert all(f["score"] == 0 and f["indices"] == [] for f in files)
    assert all(f["root"] == str(tree) for f in files)
    # Symbolic links are followed: a link to a directory is walked.
    assert "linkdir" not in _paths(files)


def test_ignore_files_above_the_root_apply(spawn: Spawn, tree: Path) -> None:
    client = spawn()
    files = _search(client, " ", tree / "src")
    assert _paths(files) == [".gitignore", "deep/.ignore", "deep/notes.txt", "keep.log", "main.rs"]


def test_scores_positions_and_file_names_are_the_references(spawn: Spawn, tree: Path) -> None:
    client = spawn()
    files = _search(client, "main", tree)
    assert files == [
        {
            "root": str(tree),
            "path": "src/main.rs",
            "file_name": "main.rs",
            "score": 109,
            "indices": [4, 5, 6, 7],
        }
    ]
    # Best first, ties by path; a match at the very start scores as one
    # after a '/', more than one inside a word.
    ranked = [(f["path"], f["score"], f["indices"]) for f in _search(client, "d", tree)]
    assert ranked == [
        ("docs/guide.md", 34, [0]),
        ("src/deep/.ignore", 34, [4]),
        ("src/deep/notes.txt", 34, [4]),
        ("README.md", 16, [3]),
        ("link.md", 16, [6]),
        ("linkdir/guide.md", 16, [4]),
    ]
    # Several words: every one must match; scores add up, positions merge.
    assert [(f["path"], f["score"], f["indices"]) for f in _search(client, "src mai", tree)] == [
        ("src/main.rs", 168, [0, 1, 2, 4, 5, 6])
    ]
    # An upper-case letter makes the match case-sensitive.
    assert _search(client, "Main", tree) == []
    assert [(f["path"], f["score"]) for f in _search(client, "READ", tree)] == [("README.md", 109)]
    # fzf's marks: a prefix, a negation (files without "md"), a suffix.
    assert _paths(_search(client, "^src main", tree)) == ["src/main.rs"]
    assert _paths(_search(client, "!md !git", tree)) == [
        ".env",
        "src/deep/.ignore",
        "src/deep/notes.txt",
        "src/keep.log",
        "src/main.rs",
    ]
    assert [(f["path"], f["score"]) for f in _search(client, "md$", tree)] == [
        ("README.md", 56),
        ("docs/guide.md", 56),
        ("link.md", 56),
        ("linkdir/guide.md", 56),
    ]


def test_empty_query_and_unusable_roots_find_nothing(spawn: Spawn, tree: Path) -> None:
    client = spawn()
    assert _search(client, "", tree) == []
    assert _search(client, "main") == []
    assert _search(client, "main", tree / "missing", tree / "README.md") == []


def test_several_roots_merge_and_keep_the_root_as_given(spawn: Spawn, tree: Path) -> None:
    client = spawn(cwd=tree.parent)
    files = _search(client, "notes", "tree", tree / "src/deep")
    assert [(f["root"], f["path"], f["score"]) for f in files] == [
        (str(tree / "src/deep"), "notes.txt", 134),
        ("tree", "src/deep/notes.txt", 134),
    ]


def test_at_most_fifty_results_best_first(spawn: Spawn, tmp_path: Path) -> None:
    root = tmp_path / "many"
    _touch(root, *(f"dir{i:03}/handler_{i:03}.py" for i in range(120)))
    _touch(root, "handler.py", "x/handler.py", "x/y/handlerz.py")
    client = spawn()
    files = _search(client, "handler", root)
    assert len(files) == 50
    # A match after '/' scores as one at the start: all 184. Of the ties,
    # the shortest paths are kept; they are answered by path.
    paths = [f["path"] for f in files]
    assert {"handler.py", "x/handler.py", "x/y/handlerz.py"} <= set(paths)
    assert {f["score"] for f in files} == {184}
    keys = [(-f["score"], f["path"]) for f in files]
    assert keys == sorted(keys)
    assert all(len(f["indices"]) == 7 for f in files)


def test_the_listing_follows_the_file_system(spawn: Spawn, tree: Path) -> None:
    client = spawn()
    assert _paths(_search(client, "notes", tree)) == ["src/deep/notes.txt"]
    _touch(tree, "src/deep/notes2.txt", "new/notes.md")
    (tree / "src/deep/notes.txt").unlink()
    assert _paths(_search(client, "notes", tree)) == ["new/notes.md", "src/deep/notes2.txt"]
    # A changed ignore file changes what is below it.
    (tree / "src/.gitignore").write_text("!keep.log\nsecret.txt\nnotes*\n")
    assert _paths(_search(client, "notes", tree)) == ["new/notes.md"]


def test_a_second_search_with_the_same_token_cancels_the_first(
    spawn: Spawn, tmp_path: Path
) -> None:
    # Big enough that listing it for the first time takes a while.
    root = tmp_path / "big"
    for d in range(200):
        folder = root / f"d{d:03}"
        folder.mkdir(parents=True)
        for f in range(50):
            (folder / f"file_{f:02}_handler.txt").write_text("")
    client = spawn()

    def request(request_id: int, query: str, token: str) -> str:
        params = {"query": query, "roots": [str(root)], "cancellationToken": token}
        return json.dumps({"id": request_id, "method": "fuzzyFileSearch", "params": params})

    # One write, so that the second arrives while the first is listing.
    start = client.mark()
    client.send_raw(
        (
            request(101, "handler", "typing")
            + "\n"
            + request(102, "d007 handler", "typing")
            + "\n"
            + request(103, "d008 handler", "other")
            + "\n"
        ).encode()
    )

    def response(request_id: int) -> Any:
        return client.wait_for(
            lambda m: m.get("id") == request_id and "result" in m,
            30,
            f"response {request_id}",
            start,
        )["result"]

    assert response(101) == {"files": []}
    second = response(102)["files"]
    assert len(second) == 50
    assert all(f["path"].startswith("d007/") for f in second)
    # Another token is another search: not cancelled.
    assert all(f["path"].startswith("d008/") for f in response(103)["files"])
    # The cancelled search left nothing behind: the same search works.
    assert len(_search(client, "handler", root)) == 50


def test_names_that_are_not_utf8_are_left_out(spawn: Spawn, tmp_path: Path) -> None:
    root = tmp_path / "names"
    root.mkdir()
    (root / "plain.txt").write_text("")
    try:
        (root / os.fsdecode(b"bad\xff.txt")).write_text("")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    client = spawn()
    assert _paths(_search(client, "txt", root)) == ["plain.txt"]


def test_the_global_excludes_file_applies(spawn: Spawn, tmp_path: Path) -> None:
    root = tmp_path / "project"
    _touch(root, "one.swp", "two.txt", "d/three.swp")
    home = tmp_path / "home"
    (home / ".config/git").mkdir(parents=True)
    (home / ".config/git/ignore").write_text("*.swp\n")
    client = spawn(env={"HOME": str(home), "XDG_CONFIG_HOME": None})
    assert _paths(_search(client, " ", root)) == ["two.txt"]
    # core.excludesFile in the user's git config takes its place.
    (home / "custom-ignore").write_text("*.txt\n")
    (home / ".gitconfig").write_text("[core]\n\texcludesFile = ~/custom-ignore\n")
    client = spawn(env={"HOME": str(home), "XDG_CONFIG_HOME": None})
    assert _paths(_search(client, " ", root)) == ["d/three.swp", "one.swp"]


def test_searches_before_and_after_the_server_loads_answer_the_same(
    spawn: Spawn, tree: Path
) -> None:
    """A search right after the handshake is answered by the early stage,
    whose listing the full server then goes on using: same bytes either way."""
    client = spawn()
    queries = ["main", "md", " ", "", "zzz", "^src !log"]
    before = [_search(client, q, tree, tree / "src") for q in queries]
    client.call("getUserAgent", {})  # only the full server answers it
    after = [_search(client, q, tree, tree / "src") for q in queries]
    assert before == after
    assert _paths(before[0]) == ["main.rs", "src/main.rs"]
    raw = [line for line in client.raw_lines if b'"files":' in line]
    assert len(raw) == 2 * len(queries)
    for early, late in zip(raw[: len(queries)], raw[len(queries) :], strict=True):
        assert early.split(b',"result":')[1] == late.split(b',"result":')[1]
