"""The committed TypeScript compiles on its own, and is wire-compatible with
the reference's in the direction each message flows (ts-compat)."""

from __future__ import annotations

import re
import subprocess
import sys

from ._node import require_npm_or_cached_tsc, tsc
from ._reference import REFERENCE_TYPESCRIPT, REPO, TS_COMPAT, require

TYPESCRIPT = REPO / "schema" / "typescript"
#: The target: the reference's TypeScript of Codex 0.107.0 (v1 at the top, v2 in v2/).
REFERENCE_0107 = REFERENCE_TYPESCRIPT


def test_ts_compat_reports_no_failure() -> None:
    require(TS_COMPAT)
    require(REFERENCE_0107)
    require_npm_or_cached_tsc()
    proc = subprocess.run(
        [sys.executable, str(TS_COMPAT), str(TYPESCRIPT), "--ref", str(REFERENCE_0107)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = proc.stdout.strip().splitlines()
    assert lines and re.fullmatch(r"\d+ passed, \d+ failed", lines[-1]), proc.stdout + proc.stderr
    failures = [line for line in lines[:-1] if not line.startswith("info:")]
    assert failures == [], proc.stdout + proc.stderr


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
