"""`read_file`: lines of a text file, each as ``L<number>: <text>``.

Two modes: ``slice`` reads ``limit`` lines from ``offset``; ``indentation``
reads the block around an anchor line, widening by indentation (the lines
above and below that are indented at least as deep as the block's level),
as far as ``max_lines``. Lines longer than 500 bytes are cut; bytes that are
not UTF-8 are shown as replacement characters.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import anyio
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..tool_specs import READ_FILE
from .base import JsonObject, ToolCall, ToolResult, bad_arguments, describe_arguments_error
from .file_access import Count, cut_line, os_error_text, readable, refusal

if TYPE_CHECKING:
    from ..scope import TurnScope

DEFAULT_LIMIT: Final = 2000
TAB_WIDTH: Final = 4
_COMMENT_PREFIXES: Final = ("#", "//", "--")


class IndentationOptions(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    anchor_line: Count | None = None
    max_levels: Count = 0
    """Enclosing levels to include; 0: as many as there are."""
    include_siblings: bool = False
    include_header: bool = True
    max_lines: Count | None = None


class ReadFileArguments(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    file_path: str
    offset: Count = Field(default=1, ge=0)
    limit: Count = Field(default=DEFAULT_LIMIT, ge=0)
    mode: Literal["slice", "indentation"] = "slice"
    indentation: IndentationOptions | None = None


class ReadFileError(Exception):
    """What the model reads when the call cannot be answered."""


@dataclass(frozen=True)
class _Line:
    number: int
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def comment(self) -> bool:
        return self.text.strip().startswith(_COMMENT_PREFIXES)

    @property
    def indent(self) -> int:
        width = 0
        for char in self.text:
            if char == " ":
                width += 1
            elif char == "\t":
                width += TAB_WIDTH
            else:
                break
        return width

    def shown(self) -> str:
        return f"L{self.number}: {cut_line(self.text)}"


class ReadFileTool:
    name = "read_file"

    def spec(self, scope: TurnScope) -> JsonObject:
        return READ_FILE

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        try:
            args = ReadFileArguments.model_validate_json(call.arguments or "null")
        except ValidationError as exc:
            return bad_arguments(describe_arguments_error(exc))
        path = Path(args.file_path)
        try:
            if args.offset == 0:
                raise ReadFileError("offset must be a 1-indexed line number")
            if args.limit == 0:
                raise ReadFileError("limit must be greater than zero")
            if not path.is_absolute():
                raise ReadFileError("file_path must be an absolute path")
            if not readable(path, scope):
                raise ReadFileError(refusal(path))
            lines = await anyio.to_thread.run_sync(read_lines, path, args)
        except ReadFileError as error:
            return ToolResult(str(error), success=False)
        return ToolResult("\n".join(line.shown() for line in lines), success=True)


def read_lines(path: Path, args: ReadFileArguments) -> list[_Line]:
    """The lines to show (blocking)."""
    if args.mode == "slice":
        return _slice(path, args.offset, args.limit)
    return _block(_all_lines(path), args.offset, args.limit, args.indentation)


def _open(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ReadFileError(f"failed to read file: {os_error_text(exc)}") from None


def _split(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line.removesuffix(b"\r") for line in lines]


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _slice(path: Path, offset: int, limit: int) -> list[_Line]:
    lines = _split(_open(path))
    if len(lines) < offset:
        raise ReadFileError("offset exceeds file length")
    return [
        _Line(number, _decode(raw))
        for number, raw in enumerate(lines[offset - 1 : offset - 1 + limit], start=offset)
    ]


def _all_lines(path: Path) -> list[_Line]:
    return [_Line(n, _decode(raw)) for n, raw in enumerate(_split(_open(path)), start=1)]


def _block(
    lines: list[_Line], offset: int, limit: int, options: IndentationOptions | None
) -> list[_Line]:
    options = options or IndentationOptions()
    anchor = options.anchor_line if options.anchor_line is not None else offset
    if anchor == 0:
        raise ReadFileError("anchor_line must be a 1-indexed line number")
    cap = options.max_lines if options.max_lines is not None else limit
    if cap == 0:
        raise ReadFileError("max_lines must be greater than zero")
    if anchor > len(lines):
        raise ReadFileError("anchor_line exceeds file length")
    # A blank line counts as indented like the line above it.
    indents: list[int] = []
    for line in lines:
        indents.append(indents[-1] if line.blank and indents else line.indent)
    at = anchor - 1
    floor = 0 if options.max_levels == 0 else max(indents[at] - options.max_levels * TAB_WIDTH, 0)
    wanted = min(limit, cap, len(lines))
    block: deque[_Line] = deque([lines[at]])
    up, down = at - 1, at + 1
    up_at_floor = down_at_floor = 0
    while len(block) < wanted:
        moved = False
        if up >= 0 and indents[up] >= floor:
            at_floor = indents[up] == floor and not options.include_siblings
            header = options.include_header and lines[up].comment
            if at_floor and up_at_floor > 0 and not header:
                up = -1  # the line opening the block is taken; above it is a sibling
            else:
                up_at_floor += at_floor
                block.appendleft(lines[up])
                up -= 1
                moved = True
        else:
            up = -1
        if len(block) >= wanted:
            break
        if down < len(lines) and indents[down] >= floor:
            at_floor = indents[down] == floor and not options.include_siblings
            if at_floor and down_at_floor > 0:
                down = len(lines)  # the block's closing line is taken; below is a sibling
            else:
                down_at_floor += at_floor
                block.append(lines[down])
                down += 1
                moved = True
        else:
            down = len(lines)
        if not moved:
            break
    while len(block) > 1 and block[0].blank:
        block.popleft()
    while len(block) > 1 and block[-1].blank:
        block.pop()
    return list(block)
