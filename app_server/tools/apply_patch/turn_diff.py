"""The diff of everything the patches of one turn changed (``turn_diff``).

Before a patch is applied, `TurnDiffTracker.on_patch_begin` records the
first-seen content of each file it touches (and follows renames); at any
time `unified_diff` compares those baselines with the files on disk, git
style: ``diff --git`` headers, ``new file`` / ``deleted file`` modes, blob
ids on the ``index`` line, and hunks with three lines of context. Paths are
relative to the repository holding the file, or absolute outside any
repository (as the reference shows them: ``a//abs/path``).

Both methods read files: call them through `anyio.to_thread`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass

from app_server_protocol.exec_types import FileChange, FileChangeUpdate

from ...git.remote_diff import repo_root
from .textdiff import unified_diff

TURN_DIFF_CONTEXT = 3
_ZERO_OID = "0" * 40


@dataclass
class _Tracked:
    baseline_path: str
    baseline: bytes | None
    baseline_mode: str
    current_path: str


def blob_id(data: bytes) -> str:
    """The id git gives a file with this content."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _file_mode(path: str) -> str:
    try:
        return "100755" if os.stat(path).st_mode & 0o111 else "100644"
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return "100644"


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as file:
            return file.read()
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return None


def _display_path(path: str) -> str:
    """Relative to the repository holding ``path``, or absolute outside one."""
    root = repo_root(os.path.dirname(path))
    return path if root is None else os.path.relpath(path, root)


class TurnDiffTracker:
    """Baselines of the files a turn's patches touch, and their diff so far."""

    def __init__(self) -> None:
        self._tracked: dict[str, _Tracked] = {}
        """By the path the file has now."""

    def on_patch_begin(self, changes: Mapping[str, FileChange]) -> None:
        """Record the files ``changes`` will touch, before the patch is applied."""
        for path, change in changes.items():
            entry = self._tracked.get(path)
            if entry is None:
                content = _read(path)
                entry = _Tracked(path, content, _file_mode(path), path)
                self._tracked[path] = entry
            if isinstance(change, FileChangeUpdate) and change.move_path:
                destination = change.move_path
                del self._tracked[path]
                entry.current_path = destination
                self._tracked[destination] = entry

    def unified_diff(self) -> str | None:
        """Every tracked file's change since its baseline; None when nothing changed."""
        parts: list[tuple[str, str]] = []
        for entry in self._tracked.values():
            current = _read(entry.current_path)
            if current == entry.baseline and entry.current_path == entry.baseline_path:
                continue
            left = _display_path(entry.baseline_path)
            right = _display_path(entry.current_path)
            parts.append((right, self._file_diff(entry, left, right, current)))
        if not parts:
            return None
        return "".join(text for _, text in sorted(parts))

    @staticmethod
    def _file_diff(entry: _Tracked, left: str, right: str, current: bytes | None) -> str:
        lines = [f"diff --git a/{left} b/{right}\n"]
        if entry.baseline is None:
            lines.append(f"new file mode {_file_mode(entry.current_path)}\n")
        elif current is None:
            lines.append(f"deleted file mode {entry.baseline_mode}\n")
        else:
            mode = _file_mode(entry.current_path)
            if mode != entry.baseline_mode:
                lines.append(f"old mode {entry.baseline_mode}\nnew mode {mode}\n")
        old_oid = _ZERO_OID if entry.baseline is None else blob_id(entry.baseline)
        new_oid = _ZERO_OID if current is None else blob_id(current)
        lines.append(f"index {old_oid}..{new_oid}\n")
        lines.append("--- /dev/null\n" if entry.baseline is None else f"--- a/{left}\n")
        lines.append("+++ /dev/null\n" if current is None else f"+++ b/{right}\n")
        old_text = (entry.baseline or b"").decode("utf-8", errors="replace")
        new_text = (current or b"").decode("utf-8", errors="replace")
        lines.append(unified_diff(old_text, new_text, TURN_DIFF_CONTEXT))
        return "".join(lines)
