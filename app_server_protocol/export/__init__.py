"""TypeScript and JSON Schema of the protocol, generated from the pydantic
models and the method table (never written by hand).

`write_typescript` and `write_json_schema` back ``codex-app-server
generate-ts`` / ``generate-json-schema`` and ``tools/export_schema.py``.
"""

from .json_schema import write_json_schema
from .typescript import write_typescript

__all__ = ["write_json_schema", "write_typescript"]
