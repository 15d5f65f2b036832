"""The Codex patch format: parsing, leniency, errors, all-or-nothing writes, diffs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app_server.tools.apply_patch import (
    VERIFICATION_FAILED,
    PatchApplyError,
    PatchInvocation,
    PatchParseError,
    PatchWriteError,
    TurnDiffTracker,
    apply_plan,
    find_patch_invocation,
    parse_patch,
    plan_patch,
    unified_diff,
)

from .reference_data import load_fixture


def patch(*body: str) -> str:
    return "*** Begin Patch\n" + "".join(body) + "*** End Patch"


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode())


def read_tree(root: Path) -> dict[str, str]:
    tree = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            with path.open(encoding="utf-8", errors="replace") as file:  # universal newlines
                tree[str(path.relative_to(root))] = file.read()
    return tree


def apply(text: str, cwd: Path) -> str:
    """Apply like the turn loop: the summary, or the model's error message."""
    try:
        plan = plan_patch(text, cwd)
        apply_plan(plan)
    except (PatchParseError, PatchApplyError) as exc:
        return VERIFICATION_FAILED + str(exc)
    return plan.summary()


# --- the reference's apply_patch program, case by case --------------------------

#: Cases where we deliberately differ from the reference's `apply_patch` program:
#: it deletes/writes as it goes (a failing patch leaves earlier files changed) and
#: reports a missing file to delete only when deleting; we check everything first.
CHECKED_FIRST = {"delete_missing", "delete_dir", "fail_midway", "delete_then_update"}


@pytest.mark.parametrize(
    "case", load_fixture("apply_patch_cli_reference.json"), ids=lambda c: str(c["name"])
)
def test_matches_the_reference_program(
    case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, case["files"])
    monkeypatch.chdir(tmp_path)
    stdout = stderr = ""
    try:
        plan = plan_patch(case["patch"], "")
        if plan.hunks:
            apply_plan(plan)
            stdout = plan.summary()
        else:
            stderr = "No files were modified.\n"
    except PatchParseError as exc:
        stderr = exc.cli_message() + "\n"
    except (PatchApplyError, PatchWriteError) as exc:
        stderr = f"{exc}\n"
    if case["name"] in CHECKED_FIRST:
        assert case["exit_code"] != 0 and stderr
        assert read_tree(tmp_path) == {k: v.replace("\r\n", "\n") for k, v in case["files"].items()}
        return
    assert (stdout, stderr) == (case["stdout"], case["stderr"])
    assert read_tree(tmp_path) == case["files_after"]


# --- behaviour ----------------------------------------------------------------------


def test_add_update_move_and_delete(tmp_path: Path) -> None:
    write_tree(tmp_path, {"f.txt": "one\ntwo\nthree\n", "old.txt": "x\n", "gone.txt": "bye\n"})
    text = patch(
        "*** Add File: sub/new.txt\n+hello\n+world\n",
        "*** Update File: f.txt\n@@ one\n-two\n+TWO\n three\n",
        "*** Update File: old.txt\n*** Move to: moved/new_name.txt\n@@\n-x\n+y\n",
        "*** Delete File: gone.txt\n",
    )
    plan = plan_patch(text, tmp_path)
    changes = {k: v.model_dump(mode="json") for k, v in plan.changes.items()}
    assert changes == {
        f"{tmp_path}/sub/new.txt": {"type": "add", "content": "hello\nworld\n"},
        f"{tmp_path}/f.txt": {
            "type": "update",
            "unified_diff": "@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n",
            "move_path": None,
        },
        f"{tmp_path}/old.txt": {
            "type": "update",
            "unified_diff": "@@ -1 +1 @@\n-x\n+y\n",
            "move_path": f"{tmp_path}/moved/new_name.txt",
        },
        f"{tmp_path}/gone.txt": {"type": "delete", "content": "bye\n"},
    }
    apply_plan(plan)
    assert plan.summary() == (
        "Success. Updated the following files:\n"
        "A sub/new.txt\nM f.txt\nM moved/new_name.txt\nD gone.txt\n"
    )
    assert read_tree(tmp_path) == {
        "sub/new.txt": "hello\nworld\n",
        "f.txt": "one\nTWO\nthree\n",
        "moved/new_name.txt": "y\n",
    }


