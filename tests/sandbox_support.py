"""Tests that run commands under a sandboxed policy need bubblewrap."""

from __future__ import annotations

import pytest


def bubblewrap_problem() -> str | None:
    """Why bubblewrap cannot sandbox here (None: it can)."""
    from app_server.tools.sandbox import SandboxUnavailable, require_bubblewrap

    try:
        require_bubblewrap()
    except SandboxUnavailable as exc:
        return str(exc)
    return None


def needs_sandbox() -> None:
    """Skip the calling test, saying why, where bubblewrap cannot sandbox."""
    problem = bubblewrap_problem()
    if problem is not None:
        pytest.skip(problem)


def skip_without_bubblewrap() -> pytest.MarkDecorator:
    """A mark skipping tests, saying why, where bubblewrap cannot sandbox."""
    problem = bubblewrap_problem()
    return pytest.mark.skipif(
        problem is not None,
        reason=f"bubblewrap cannot sandbox here ({problem}); "
        "`.ci/run` installs it where apt exists",
    )
