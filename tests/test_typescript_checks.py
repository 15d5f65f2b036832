"""The committed TypeScript compiles on its own, and is wire-compatible with
the reference's in the direction each message flows (ts-compat)."""

from __future__ import annotations

import subprocess
import sys

from ._node import require_npm_or_cached_tsc, tsc
from ._reference import REPO, TS_COMPAT, require

TYPESCRIPT = REPO / "schema" / "typescript"


def test_ts_compat_reports_no_failure() -> None:
    require(TS_COMPAT)
    require_npm_or_cached_tsc()
    proc = subprocess.run(
        [sys.executable, str(TS_COMPAT), str(TYPESCRIPT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    assert summary.endswith(" 0 failed"), proc.stdout + proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_typescript_compiles_strictly_on_its_own() -> None:
    files = sorted(str(path.name) for path in TYPESCRIPT.glob("*.ts"))
    assert "index.ts" in files
    proc = subprocess.run(
        [
            tsc(),
            "--strict",
            "--noEmit",
            "--noUnusedLocals",
            "--isolatedModules",
            "--target",
            "es2020",
            "--moduleResolution",
            "node",
            *files,
        ],
        cwd=TYPESCRIPT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
