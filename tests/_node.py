"""The TypeScript compiler for the tests, or a skip saying why there is none."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Final

import pytest

TYPESCRIPT_VERSION: Final = "5.6.3"


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def require_node() -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the TypeScript checks need node and npm")


def tsc() -> str:
    """The ``tsc`` that ts-compat installed, or one installed into our own cache folder."""
    require_node()
    for found in sorted((_cache_home() / "ts-compat").glob("*/node_modules/.bin/tsc")):
        return str(found)
    folder = _cache_home() / "codex-app-server-tests" / TYPESCRIPT_VERSION
    compiler = folder / "node_modules" / ".bin" / "tsc"
    if not compiler.exists():
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed: cannot install the TypeScript compiler")
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--silent",
                f"typescript@{TYPESCRIPT_VERSION}",
            ],
            cwd=folder,
            check=True,
        )
    return str(compiler)


def require_npm_or_cached_tsc() -> None:
    """ts-compat installs typescript with npm unless it did so already."""
    require_node()
    cached = any((_cache_home() / "ts-compat").glob("*/node_modules/.bin/tsc"))
    if not cached and shutil.which("npm") is None:
        pytest.skip("npm is not installed and ts-compat has no cached TypeScript compiler")
