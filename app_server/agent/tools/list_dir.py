"""`list_dir`: a folder's entries, as an indented tree ``depth`` levels deep.

The answer starts with ``Absolute path: <folder>``; then one entry a line,
indented two spaces a level, folders marked ``/``, symbolic links ``@`` and
other special files ``?``; entries are in the order of their paths, so each
folder's content follows it. ``offset`` and ``limit`` page through the
entries; a page that does not reach the end says ``More than <limit>
entries found``. Symbolic links are listed, never followed.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import anyio
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..tool_specs import LIST_DIR
from .base import JsonObject, ToolCall, ToolResult, bad_arguments, describe_arguments_error
from .file_access import Count, cut_line, os_error_text, readable, refusal

if TYPE_CHECKING:
    from ..scope import TurnScope

DEFAULT_LIMIT: Final = 25
DEFAULT_DEPTH: Final = 2
_INDENT: Final = "  "


class ListDirArguments(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    dir_path: str
    offset: Count = Field(default=1, ge=0)
    limit: Count = Field(default=DEFAULT_LIMIT, ge=0)
    depth: Count = Field(default=DEFAULT_DEPTH, ge=0)


class ListDirError(Exception):
    pass


@dataclass(frozen=True)
class _Entry:
    relative: str
    """Its path from the listed folder (the sort key)."""
    name: str
    level: int
    mark: str

    def shown(self) -> str:
        return f"{_INDENT * self.level}{cut_line(self.name)}{self.mark}"


class ListDirTool:
    name = "list_dir"

    def spec(self, scope: TurnScope) -> JsonObject:
        return LIST_DIR

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        try:
            args = ListDirArguments.model_validate_json(call.arguments or "null")
        except ValidationError as exc:
            return bad_arguments(describe_arguments_error(exc))
        path = Path(args.dir_path)
        try:
            if args.offset == 0:
                raise ListDirError("offset must be a 1-indexed entry number")
            if args.limit == 0:
                raise ListDirError("limit must be greater than zero")
            if args.depth == 0:
                raise ListDirError("depth must be greater than zero")
            if not path.is_absolute():
                raise ListDirError("dir_path must be an absolute path")
            if not readable(path, scope):
                raise ListDirError(refusal(path))
            lines = await anyio.to_thread.run_sync(list_entries, path, args)
        except ListDirError as error:
            return ToolResult(str(error), success=False)
        return ToolResult("\n".join([f"Absolute path: {path}", *lines]), success=True)


def list_entries(folder: Path, args: ListDirArguments) -> list[str]:
    """The page's lines (blocking)."""
    entries = _collect(folder, args.depth)
    start = args.offset - 1
    if entries and start >= len(entries):
        raise ListDirError("offset exceeds directory entry count")
    page = entries[start : start + args.limit]
    lines = [entry.shown() for entry in page]
    if start + args.limit < len(entries):
        lines.append(f"More than {args.limit} entries found")
    return lines


def _collect(folder: Path, depth: int) -> list[_Entry]:
    entries: list[_Entry] = []
    pending: deque[tuple[Path, str, int]] = deque([(folder, "", 0)])
    while pending:
        current, prefix, level = pending.popleft()
        try:
            with os.scandir(current) as scan:
                found = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            if level == 0:
                raise ListDirError(f"failed to read directory: {os_error_text(exc)}") from None
            continue  # a sub-folder that cannot be read is listed, not entered
        for item in found:
            relative = f"{prefix}{item.name}"
            mode = item.stat(follow_symlinks=False).st_mode
            if stat.S_ISLNK(mode):
                mark = "@"
            elif stat.S_ISDIR(mode):
                mark = "/"
                if level + 1 < depth:
                    pending.append((Path(item.path), f"{relative}/", level + 1))
            elif stat.S_ISREG(mode):
                mark = ""
            else:
                mark = "?"
            entries.append(_Entry(relative, item.name, level, mark))
    entries.sort(key=lambda e: e.relative.split("/"))
    return entries
