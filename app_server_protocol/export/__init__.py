"""TypeScript and JSON Schema of the protocol, generated from the pydantic
models and the method table (never written by hand).

`write_typescript` and `write_json_schema` back ``codex-app-server
generate-ts`` / ``generate-json-schema`` and ``tools/export_schema.py``,
which also makes ``schema/typescript`` an npm package of types
(`write_npm_package`).
"""

from .json_schema import write_json_schema
from .npm_package import write_npm_package
from .typescript import write_typescript

__all__ = ["write_json_schema", "write_npm_package", "write_typescript"]
