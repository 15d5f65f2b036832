"""From a parsed patch to the exact new content of every file, before writing.

`plan_patch` reads the files the patch touches and computes what each will
contain, applying the hunks in order on a virtual copy (so a patch may add
then update the same file). Nothing is written: a patch that cannot apply
fails here with the reference's message (``Failed to find expected lines in
...``), and the tree is untouched. The plan also gives the `FileChange`
values of events and approval requests, and the summary the model reads.
"""

from __future__ import annotations

import errno
import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app_server_protocol.exec_types import (
    FileChange,
    FileChangeAdd,
    FileChangeDelete,
    FileChangeUpdate,
)

from ...rust_format import errno_message, os_error_message
from .matching import seek_sequence
from .parser import AddFile, DeleteFile, Hunk, UpdateChunk, UpdateFile, parse_patch
from .textdiff import unified_diff

#: Unchanged lines shown around each change in a `FileChange` diff.
FILE_CHANGE_CONTEXT = 1


class PatchApplyError(Exception):
    """The patch does not apply to the files as they are; nothing was written.

    ``str(error)`` is what the model is told after ``apply_patch verification failed: ``.
    """


@dataclass
class PlannedFile:
    """One path the patch writes or deletes."""

    path: str
    """Absolute."""
    original: str | None
    """Its content before the patch (None: it did not exist)."""
    final: str | None
    """Its content after the patch (None: deleted)."""


@dataclass
class PatchPlan:
    cwd: str
    hunks: list[Hunk]
    files: dict[str, PlannedFile] = field(default_factory=dict)
    """By absolute path, in the order the patch first touches them."""
    changes: dict[str, FileChange] = field(default_factory=dict)
    """What each hunk does, by absolute source path (as the reference reports them)."""
    added: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """What the model reads once the patch is applied."""
        lines = ["Success. Updated the following files:"]
        lines += [f"A {p}" for p in self.added]
        lines += [f"M {p}" for p in self.modified]
        lines += [f"D {p}" for p in self.deleted]
        return "\n".join(lines) + "\n"

    def touched_paths(self) -> list[Path]:
        """Every path written or deleted (move destinations included)."""
        return [Path(p) for p in self.files]


def resolve(cwd: str, path: str) -> str:
    """``path`` relative to ``cwd`` (kept as written, as the reference shows it)."""
    return posixpath.join(cwd, path)


#: Why a path holding a NUL cannot be read or written (Rust's words).
NUL_IN_FILE_NAME = "file name contained an unexpected NUL byte"


def read_text(path: str) -> str:
    """A file's text; `OSError` (or `UnicodeDecodeError`) when it cannot be read."""
    if "\0" in path:
        raise OSError(NUL_IN_FILE_NAME)  # (open() would raise ValueError)
    with open(path, "rb") as file:
        data = file.read()
    return data.decode("utf-8")


def _read_error(context: str, error: Exception) -> PatchApplyError:
    if isinstance(error, UnicodeDecodeError):
        detail = "stream did not contain valid UTF-8"
    elif isinstance(error, OSError):
        detail = os_error_message(error)
    else:  # pragma: no cover - defensive
        detail = str(error)
    return PatchApplyError(f"{context}: {detail}")


def plan_patch(patch: str, cwd: Path | str, read: Callable[[str], str] = read_text) -> PatchPlan:
    """Parse ``patch`` and compute every file's new content (blocking: reads files).

    Raises `parser.PatchParseError` or `PatchApplyError`.
    """
    return plan_hunks(parse_patch(patch), cwd, read)


