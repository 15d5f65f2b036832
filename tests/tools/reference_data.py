from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> Any:
    """A file captured from the reference binary (see fixtures/README.md)."""
    path = FIXTURES / name
    if path.suffix == ".gz":
        return json.loads(gzip.decompress(path.read_bytes()))
    return json.loads(path.read_text(encoding="utf-8"))


def without_0107_shell_captures(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The 0.50.0 cases minus the shell invocations captured again from 0.107.0
    (``shell_wrapper_reference.json``), which reads more of them as scripts."""
    newer = {tuple(case["argv"]) for case in load_fixture("shell_wrapper_reference.json")}
    return [case for case in cases if tuple(case["argv"]) not in newer]
