"""What a review is asked to look at: the target a client names becomes the
request the reviewer reads (with the git commands that show the changes)
and the short hint the client shows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from app_server_protocol.review import (
    ReviewRequest,
    ReviewTarget,
    ReviewTargetBaseBranch,
    ReviewTargetCommit,
    ReviewTargetCustom,
)

from ..git.command import git_output

_FINDINGS: Final = "Report the issues worth fixing, the most important first."
_GIT_TIMEOUT_SECONDS: Final = 10.0


class EmptyReviewTarget(ValueError):
    """The target names nothing to review; the message says which field."""


@dataclass(frozen=True)
class ResolvedReview:
    """A review ready to run."""

    target: ReviewTarget
    prompt: str
    """What the reviewer is asked (its one user message)."""
    hint: str
    """What the client shows for the review (``user_facing_hint``)."""

    def request(self) -> ReviewRequest:
        """The ``entered_review_mode`` event of this review."""
        return ReviewRequest(target=self.target, user_facing_hint=self.hint)


def checked_target(target: ReviewTarget) -> ReviewTarget:
    """``target`` with its text trimmed; raises `EmptyReviewTarget` when that
    leaves nothing to review."""
    if isinstance(target, ReviewTargetBaseBranch):
        branch = target.branch.strip()
        if not branch:
            raise EmptyReviewTarget("branch must not be empty")
        return target.model_copy(update={"branch": branch})
    if isinstance(target, ReviewTargetCommit):
        sha = target.sha.strip()
        if not sha:
            raise EmptyReviewTarget("sha must not be empty")
        title = target.title.strip() if target.title is not None else None
        return target.model_copy(update={"sha": sha, "title": title or None})
    if isinstance(target, ReviewTargetCustom):
        instructions = target.instructions.strip()
        if not instructions:
            raise EmptyReviewTarget("instructions must not be empty")
        return target.model_copy(update={"instructions": instructions})
    return target


def user_facing_hint(target: ReviewTarget) -> str:
    if isinstance(target, ReviewTargetBaseBranch):
        return f"changes against '{target.branch}'"
    if isinstance(target, ReviewTargetCommit):
        short = target.sha[:7]
        return f"commit {short}: {target.title}" if target.title else f"commit {short}"
    if isinstance(target, ReviewTargetCustom):
        return target.instructions
    return "current changes"


async def resolve_review(target: ReviewTarget, cwd: Path) -> ResolvedReview:
    """The review of ``target`` (checked) in the repository at ``cwd``."""
    base = None
    if isinstance(target, ReviewTargetBaseBranch):
        base = await merge_base(cwd, target.branch)
    return ResolvedReview(target, review_prompt(target, base), user_facing_hint(target))


def review_prompt(target: ReviewTarget, base: str | None = None) -> str:
    """The reviewer's request; ``base``: a base branch's merge base, when known."""
    if isinstance(target, ReviewTargetBaseBranch):
        branch = target.branch
        if base is not None:
            return (
                f"Review the changes of the current branch against the base branch "
                f"'{branch}'. Their merge base is commit {base}: `git diff {base}` shows "
                f"the changes to review. {_FINDINGS}"
            )
        return (
            f"Review the changes of the current branch against the base branch '{branch}'. "
            f"First find the commit they share (for instance "
            f'`git merge-base HEAD "$(git rev-parse --abbrev-ref "{branch}@{{upstream}}")"`, '
            f"or `git merge-base HEAD {branch}`), then run `git diff` against it to see "
            f"what would be merged into {branch}. {_FINDINGS}"
        )
    if isinstance(target, ReviewTargetCommit):
        named = f"commit {target.sha}"
        if target.title:
            named += f' ("{target.title}")'
        return (
            f"Review the changes made by {named}; `git show {target.sha}` shows them. {_FINDINGS}"
        )
    if isinstance(target, ReviewTargetCustom):
        return target.instructions
    return (
        "Review the uncommitted changes of the repository: staged, unstaged and untracked "
        "files (`git status`, `git diff` and `git diff --staged` show them). " + _FINDINGS
    )


async def merge_base(cwd: Path, branch: str) -> str | None:
    """The commit where HEAD and ``branch`` (its upstream when it has one)
    parted, or None when git cannot tell."""
    for other in (f"{branch}@{{upstream}}", branch):
        found = await git_output(cwd, "merge-base", "HEAD", other, timeout=_GIT_TIMEOUT_SECONDS)
        if found:
            return found
    return None
