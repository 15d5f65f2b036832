"""Writing a planned patch: every file or none.

Each file is replaced atomically (`fsutil.atomic_write`: a temporary file
renamed over it, keeping its permissions; a symlink is written through to
its target). Before anything is written, every path is checked: it must
not be a folder nor hold a NUL and, when writable roots are given (a
sandboxed patch), its real location must be inside one of them. If a write still fails half-way,
the files already written are put back as they were and the folders
created for them removed, so a patch that fails changes nothing.

These functions block: call them through `anyio.to_thread`.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ...fsutil import atomic_write
from ...rust_format import errno_message, os_error_message
from .plan import NUL_IN_FILE_NAME, PatchPlan, PlannedFile


class PatchWriteError(Exception):
    """The patch could not be written; the files are as they were before."""

    def __init__(self, message: str, *, sandbox_denied: bool = False) -> None:
        super().__init__(message)
        self.sandbox_denied = sandbox_denied
        """The patch writes outside the writable roots (the sandbox stopped it)."""


@dataclass
class _Undo:
    path: str
    target: str
    original: str | None
    mode: int | None


def apply_plan(plan: PatchPlan, *, writable_roots: Sequence[Path] | None = None) -> None:
    """Write every file of ``plan``, or none. Raises `PatchWriteError`."""
    changed = [f for f in plan.files.values() if f.final != f.original]
    for planned in changed:
        _check_target(planned, writable_roots)
    done: list[_Undo] = []
    created: list[str] = []
    try:
        for planned in changed:
            done.append(_write(planned, created))
    except PatchWriteError:
        _roll_back(done, created)
        raise


def _action(planned: PlannedFile) -> str:
    return "delete file" if planned.final is None else "write file"


def _check_target(planned: PlannedFile, writable_roots: Sequence[Path] | None) -> None:
    path = planned.path
    if "\0" in path:
        raise PatchWriteError(f"Failed to {_action(planned)} {path}: {NUL_IN_FILE_NAME}")
    if planned.final is not None and os.path.isdir(path):
        raise PatchWriteError(f"Failed to write file {path}: {errno_message(errno.EISDIR)}")
    if writable_roots is not None and not _inside_roots(path, writable_roots):
        raise PatchWriteError(
            f"Failed to {_action(planned)} {path}: {errno_message(errno.EROFS)}",
            sandbox_denied=True,
        )


def _real_location(path: str) -> str:
    """Where writing ``path`` actually lands: its folder resolved (symlinks
    followed), and the file itself too when it is a symlink."""
    if os.path.islink(path):
        return os.path.realpath(path)
    return os.path.join(os.path.realpath(os.path.dirname(path) or "."), os.path.basename(path))


def _inside_roots(path: str, roots: Sequence[Path]) -> bool:
    real = _real_location(os.path.abspath(path))
    for root in roots:
        base = os.path.realpath(root)
        if real == base or real.startswith(base.rstrip("/") + "/"):
            return True
    return False


def _write(planned: PlannedFile, created: list[str]) -> _Undo:
    path = planned.path
    if planned.final is None:
        undo = _Undo(path, path, planned.original, _mode_of(path))
        try:
            os.unlink(path)
        except OSError as exc:
            raise PatchWriteError(
                f"Failed to delete file {path}: {os_error_message(exc)}"
            ) from None
        return undo
    target = os.path.realpath(path) if os.path.islink(path) else path
    existing_mode = _mode_of(target)
    try:
        _make_parents(os.path.dirname(target), created)
    except OSError as exc:
        raise PatchWriteError(
            f"Failed to create parent directories for {path}: {os_error_message(exc)}"
        ) from None
    try:
        mode = existing_mode if existing_mode is not None else _new_file_mode()
        atomic_write(Path(target), planned.final.encode("utf-8"), mode)
    except OSError as exc:
        raise PatchWriteError(f"Failed to write file {path}: {os_error_message(exc)}") from None
    return _Undo(path, target, planned.original, existing_mode)


def _make_parents(folder: str, created: list[str]) -> None:
    missing: list[str] = []
    while folder and not os.path.isdir(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for path in reversed(missing):
        os.mkdir(path)
        created.append(path)


def _roll_back(done: list[_Undo], created: list[str]) -> None:
    for undo in reversed(done):
        with contextlib.suppress(OSError):
            if undo.original is None:
                os.unlink(undo.target)
            else:
                mode = undo.mode if undo.mode is not None else _new_file_mode()
                atomic_write(Path(undo.target), undo.original.encode("utf-8"), mode)
    for folder in reversed(created):
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def _mode_of(path: str) -> int | None:
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return None


def _new_file_mode() -> int:
    """What a plainly created file gets: 0o666 less the process umask."""
    return 0o666 & ~_umask()


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022
