"""Running one git command for its output (a fact about a repository)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import anyio

from ..logs import log


async def git_output(cwd: Path, *args: str, timeout: float) -> str | None:
    """The trimmed output of ``git <args>`` in ``cwd``; None when git fails,
    is missing, or takes longer than ``timeout`` seconds."""
    with anyio.move_on_after(timeout):
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
