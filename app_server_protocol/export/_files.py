"""Writing generated files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def write_files(out_dir: Path, files: Mapping[str, str]) -> None:
    """Write each file (UTF-8, ``\\n`` line ends) into `out_dir` (a name may
    include a subfolder: ``v2/Name.ts``), creating folders as needed.

    Files already there that are not in `files` are left alone.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(files.items()):
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
