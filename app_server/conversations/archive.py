"""Moving a rollout file to ``CODEX_HOME/archived_sessions``.

Only a file inside ``CODEX_HOME/sessions`` may be moved, judged on its real
path (``..`` and symlinks resolved): anything else is refused with the
reference's messages. A relative path is refused too (the reference resolves
it against its own working directory, which no client can rely on).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from pathlib import Path
from uuid import UUID


class ArchiveRefused(Exception):
    """The path cannot be archived; the message says why."""


def archivable_path(sessions_root: Path, conversation_id: UUID, given: str) -> Path:
    """The real path of the rollout file ``given`` names. Blocking. Raises
    the `OSError` of resolving ``sessions_root`` (missing: no rollout yet)."""
    outside = ArchiveRefused(f"rollout path `{given}` must be in sessions directory")
    root = Path(os.path.realpath(sessions_root, strict=True))
    path = Path(given)
    if not path.is_absolute():
        raise outside
    try:
        real = Path(os.path.realpath(path, strict=True))
    except (OSError, RuntimeError):
        raise outside from None
    if real == root or not real.is_relative_to(root):
        raise outside
    if not real.name.endswith(f"{conversation_id}.jsonl"):
        raise ArchiveRefused(
            f"rollout path `{given}` does not match conversation id {conversation_id}"
        )
    if not real.is_file():
        raise ArchiveRefused(f"rollout path `{given}` is not a file")
    return real


def move_to_archive(real: Path, archive_root: Path) -> Path:
    """Move the file into ``archive_root`` (same name; an older archive of the
    same name is replaced). Blocking."""
    archive_root.mkdir(parents=True, exist_ok=True)
    target = archive_root / real.name
    try:
        os.replace(real, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        # Another file system: copy under a temporary name, rename, then remove.
        tmp = archive_root / f".{real.name}.tmp"
        try:
            shutil.copy2(real, tmp)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        os.unlink(real)
    return target
