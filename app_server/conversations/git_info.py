"""The git facts recorded in a new conversation's ``session_meta``."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Final

import anyio

from app_server_protocol.rollout import GitInfo

from ..logs import log

#: A git command that takes longer is abandoned (its fact is left out).
GIT_TIMEOUT_SECONDS: Final = 5.0


async def _git(cwd: Path, *args: str) -> str | None:
    """The trimmed output of ``git <args>`` in ``cwd``; None when it fails."""
    with anyio.move_on_after(GIT_TIMEOUT_SECONDS):
        try:
            done = await anyio.run_process(
                ["git", *args],
                cwd=cwd,
                check=False,
                stdin=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            log.debug("git %s in %s: %s", " ".join(args), cwd, exc)
            return None
        if done.returncode != 0:
            return None
        return done.stdout.decode("utf-8", errors="replace").strip()
    return None


async def collect_git_info(cwd: Path) -> GitInfo | None:
    """The commit, branch and origin URL of the repository holding ``cwd``;
    None outside a repository (each fact is left out when git cannot tell)."""
    if await _git(cwd, "rev-parse", "--git-dir") is None:
        return None
    results: dict[str, str | None] = {}

    async def fetch(name: str, *args: str) -> None:
        results[name] = await _git(cwd, *args)

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
