"""`grep_files`: the files whose contents match a regular expression, most
recently modified first, one path a line (``No matches found.`` when none).

The search runs in a worker thread with Python's `re` (ripgrep is not
assumed to be installed): hidden files and folders and ``.git`` are
skipped, as are files that are not valid text (a NUL byte in their first
kilobytes) and files larger than `MAX_FILE_BYTES`. It gives up after
`SEARCH_TIMEOUT_S`. Under a policy that restricts reading, only files a
sandboxed command could read are searched (links leading out are not
followed).
"""

from __future__ import annotations

import fnmatch
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

import anyio
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..tool_specs import GREP_FILES
from .base import JsonObject, ToolCall, ToolResult, bad_arguments, describe_arguments_error
from .file_access import Count, is_restricted, readable, refusal

if TYPE_CHECKING:
    from ..scope import TurnScope

DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 2000
MAX_FILE_BYTES: Final = 16 * 1024 * 1024
SEARCH_TIMEOUT_S: Final = 30.0
NO_MATCHES: Final = "No matches found."
_BINARY_SNIFF: Final = 8192


class GrepFilesArguments(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    pattern: str
    include: str | None = None
    path: str | None = None
    limit: Count = Field(default=DEFAULT_LIMIT, ge=0)


class GrepError(Exception):
    pass


class GrepFilesTool:
    name = "grep_files"

    def spec(self, scope: TurnScope) -> JsonObject:
        return GREP_FILES

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        try:
            args = GrepFilesArguments.model_validate_json(call.arguments or "null")
        except ValidationError as exc:
            return bad_arguments(describe_arguments_error(exc))
        cwd = Path(scope.settings.cwd)
        root = cwd / args.path if args.path else cwd
        try:
            if not args.pattern.strip():
                raise GrepError("pattern must not be empty")
            if args.limit == 0:
                raise GrepError("limit must be greater than zero")
            try:
                # Line anchors match at each line, as in grep and ripgrep.
                regex = re.compile(args.pattern, re.MULTILINE)
            except re.error as exc:
                raise GrepError(f"invalid pattern: {exc}") from None
            if not root.exists():
                raise GrepError(f"unable to access `{root}`: No such file or directory")
            if not readable(root, scope):
                raise GrepError(refusal(root))
            restricted = is_restricted(scope)

            def allowed(path: Path) -> bool:
                return not restricted or readable(path, scope)

            found = await anyio.to_thread.run_sync(
                search, root, regex, args.include, min(args.limit, MAX_LIMIT), allowed
            )
        except GrepError as error:
            return ToolResult(str(error), success=False)
        if not found:
            return ToolResult(NO_MATCHES, success=False)
        return ToolResult("\n".join(found), success=True)


def _include_patterns(include: str | None) -> list[str]:
    """A glob with one ``{a,b}`` alternation becomes several globs."""
    if not include:
        return []
    match = re.search(r"\{([^{}]*)\}", include)
    if match is None:
        return [include]
    head, tail = include[: match.start()], include[match.end() :]
    return [f"{head}{choice}{tail}" for choice in match.group(1).split(",")]


def search(
    root: Path,
    regex: re.Pattern[str],
    include: str | None,
    limit: int,
    allowed: Callable[[Path], bool],
) -> list[str]:
    """The matching files' paths, newest first (blocking)."""
    deadline = time.monotonic() + SEARCH_TIMEOUT_S
    globs = _include_patterns(include)
    matches: list[tuple[float, str]] = []
    for path in _files(root):
        if time.monotonic() > deadline:
            raise GrepError(f"search timed out after {SEARCH_TIMEOUT_S:.0f} seconds")
        if globs and not any(fnmatch.fnmatch(path.name, glob) for glob in globs):
            continue
        if not allowed(path):
            continue
        modified = _matching_file_mtime(path, regex)
        if modified is not None:
            matches.append((modified, str(path)))
    matches.sort(key=lambda m: (-m[0], m[1]))
    return [path for _, path in matches[:limit]]


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    files: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files += (Path(folder) / name for name in sorted(names) if not name.startswith("."))
    return files


def _matching_file_mtime(path: Path, regex: re.Pattern[str]) -> float | None:
    try:
        info = path.stat()
        if info.st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:_BINARY_SNIFF]:
        return None
    text = data.decode("utf-8", errors="replace")
    return info.st_mtime if regex.search(text) else None
