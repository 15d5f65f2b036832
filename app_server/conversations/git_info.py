"""The git facts recorded in a new conversation's ``session_meta``."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import anyio

from app_server_protocol.rollout import GitInfo

from ..git.command import git_output

#: A git command that takes longer is abandoned (its fact is left out).
GIT_TIMEOUT_SECONDS: Final = 5.0


async def collect_git_info(cwd: Path) -> GitInfo | None:
    """The commit, branch and origin URL of the repository holding ``cwd``;
    None outside a repository (each fact is left out when git cannot tell)."""
    if await git_output(cwd, "rev-parse", "--git-dir", timeout=GIT_TIMEOUT_SECONDS) is None:
        return None
    results: dict[str, str | None] = {}

    async def fetch(name: str, *args: str) -> None:
        results[name] = await git_output(cwd, *args, timeout=GIT_TIMEOUT_SECONDS)

    async with anyio.create_task_group() as group:
        group.start_soon(fetch, "commit", "rev-parse", "HEAD")
        group.start_soon(fetch, "branch", "rev-parse", "--abbrev-ref", "HEAD")
        group.start_soon(fetch, "url", "remote", "get-url", "origin")
    branch = results.get("branch")
    return GitInfo(
        commit_hash=results.get("commit") or None,
        branch=branch if branch and branch != "HEAD" else None,
        repository_url=results.get("url") or None,
    )
