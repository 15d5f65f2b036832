"""Reading the Codex patch format.

A patch is::

    *** Begin Patch
    *** Add File: path/new.txt
    +every line of the new file, prefixed with +
    *** Delete File: path/old.txt
    *** Update File: path/changed.txt
    *** Move to: path/renamed.txt        (optional)
    @@ optional line to find first
     context line
    -removed line
    +added line
    *** End of File                       (optional: the change is at the end)
    *** End Patch

The reader is as lenient as the reference's: the whole text may be
surrounded by whitespace or wrapped in a ``<<EOF`` ... ``EOF`` heredoc, hunk
headers may be padded, blank lines may separate chunks, and the first chunk
of an update may omit its ``@@`` line. Errors say what is wrong and on which
line, in the reference's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

BEGIN_PATCH: Final = "*** Begin Patch"
END_PATCH: Final = "*** End Patch"
ADD_FILE: Final = "*** Add File: "
DELETE_FILE: Final = "*** Delete File: "
UPDATE_FILE: Final = "*** Update File: "
MOVE_TO: Final = "*** Move to: "
END_OF_FILE: Final = "*** End of File"
CHANGE_CONTEXT: Final = "@@ "
EMPTY_CHANGE_CONTEXT: Final = "@@"

#: What Rust's `str::trim` removes (Unicode White_Space).
RUST_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_HEREDOC_OPENERS: Final = ("<<EOF", "<<'EOF'", '<<"EOF"')


class PatchParseError(Exception):
    """The patch is not in the expected format."""

    def __init__(self, message: str, line_number: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line_number = line_number
        """For an invalid hunk: the (1-based) line where it is."""

    def __str__(self) -> str:
        """As the model is told (prefixed with ``apply_patch verification failed: ``)."""
        if self.line_number is None:
            return f"invalid patch: {self.message}"
        return f"invalid hunk at line {self.line_number}, {self.message}"

    def cli_message(self) -> str:
        """As the reference's ``apply_patch`` program prints it."""
        if self.line_number is None:
            return f"Invalid patch: {self.message}"
        return f"Invalid patch hunk on line {self.line_number}: {self.message}"


@dataclass(frozen=True)
class AddFile:
    path: str
    contents: str


@dataclass(frozen=True)
class DeleteFile:
    path: str


@dataclass(frozen=True)
class UpdateChunk:
    """One change inside a file: ``old_lines`` (context and removed lines) become
    ``new_lines`` (context and added lines)."""

    change_context: str | None
    """A line to find first (``@@ <line>``); the change is searched after it."""
    old_lines: list[str] = field(default_factory=list)
    new_lines: list[str] = field(default_factory=list)
    is_end_of_file: bool = False


@dataclass(frozen=True)
class UpdateFile:
    path: str
    move_path: str | None
    chunks: list[UpdateChunk]


Hunk = AddFile | DeleteFile | UpdateFile


def rust_trim(text: str) -> str:
    return text.strip(RUST_WHITESPACE)


def _lines(text: str) -> list[str]:
    """Lines as Rust's `str::lines` yields them (``\\n`` separated, a trailing ``\\r`` dropped)."""
    if not text:
        return []
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return [p[:-1] if p.endswith("\r") else p for p in parts]


def parse_patch(patch: str) -> list[Hunk]:
    """The hunks of ``patch``, in order. Raises `PatchParseError`."""
    lines = _lines(rust_trim(patch))
    try:
        _check_boundaries(lines)
    except PatchParseError as error:
        lines = _unwrap_heredoc(lines, error)
    hunks: list[Hunk] = []
    remaining = lines[1:-1]
    line_number = 2
    while remaining:
        hunk, used = _parse_hunk(remaining, line_number)
        hunks.append(hunk)
        line_number += used
        remaining = remaining[used:]
    return hunks