def test_a_patch_failing_midway_changes_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": "a\n", "b.txt": "b\n"})
    text = patch(
        "*** Add File: new.txt\n+new\n",
        "*** Update File: a.txt\n@@\n-a\n+A\n",
        "*** Delete File: b.txt\n",
        "*** Update File: b.txt\n@@\n-b\n+B\n",
    )
    message = apply(text, tmp_path)
    assert message == (
        f"{VERIFICATION_FAILED}Failed to read file to update {tmp_path}/b.txt: "
        "No such file or directory (os error 2)"
    )
    assert read_tree(tmp_path) == {"a.txt": "a\n", "b.txt": "b\n"}


def test_a_write_failing_midway_is_rolled_back(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": "a\n", "blocker": "a file, not a folder\n", "d.txt": "d\n"})
    text = patch(
        "*** Update File: a.txt\n@@\n-a\n+A\n",
        "*** Delete File: d.txt\n",
        "*** Add File: fresh/dir/x.txt\n+x\n",
        "*** Add File: blocker/inside.txt\n+x\n",
    )
    plan = plan_patch(text, tmp_path)
    with pytest.raises(PatchWriteError, match=r"blocker/inside\.txt"):
        apply_plan(plan)
    assert read_tree(tmp_path) == {
        "a.txt": "a\n",
        "blocker": "a file, not a folder\n",
        "d.txt": "d\n",
    }
    assert not (tmp_path / "fresh").exists()


def test_a_file_name_with_a_nul_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": "a\n"})
    plan = plan_patch(patch("*** Add File: ok.txt\n+y\n", "*** Add File: b\0c\n+x\n"), tmp_path)
    tracker = TurnDiffTracker()
    tracker.on_patch_begin(plan.changes)
    with pytest.raises(PatchWriteError, match="file name contained an unexpected NUL byte"):
        apply_plan(plan)
    assert read_tree(tmp_path) == {"a.txt": "a\n"}
    assert tracker.unified_diff() is None
    assert apply(patch("*** Update File: a\0.txt\n@@\n-a\n+A\n"), tmp_path) == (
        f"{VERIFICATION_FAILED}Failed to read file to update {tmp_path}/a\0.txt: "
        "file name contained an unexpected NUL byte"
    )


def test_writing_outside_the_writable_roots_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "escape").symlink_to(outside)
    for target in ("../outside/x.txt", "escape/x.txt"):
        plan = plan_patch(
            patch(f"*** Add File: {target}\n+x\n", "*** Add File: ok.txt\n+y\n"), root
        )
        with pytest.raises(PatchWriteError) as refused:
            apply_plan(plan, writable_roots=[root])
        assert refused.value.sandbox_denied
        assert "Read-only file system (os error 30)" in str(refused.value)
        assert not (outside / "x.txt").exists()
        assert not (root / "ok.txt").exists()
    plan = plan_patch(patch("*** Add File: ok.txt\n+y\n"), root)
    apply_plan(plan, writable_roots=[root])
    assert (root / "ok.txt").read_text() == "y\n"


def test_permissions_are_kept_and_symlinks_written_through(tmp_path: Path) -> None:
    write_tree(tmp_path, {"run.sh": "echo hi\n", "real.txt": "r\n"})
    (tmp_path / "run.sh").chmod(0o755)
    (tmp_path / "link.txt").symlink_to("real.txt")
    apply(patch("*** Update File: run.sh\n@@\n-echo hi\n+echo ho\n"), tmp_path)
    apply(patch("*** Update File: link.txt\n@@\n-r\n+R\n"), tmp_path)
    assert (tmp_path / "run.sh").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "real.txt").read_text() == "R\n"


