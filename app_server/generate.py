"""``generate-ts`` and ``generate-json-schema``: the protocol's bindings
written into a folder, with a one-line error when that folder cannot be."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def generate(command: str, out: str, prettier: str | None = None) -> int:
    """Write the bindings ``command`` names into ``out``; the exit status."""
    folder = Path(out)
    try:
        if command == "generate-ts":
            from app_server_protocol.export.typescript import write_typescript

            write_typescript(folder)
        else:
            from app_server_protocol.export.json_schema import write_json_schema

            write_json_schema(folder)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        where = exc.filename if exc.filename is not None else out
        sys.stderr.write(f"Error: cannot write the output to `{out}`: {reason} ({where})\n")
        return 1
    if prettier is not None:
        return _format_with_prettier(prettier, folder)
    return 0


def _format_with_prettier(prettier: str, folder: Path) -> int:
    files = sorted(str(path) for path in folder.rglob("*.ts"))
    try:
        done = subprocess.run(
            [prettier, "--write", "--log-level", "warn", *files],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
    except OSError as exc:
        sys.stderr.write(f"Error: cannot run Prettier `{prettier}`: {exc.strerror or exc}\n")
        return 1
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        sys.stderr.write(f"Error: Prettier failed (exit {done.returncode}): {last}\n")
        return 1
    return 0
