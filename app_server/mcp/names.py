"""The names MCP tools are offered to the model under.

A tool ``echo`` of the server ``docs`` is offered as ``mcp__docs__echo``.
Model APIs accept tool names matching ``^[a-zA-Z0-9_-]+$`` of at most 64
characters, so other characters become ``_`` and a longer name keeps its
first characters followed by the SHA-1 of the unsanitised name (40 hex
digits). Two tools that end up with the same name: the first one (in server,
then tool order) is offered, the other is left out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Final

from ..logs import log

DELIMITER: Final = "__"
PREFIX: Final = "mcp"
MAX_TOOL_NAME_LENGTH: Final = 64
#: What a configured server name must look like.
SERVER_NAME_PATTERN: Final = re.compile(r"^[a-zA-Z0-9_-]+$")
_DISALLOWED: Final = re.compile(r"[^a-zA-Z0-9_-]")


def qualified_name(server: str, tool: str) -> str:
    raw = f"{PREFIX}{DELIMITER}{server}{DELIMITER}{tool}"
    name = _DISALLOWED.sub("_", raw)
    if len(name) > MAX_TOOL_NAME_LENGTH:
        digest = hashlib.sha1(raw.encode()).hexdigest()
        name = name[: MAX_TOOL_NAME_LENGTH - len(digest)] + digest
    return name


def qualify(tools: Iterable[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """``(server, tool)`` pairs by the name they are offered under, in the
    order given; a pair whose name is taken already is left out."""
    named: dict[str, tuple[str, str]] = {}
    for server, tool in tools:
        name = qualified_name(server, tool)
        if name in named:
            log.warning(
                "MCP tool %r of server %r is left out: its name %s is taken", tool, server, name
            )
            continue
        named[name] = (server, tool)
    return named


def valid_server_name(name: str) -> bool:
    return SERVER_NAME_PATTERN.fullmatch(name) is not None
