"""Running a script in a fresh interpreter (this test process has imported
everything already), to see what importing or loading does there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def run_fresh(script: str, codex_home: Path, stdin: bytes = b"") -> Any:
    """Run ``script`` from the repository with ``CODEX_HOME`` set; what it
    wrote, as JSON, to the file named by ``$RESULT_OUT``."""
    out = codex_home / "result.json"
    env = {**os.environ, "CODEX_HOME": str(codex_home), "RESULT_OUT": str(out)}
    subprocess.run(
        [sys.executable, "-c", script],
        input=stdin,
        cwd=REPO,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )
    return json.loads(out.read_text())
