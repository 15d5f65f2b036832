"""gitDiffToRemote through the real process, on repositories with a local
bare remote. Expectations are the reference's (codex 0.50.0) on the same
repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.harness.stdio import DaemonClient

Spawn = Callable[..., DaemonClient]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

#: Neither the tests' git nor the daemon's reads the user's git configuration.
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def daemon(spawn: Spawn) -> DaemonClient:
    return spawn(env=dict(GIT_ENV))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose `main` is pushed to a bare remote."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    work = tmp_path / "work"
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    (work / "a.txt").write_text("one\ntwo\n")
    (work / "sub").mkdir()
    (work / "sub/s.txt").write_text("s\n")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "first")
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "-q", "-u", "origin", "main")
    return work


def test_a_clean_pushed_repository_has_an_empty_diff(daemon: DaemonClient, repo: Path) -> None:
    result = daemon.call("gitDiffToRemote", {"cwd": str(repo)})
    assert result == {"sha": git(repo, "rev-parse", "origin/main"), "diff": ""}


def test_tracked_changes_untracked_files_and_unpushed_commits(
    daemon: DaemonClient, repo: Path
) -> None:
    pushed = git(repo, "rev-parse", "HEAD")
    (repo / "b.txt").write_text("b\n")
    git(repo, "add", "b.txt")
    git(repo, "commit", "-q", "-m", "not pushed")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "a.txt").write_text("one\ntwo\nthree\n")
    (repo / "new.txt").write_text("new\n")
    (repo / "sub/deep").mkdir()
    (repo / "sub/deep/u.txt").write_text("deep\n")
    (repo / "blob.bin").write_bytes(b"\x00\x01bin")
    (repo / ".gitignore").write_text("*.ignored\n")
    (repo / "skip.ignored").write_text("no\n")

    result = daemon.call("gitDiffToRemote", {"cwd": str(repo)})
    assert result["sha"] == pushed
    diff = result["diff"]
    # The tracked part first (committed or not), then each untracked file.
    assert diff.startswith(
        "diff --git a/a.txt b/a.txt\nindex 814f4a4..4cb29ea 100644\n--- a/a.txt\n+++ b/a.txt\n"
        "@@ -1,2 +1,3 @@\n one\n two\n+three\n"
        "diff --git a/b.txt b/b.txt\nnew file mode 100644\nindex 0000000..6178079\n"
        "--- /dev/null\n+++ b/b.txt\n@@ -0,0 +1 @@\n+b\n"
    )
    assert (
        "diff --git a/new.txt b/new.txt\nnew file mode 100644\nindex 0000000..3e75765\n"
        "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+new\n"
    ) in diff
    assert "+++ b/sub/deep/u.txt\n@@ -0,0 +1 @@\n+deep\n" in diff
    assert "diff --git a/blob.bin b/blob.bin\nnew file mode 100644\n" in diff
    assert "GIT binary patch\n" in diff
    assert "diff --git a/.gitignore b/.gitignore\n" in diff
    assert "skip.ignored" not in diff
    # Untracked files come in git's order, after the tracked changes.
    order = [
        diff.index(f"diff --git a/{name} b/{name}\n")
        for name in (".gitignore", "blob.bin", "new.txt", "sub/deep/u.txt")
    ]
    assert order == sorted(order)
    assert diff.index("diff --git a/b.txt b/b.txt\n") < order[0]

    # From a subdirectory: the whole tracked diff, untracked files below it only,
    # named relative to it.
    below = daemon.call("gitDiffToRemote", {"cwd": str(repo / "sub")})
    assert below["sha"] == pushed
    assert "diff --git a/a.txt b/a.txt\n" in below["diff"]
    assert "diff --git a/deep/u.txt b/deep/u.txt\n" in below["diff"]
    assert "new.txt" not in below["diff"]


def test_outside_a_repository_the_error_is_the_references(
    daemon: DaemonClient, tmp_path: Path
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    error = daemon.call_error("gitDiffToRemote", {"cwd": str(plain)})
    assert error["code"] == -32600
    assert error["message"] == f'failed to compute git diff to remote for cwd: "{plain}"'
    assert error["data"] == {"reason": "not inside a git repository"}
    odd = str(tmp_path / 'no "such" dir')
    error = daemon.call_error("gitDiffToRemote", {"cwd": odd})
    assert error["message"] == (
        "failed to compute git diff to remote for cwd: " + '"' + odd.replace('"', '\\"') + '"'
    )


def test_a_repository_without_a_remote_is_an_error(daemon: DaemonClient, tmp_path: Path) -> None:
    local = tmp_path / "local"
    git(tmp_path, "init", "-q", "-b", "main", str(local))
    (local / "x").write_text("x\n")
    git(local, "add", "x")
    git(local, "commit", "-q", "-m", "x")
    error = daemon.call_error("gitDiffToRemote", {"cwd": str(local)})
    assert error == {
        "code": -32600,
        "message": f'failed to compute git diff to remote for cwd: "{local}"',
        "data": {"reason": "the repository has no remote"},
    }


def test_a_remote_that_has_nothing_of_head_is_an_error(
    daemon: DaemonClient, tmp_path: Path
) -> None:
    remote = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    work = tmp_path / "work"
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    (work / "x").write_text("x\n")
    git(work, "add", "x")
    git(work, "commit", "-q", "-m", "x")
    git(work, "remote", "add", "origin", str(remote))
    error = daemon.call_error("gitDiffToRemote", {"cwd": str(work)})
    assert error["message"] == f'failed to compute git diff to remote for cwd: "{work}"'
    assert error["data"] == {"reason": "no remote branch has a commit of HEAD's history"}
