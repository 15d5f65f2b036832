#!/usr/bin/env python3
"""Regenerate the committed TypeScript (``schema/typescript``, with the
``package.json`` that makes it an npm package of types) and JSON Schema
(``schema/json``) from the protocol models.

Each folder is written afresh into a temporary folder beside it, then swapped
in, so that a failed run leaves the previous output whole and no stale file
survives a successful one.

    .venv/bin/python tools/export_schema.py [--schema-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from app_server._version import __version__
from app_server_protocol.export import write_json_schema, write_npm_package

REPO = Path(__file__).resolve().parent.parent


def write_typescript_package(out_dir: Path) -> None:
    write_npm_package(out_dir, __version__)


WRITERS: dict[str, Callable[[Path], None]] = {
    "typescript": write_typescript_package,
    "json": write_json_schema,
}


def regenerate(schema_dir: Path) -> None:
    """Replace ``typescript/`` and ``json/`` under `schema_dir` with fresh output."""
    schema_dir.mkdir(parents=True, exist_ok=True)
    for name, write in WRITERS.items():
        target = schema_dir / name
        with tempfile.TemporaryDirectory(dir=schema_dir, prefix=f".{name}-") as tmp:
            fresh = Path(tmp) / name
            write(fresh)
            old = Path(tmp) / "old"
            if target.exists():
                target.rename(old)
            fresh.rename(target)  # the old output goes with the temporary folder


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--schema-dir",
        type=Path,
        default=REPO / "schema",
        help="where typescript/ and json/ go (default: the repository's schema/)",
    )
    args = parser.parse_args(argv)
    regenerate(args.schema_dir)
    print(f"wrote {args.schema_dir / 'typescript'} and {args.schema_dir / 'json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
