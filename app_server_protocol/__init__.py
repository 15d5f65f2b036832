"""The wire contract of the codex app-server protocol, as pydantic models.

Pure data, no I/O. `methods` holds the method table from which dispatch,
validation and the TypeScript / JSON Schema export are derived.
"""