def plan_hunks(
    hunks: list[Hunk], cwd: Path | str, read: Callable[[str], str] = read_text
) -> PatchPlan:
    plan = PatchPlan(cwd=os.fspath(cwd), hunks=hunks)
    state: dict[str, str | None] = {}

    def current(path: str, context: str) -> str:
        if path in state:
            content = state[path]
            if content is None:
                raise PatchApplyError(f"{context}: {errno_message(errno.ENOENT)}")
            return content
        try:
            content = read(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise _read_error(context, exc) from None
        _remember(plan, path, content)
        state[path] = content
        return content

    for hunk in hunks:
        path = resolve(plan.cwd, hunk.path)
        if isinstance(hunk, AddFile):
            _remember_original(plan, path, state, read)
            state[path] = hunk.contents
            plan.files[path].final = hunk.contents
            _record(plan, path, FileChangeAdd(content=hunk.contents))
            plan.added.append(hunk.path)
        elif isinstance(hunk, DeleteFile):
            content = current(path, f"Failed to read {path}")
            state[path] = None
            plan.files[path].final = None
            _record(plan, path, FileChangeDelete(content=content))
            plan.deleted.append(hunk.path)
        else:
            _plan_update(plan, hunk, path, state, current, read)
    return plan


def _plan_update(
    plan: PatchPlan,
    hunk: UpdateFile,
    path: str,
    state: dict[str, str | None],
    current: Callable[[str, str], str],
    read: Callable[[str], str],
) -> None:
    original = current(path, f"Failed to read file to update {path}")
    new = apply_chunks(original, hunk.chunks, path)
    move_path = resolve(plan.cwd, hunk.move_path) if hunk.move_path is not None else None
    diff = unified_diff(original, new, FILE_CHANGE_CONTEXT)
    if move_path is not None and move_path != path:
        _remember_original(plan, move_path, state, read)
        state[path] = None
        plan.files[path].final = None
        state[move_path] = new
        plan.files[move_path].final = new
    else:
        state[path] = new
        plan.files[path].final = new
    _record(plan, path, FileChangeUpdate(unified_diff=diff, move_path=move_path))
    plan.modified.append(hunk.move_path if hunk.move_path is not None else hunk.path)


def _remember(plan: PatchPlan, path: str, content: str | None) -> None:
    if path not in plan.files:
        plan.files[path] = PlannedFile(path=path, original=content, final=content)


def _remember_original(
    plan: PatchPlan, path: str, state: dict[str, str | None], read: Callable[[str], str]
) -> None:
    """Note what a path held before the patch (for rolling back and for diffs)."""
    if path in plan.files:
        return
    try:
        content: str | None = read(path)
    except (OSError, UnicodeDecodeError):
        content = None
    plan.files[path] = PlannedFile(path=path, original=content, final=content)
    state.setdefault(path, content)


def _record(plan: PatchPlan, path: str, change: FileChange) -> None:
    """Keep one change per path: a path touched twice shows its overall change."""
    if path not in plan.changes:
        plan.changes[path] = change
        return
    planned = plan.files[path]
    if planned.original is None and planned.final is not None:
        plan.changes[path] = FileChangeAdd(content=planned.final)
    elif planned.original is not None and planned.final is None:
        if isinstance(change, FileChangeUpdate) and change.move_path is not None:
            moved = plan.files[change.move_path].final or ""
            diff = unified_diff(planned.original, moved, FILE_CHANGE_CONTEXT)
            plan.changes[path] = FileChangeUpdate(unified_diff=diff, move_path=change.move_path)
        else:
            plan.changes[path] = FileChangeDelete(content=planned.original)
    elif planned.original is not None and planned.final is not None:
        diff = unified_diff(planned.original, planned.final, FILE_CHANGE_CONTEXT)
        plan.changes[path] = FileChangeUpdate(unified_diff=diff, move_path=None)
    else:
        del plan.changes[path]


def apply_chunks(original: str, chunks: list[UpdateChunk], path: str) -> str:
    """``original`` with the chunks applied; `PatchApplyError` when one does not match."""
    lines = original.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    replacements: list[tuple[int, int, list[str]]] = []
    line_index = 0
    for chunk in chunks:
        if chunk.change_context is not None:
            found = seek_sequence(lines, [chunk.change_context], line_index, False)
            if found is None:
                raise PatchApplyError(f"Failed to find context '{chunk.change_context}' in {path}")
            line_index = found + 1
        if not chunk.old_lines:
            # A pure addition goes at the end of the file.
            at = len(lines) - 1 if lines and lines[-1] == "" else len(lines)
            replacements.append((at, 0, list(chunk.new_lines)))
            continue
        pattern, replacement = chunk.old_lines, chunk.new_lines
        found = seek_sequence(lines, pattern, line_index, chunk.is_end_of_file)
        if found is None and pattern and pattern[-1] == "":
            # The last old line may stand for the file's final newline.
            pattern = pattern[:-1]
            if replacement and replacement[-1] == "":
                replacement = replacement[:-1]
            found = seek_sequence(lines, pattern, line_index, chunk.is_end_of_file)
        if found is None:
            raise PatchApplyError(
                f"Failed to find expected lines in {path}:\n" + "\n".join(chunk.old_lines)
            )
        replacements.append((found, len(pattern), list(replacement)))
        line_index = found + len(pattern)
    replacements.sort(key=lambda r: r[0])
    for start, length, new_lines in reversed(replacements):
        lines[start : start + length] = new_lines
    if not lines or lines[-1] != "":
        lines.append("")
    return "\n".join(lines)
