"""``schema/typescript`` as an npm package of types: the TypeScript bindings
with a ``package.json`` that points TypeScript at them (no JavaScript: every
file only exports types)."""

from __future__ import annotations

import json
from pathlib import Path

from ._files import write_files
from .typescript import write_typescript

PACKAGE_NAME = "codex-app-server-protocol"


def package_json(version: str) -> str:
    """The manifest: the package takes the daemon's version."""
    manifest = {
        "name": PACKAGE_NAME,
        "version": version,
        "description": "TypeScript types of the codex app-server protocol (JSON-RPC over stdio), "
        "generated from the codex-app-server Python daemon's models.",
        "license": "Apache-2.0",
        "keywords": ["codex", "app-server", "json-rpc", "types"],
        "types": "./index.ts",
        "exports": {".": {"types": "./index.ts"}, "./*": {"types": "./*.ts"}},
        "files": ["*.ts"],
        "sideEffects": False,
    }
    return json.dumps(manifest, indent=2) + "\n"


def write_npm_package(out_dir: Path, version: str) -> None:
    """The TypeScript bindings and their ``package.json``, into `out_dir`."""
    write_typescript(out_dir)
    write_files(out_dir, {"package.json": package_json(version)})
