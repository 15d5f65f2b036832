"""The committed ``schema/`` is exactly what the generators write today."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from app_server._version import __version__
from app_server_protocol.export import write_json_schema, write_npm_package

from ._reference import REPO

SCHEMA = REPO / "schema"
TOOL = REPO / "tools" / "export_schema.py"
HOW_TO_FIX = "schema/ is stale: run `.venv/bin/python tools/export_schema.py` and commit"


def _contents(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_committed_schema_is_fresh(tmp_path: Path) -> None:
    write_npm_package(tmp_path / "typescript", __version__)
    write_json_schema(tmp_path / "json")
    for folder in ("typescript", "json"):
        fresh, committed = _contents(tmp_path / folder), _contents(SCHEMA / folder)
        assert sorted(fresh) == sorted(committed), HOW_TO_FIX
        stale = [name for name in fresh if fresh[name] != committed[name]]
        assert stale == [], f"{HOW_TO_FIX} ({folder}: {stale[:5]})"


def test_output_does_not_depend_on_the_process(tmp_path: Path) -> None:
    for seed in ("1", "2"):
        subprocess.run(
            [sys.executable, str(TOOL), "--schema-dir", str(tmp_path / seed)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            capture_output=True,
        )
    assert _contents(tmp_path / "1") == _contents(tmp_path / "2")


def _export_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("export_schema", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tool_rewrites_both_folders_from_scratch(tmp_path: Path) -> None:
    stale = tmp_path / "typescript" / "Removed.ts"
    stale.parent.mkdir()
    stale.write_text("export type Removed = string;\n")
    assert _export_tool().main(["--schema-dir", str(tmp_path)]) == 0
    assert not stale.exists()
    assert _contents(tmp_path / "typescript") == _contents(SCHEMA / "typescript")
    assert _contents(tmp_path / "json") == _contents(SCHEMA / "json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["json", "typescript"]