@pytest.mark.parametrize(
    ("original", "chunk", "expected"),
    [
        # (Context lines come out as the patch writes them.)
        ("one\ntwo   \nthree\n", " two\n-three\n+THREE\n", "one\ntwo\nTHREE\n"),
        ("one\n  two\nthree\n", "   two \n-three\n+THREE\n", "one\n  two \nTHREE\n"),
        ("x = \u201chi\u201d \u2014 y\n", '-x = "hi" - y\n+z\n', "z\n"),
        ("x\na\nx\n", "-x\n+X\n*** End of File\n", "x\na\nX\n"),
        ("no newline", "-no newline\n+with newline\n", "with newline\n"),
    ],
    ids=[
        "trailing-whitespace",
        "surrounding-whitespace",
        "unicode-punctuation",
        "end-of-file",
        "no-final-newline",
    ],
)
def test_lenient_context_matching(tmp_path: Path, original: str, chunk: str, expected: str) -> None:
    write_tree(tmp_path, {"f.txt": original})
    apply(patch("*** Update File: f.txt\n@@\n" + chunk), tmp_path)
    assert (tmp_path / "f.txt").read_text() == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("garbage", "invalid patch: The first line of the patch must be '*** Begin Patch'"),
        ("*** Begin Patch\n", "invalid patch: The last line of the patch must be '*** End Patch'"),
        (
            patch("*** Frobnicate File: a\n"),
            "invalid hunk at line 2, '*** Frobnicate File: a' is not a valid hunk header. Valid "
            "hunk headers: '*** Add File: {path}', '*** Delete File: {path}', "
            "'*** Update File: {path}'",
        ),
        (
            patch("*** Update File: f.txt\n"),
            "invalid hunk at line 2, Update file hunk for path 'f.txt' is empty",
        ),
        (
            patch("*** Update File: f.txt\n@@\n two\nxthree\n"),
            "invalid hunk at line 5, Expected update hunk to start with a @@ context marker, got: "
            "'xthree'",
        ),
        (
            patch("*** Update File: f.txt\n@@ nope\n-two\n+x\n"),
            "Failed to find context 'nope' in {cwd}/f.txt",
        ),
        (
            patch("*** Update File: f.txt\n@@\n-tree\n-fore\n+x\n"),
            "Failed to find expected lines in {cwd}/f.txt:\ntree\nfore",
        ),
        (
            patch("*** Delete File: nope.txt\n"),
            "Failed to read {cwd}/nope.txt: No such file or directory (os error 2)",
        ),
    ],
)
def test_bad_patches_are_explained(tmp_path: Path, text: str, message: str) -> None:
    write_tree(tmp_path, {"f.txt": "one\ntwo\nthree\nfour\n"})
    assert apply(text, tmp_path) == VERIFICATION_FAILED + message.replace("{cwd}", str(tmp_path))
    assert read_tree(tmp_path) == {"f.txt": "one\ntwo\nthree\nfour\n"}


def test_heredoc_wrapped_patches_parse() -> None:
    hunks = parse_patch("<<'EOF'\n" + patch("*** Add File: a\n+x\n") + "\nEOF\n")
    assert len(hunks) == 1


# --- diffs ------------------------------------------------------------------------


@pytest.mark.parametrize("case", load_fixture("diff_reference.json.gz"), ids=lambda c: "")
def test_file_change_diffs_match_the_reference(case: dict[str, str]) -> None:
    assert unified_diff(case["old"], case["new"], 1) == case["unified_diff"]


