"""The parts of a review that need no daemon: reading the reviewer's answer,
showing it as text, and turning a target into the reviewer's request."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app_server.agent.review_output import (
    NO_REVIEW_TEXT,
    parse_review_output,
    review_text,
)
from app_server.agent.review_request import (
    EmptyReviewTarget,
    checked_target,
    merge_base,
    resolve_review,
    review_prompt,
    user_facing_hint,
)
from app_server_protocol.review import (
    ReviewOutputEvent,
    ReviewTargetBaseBranch,
    ReviewTargetCommit,
    ReviewTargetCustom,
    ReviewTargetUncommittedChanges,
)


def _finding(title: str, start: int = 3) -> dict[str, Any]:
    return {
        "title": title,
        "body": "first line\nsecond line",
        "confidence_score": 0.5,
        "priority": 2,
        "code_location": {
            "absolute_file_path": "/src/x.py",
            "line_range": {"start": start, "end": start + 1},
        },
    }


def _answer(*findings: dict[str, Any]) -> dict[str, Any]:
    return {
        "findings": list(findings),
        "overall_correctness": "patch is correct",
        "overall_explanation": "Fine overall.",
        "overall_confidence_score": 0.9,
    }


def test_a_json_answer_gives_the_findings() -> None:
    output = parse_review_output(json.dumps(_answer(_finding("Leak"))))
    assert output.overall_correctness == "patch is correct"
    assert output.overall_confidence_score == 0.9
    assert [f.title for f in output.findings] == ["Leak"]
    assert output.findings[0].code_location.line_range.end == 4


def test_json_inside_prose_or_a_fence_is_found() -> None:
    text = "Here is my review:\n```json\n" + json.dumps(_answer(_finding("Leak"))) + "\n```"
    assert [f.title for f in parse_review_output(text).findings] == ["Leak"]


def test_a_verdict_left_out_reads_as_none_given() -> None:
    output = parse_review_output(json.dumps({"findings": [_finding("Leak")]}))
    assert output.overall_explanation == ""
    assert output.overall_correctness == ""
    assert output.overall_confidence_score == 0.0
    assert len(output.findings) == 1


@pytest.mark.parametrize(
    "text",
    [
        "  All good, nothing to report.\n",
        '{"findings": [{"title": "no location"}]}',
        '{"verdict": "ok"}',
        "[1, 2]",
    ],
)
def test_any_other_answer_is_the_explanation(text: str) -> None:
    assert parse_review_output(text) == ReviewOutputEvent(
        findings=[],
        overall_correctness="",
        overall_explanation=text.strip(),
        overall_confidence_score=0.0,
    )


def test_the_review_text_has_the_explanation_then_the_findings() -> None:
    one = parse_review_output(json.dumps(_answer(_finding("Leak"))))
    assert review_text(one) == (
        "Fine overall.\n\nReview comment:\n\n- Leak — /src/x.py:3-4\n  first line\n  second line"
    )
    two = parse_review_output(json.dumps(_answer(_finding("Leak"), _finding("Race", 9))))
    assert review_text(two).splitlines()[2:] == [
        "Full review comments:",
        "",
        "- Leak — /src/x.py:3-4",
        "  first line",
        "  second line",
        "",
        "- Race — /src/x.py:9-10",
        "  first line",
        "  second line",
    ]


def test_a_review_without_anything_says_so() -> None:
    assert review_text(None) == NO_REVIEW_TEXT
    assert review_text(parse_review_output("   ")) == NO_REVIEW_TEXT
    only_findings = parse_review_output(json.dumps({"findings": [_finding("Leak")]}))
    assert review_text(only_findings).startswith("Review comment:")


def test_targets_are_trimmed_and_empty_ones_refused() -> None:
    assert checked_target(ReviewTargetBaseBranch(branch=" main ")) == ReviewTargetBaseBranch(
        branch="main"
    )
    assert checked_target(ReviewTargetCommit(sha=" abc ", title="  ")) == ReviewTargetCommit(
        sha="abc", title=None
    )
    assert checked_target(ReviewTargetCustom(instructions="\n look \n")) == ReviewTargetCustom(
        instructions="look"
    )
    for target, field in [
        (ReviewTargetBaseBranch(branch=" "), "branch"),
        (ReviewTargetCommit(sha=""), "sha"),
        (ReviewTargetCustom(instructions="\n\t"), "instructions"),
    ]:
        with pytest.raises(EmptyReviewTarget, match=f"^{field} must not be empty$"):
            checked_target(target)


def test_hints_name_what_is_reviewed() -> None:
    assert user_facing_hint(ReviewTargetUncommittedChanges()) == "current changes"
    assert user_facing_hint(ReviewTargetBaseBranch(branch="dev")) == "changes against 'dev'"
    assert user_facing_hint(ReviewTargetCommit(sha="0123456789abcdef")) == "commit 0123456"
    commit = ReviewTargetCommit(sha="0123456789abcdef", title="Fix it")
    assert user_facing_hint(commit) == "commit 0123456: Fix it"
    assert user_facing_hint(ReviewTargetCustom(instructions="look here")) == "look here"


def test_prompts_say_how_to_see_the_changes() -> None:
    assert "git diff" in review_prompt(ReviewTargetUncommittedChanges())
    with_base = review_prompt(ReviewTargetBaseBranch(branch="dev"), "f00d")
    assert "'dev'" in with_base and "`git diff f00d`" in with_base
    without = review_prompt(ReviewTargetBaseBranch(branch="dev"))
    assert "git merge-base HEAD" in without and "dev@{upstream}" in without
    commit = review_prompt(ReviewTargetCommit(sha="abc123", title="Fix it"))
    assert 'abc123 ("Fix it")' in commit and "git show abc123" in commit
    assert review_prompt(ReviewTargetCustom(instructions="look here")) == "look here"


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


async def test_a_base_branch_review_names_the_merge_base(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "config", "user.email", "t@example.com")
    _git(tmp_path, "config", "user.name", "T")
    _git(tmp_path, "commit", "-q", "--allow-empty", "-m", "base")
    base = _git(tmp_path, "rev-parse", "HEAD")
    _git(tmp_path, "checkout", "-q", "-b", "topic")
    _git(tmp_path, "commit", "-q", "--allow-empty", "-m", "work")
    assert await merge_base(tmp_path, "main") == base
    assert await merge_base(tmp_path, "no-such-branch") is None
    review = await resolve_review(ReviewTargetBaseBranch(branch="main"), tmp_path)
    assert f"git diff {base}" in review.prompt
    assert review.request().user_facing_hint == "changes against 'main'"
    outside = await resolve_review(ReviewTargetBaseBranch(branch="main"), tmp_path / "..")
    assert "git merge-base HEAD" in outside.prompt