def _check_boundaries(lines: list[str]) -> None:
    first = lines[0] if lines else None
    last = lines[-1] if lines else None
    if first == BEGIN_PATCH and last == END_PATCH and len(lines) >= 2:
        return
    if first is not None and first != BEGIN_PATCH:
        raise PatchParseError("The first line of the patch must be '*** Begin Patch'")
    raise PatchParseError("The last line of the patch must be '*** End Patch'")


def _unwrap_heredoc(lines: list[str], error: PatchParseError) -> list[str]:
    """Accept a patch wrapped as ``<<EOF`` ... ``EOF`` (as models sometimes write it)."""
    if len(lines) >= 4 and lines[0] in _HEREDOC_OPENERS and lines[-1].endswith("EOF"):
        inner = lines[1:-1]
        _check_boundaries(inner)
        return inner
    raise error


def _parse_hunk(lines: list[str], line_number: int) -> tuple[Hunk, int]:
    header = rust_trim(lines[0])
    if header.startswith(ADD_FILE):
        contents: list[str] = []
        for line in lines[1:]:
            if not line.startswith("+"):
                break
            contents.append(line[1:] + "\n")
        return AddFile(header[len(ADD_FILE) :], "".join(contents)), 1 + len(contents)
    if header.startswith(DELETE_FILE):
        return DeleteFile(header[len(DELETE_FILE) :]), 1
    if header.startswith(UPDATE_FILE):
        return _parse_update(header[len(UPDATE_FILE) :], lines, line_number)
    raise PatchParseError(
        f"'{header}' is not a valid hunk header. Valid hunk headers: "
        "'*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'",
        line_number,
    )


def _parse_update(path: str, lines: list[str], line_number: int) -> tuple[UpdateFile, int]:
    used = 1
    move_path: str | None = None
    if len(lines) > 1 and lines[1].startswith(MOVE_TO):
        move_path = lines[1][len(MOVE_TO) :]
        used += 1
    chunks: list[UpdateChunk] = []
    while used < len(lines):
        line = lines[used]
        if not rust_trim(line):
            used += 1  # blank lines may separate chunks
            continue
        if line.startswith("***"):
            break
        chunk, chunk_lines = _parse_chunk(lines[used:], line_number + used, not chunks)
        chunks.append(chunk)
        used += chunk_lines
    if not chunks:
        raise PatchParseError(f"Update file hunk for path '{path}' is empty", line_number)
    return UpdateFile(path, move_path, chunks), used


def _parse_chunk(
    lines: list[str], line_number: int, allow_missing_context: bool
) -> tuple[UpdateChunk, int]:
    first = lines[0]
    if first == EMPTY_CHANGE_CONTEXT:
        context, start = None, 1
    elif first.startswith(CHANGE_CONTEXT):
        context, start = first[len(CHANGE_CONTEXT) :], 1
    elif allow_missing_context:
        context, start = None, 0
    else:
        raise PatchParseError(
            f"Expected update hunk to start with a @@ context marker, got: '{first}'", line_number
        )
    if start >= len(lines):
        raise PatchParseError("Update hunk does not contain any lines", line_number + 1)
    old: list[str] = []
    new: list[str] = []
    end_of_file = False
    parsed = 0
    for line in lines[start:]:
        if line == END_OF_FILE:
            if parsed == 0:
                raise PatchParseError("Update hunk does not contain any lines", line_number + 1)
            end_of_file = True
            parsed += 1
            break
        if not line:
            old.append("")
            new.append("")
        elif line[0] == " ":
            old.append(line[1:])
            new.append(line[1:])
        elif line[0] == "+":
            new.append(line[1:])
        elif line[0] == "-":
            old.append(line[1:])
        elif parsed == 0:
            raise PatchParseError(
                f"Unexpected line found in update hunk: '{line}'. Every line should start with "
                "' ' (context line), '+' (added line), or '-' (removed line)",
                line_number + 1,
            )
        else:
            break  # the start of the next chunk
        parsed += 1
    return UpdateChunk(context, old, new, end_of_file), parsed + start