def test_turn_diff_in_a_repository(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write_tree(
        tmp_path,
        {
            "long.txt": "".join(f"l{i}\n" for i in range(1, 13)),
            "nonl.txt": "no newline",
            "sub/x.txt": "a\nb\n",
            "gone.txt": "a\nb\n",
        },
    )
    tracker = TurnDiffTracker()
    assert tracker.unified_diff() is None
    text = patch(
        "*** Update File: long.txt\n@@\n l1\n-l2\n+L2\n@@\n l10\n-l11\n+L11\n",
        "*** Update File: nonl.txt\n@@\n-no newline\n+with newline\n",
        "*** Update File: sub/x.txt\n*** Move to: sub/y.txt\n@@\n a\n-b\n+B\n",
        "*** Add File: sub/new.txt\n+n\n",
        "*** Delete File: gone.txt\n",
    )
    plan = plan_patch(text, tmp_path)
    tracker.on_patch_begin(plan.changes)
    apply_plan(plan)
    assert tracker.unified_diff() == (
        "diff --git a/gone.txt b/gone.txt\n"
        "deleted file mode 100644\n"
        "index 422c2b7ab3b3c668038da977e4e93a5fc623169c..0000000000000000000000000000000000000000\n"
        "--- a/gone.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n"
        "diff --git a/long.txt b/long.txt\n"
        "index 1b2a1c578aec87508e112ab973ba9fe53cbeac2e..9597317d5107afbdd49c67455290250219784875\n"
        "--- a/long.txt\n+++ b/long.txt\n"
        "@@ -1,5 +1,5 @@\n l1\n-l2\n+L2\n l3\n l4\n l5\n"
        "@@ -8,5 +8,5 @@\n l8\n l9\n l10\n-l11\n+L11\n l12\n"
        "diff --git a/nonl.txt b/nonl.txt\n"
        "index 20cbb4d89224e1ed724b7feaf5c4f4479e25212a..69ddea91c13abd40bebdf12bde97037fa05346c5\n"
        "--- a/nonl.txt\n+++ b/nonl.txt\n"
        "@@ -1 +1 @@\n-no newline\n\\ No newline at end of file\n+with newline\n"
        "diff --git a/sub/new.txt b/sub/new.txt\n"
        "new file mode 100644\n"
        "index 0000000000000000000000000000000000000000..8ba3a16384aacc37d01564b28401755ce8053f51\n"
        "--- /dev/null\n+++ b/sub/new.txt\n@@ -0,0 +1 @@\n+n\n"
        "diff --git a/sub/x.txt b/sub/y.txt\n"
        "index 422c2b7ab3b3c668038da977e4e93a5fc623169c..55dce135f5939fc45738aec42a917794a39cbfce\n"
        "--- a/sub/x.txt\n+++ b/sub/y.txt\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n"
    )
    # A second patch in the same turn keeps the first baselines.
    plan = plan_patch(patch("*** Update File: long.txt\n@@\n l5\n-l6\n+L6\n"), tmp_path)
    tracker.on_patch_begin(plan.changes)
    apply_plan(plan)
    diff = tracker.unified_diff()
    assert diff is not None and "-l2\n+L2\n" in diff and "-l6\n+L6\n" in diff


def test_turn_diff_outside_a_repository_shows_absolute_paths(tmp_path: Path) -> None:
    tracker = TurnDiffTracker()
    plan = plan_patch(patch("*** Add File: new.txt\n+hello\n"), tmp_path)
    tracker.on_patch_begin(plan.changes)
    apply_plan(plan)
    diff = tracker.unified_diff()
    assert diff is not None
    if not any((parent / ".git").exists() for parent in tmp_path.parents):
        assert diff.startswith(f"diff --git a/{tmp_path}/new.txt b/{tmp_path}/new.txt\n")


# --- patches through the shell tool -------------------------------------------------

P = patch("*** Add File: a.txt\n+x\n")


@pytest.mark.parametrize(
    ("argv", "found"),
    [
        (["apply_patch", P], PatchInvocation(P)),
        (["applypatch", P], PatchInvocation(P)),
        (["bash", "-lc", f"apply_patch <<'EOF'\n{P}\nEOF\n"], PatchInvocation(P + "\n")),
        (["bash", "-lc", f"apply_patch <<EOF\n{P}\nEOF"], PatchInvocation(P + "\n")),
        (["bash", "-lc", f'  applypatch <<"PATCH"\n{P}\nPATCH\n'], PatchInvocation(P + "\n")),
        (
            ["bash", "-lc", f"cd sub && apply_patch <<'EOF'\n{P}\nEOF\n"],
            PatchInvocation(P + "\n", "sub"),
        ),
        (
            ["bash", "-lc", f"cd 'my dir' && apply_patch <<'EOF'\n{P}\nEOF\n"],
            PatchInvocation(P + "\n", "my dir"),
        ),
        (["apply_patch"], None),
        (["apply_patch", P, "extra"], None),
        (["/usr/bin/apply_patch", P], None),
        (["bash", "-c", f"apply_patch <<'EOF'\n{P}\nEOF\n"], PatchInvocation(P + "\n")),
        (["/bin/zsh", "-lc", f"apply_patch <<'EOF'\n{P}\nEOF\n"], PatchInvocation(P + "\n")),
        (["/bin/dash", "-lc", f"apply_patch <<'EOF'\n{P}\nEOF\n"], None),
        (["bash", "-lc", f"apply_patch <<'EOF'\n{P}\nEOF\necho done\n"], None),
        (["bash", "-lc", f"cd sub; apply_patch <<'EOF'\n{P}\nEOF\n"], None),
        (["bash", "-lc", f"cd a && cd b && apply_patch <<'EOF'\n{P}\nEOF\n"], None),
        (["bash", "-lc", f'apply_patch "{P}"'], None),
    ],
)
def test_shell_invocations(argv: list[str], found: PatchInvocation | None) -> None:
    assert find_patch_invocation(argv) == found
