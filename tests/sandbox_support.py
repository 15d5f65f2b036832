"""Tests that run commands under a sandboxed policy need bubblewrap."""

from __future__ import annotations

import pytest


def needs_sandbox() -> None:
    """Skip the calling test, saying why, where bubblewrap cannot sandbox."""
    from app_server.tools.sandbox import SandboxUnavailable, require_bubblewrap

    try:
        require_bubblewrap()
    except SandboxUnavailable as exc:
        pytest.skip(str(exc))
