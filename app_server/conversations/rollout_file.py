"""Opening a rollout file to read it, and reading its lines with a bound.

Standard library only: the early listing stage reads heads with it too.
A path that is not a regular file (a FIFO, ``/dev/zero``, a directory) is
refused before anything is read from it, and is opened without blocking
(opening a FIFO would otherwise wait for a writer forever).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from typing import BinaryIO, Final

#: A rollout line longer than this is skipped unread. Lines hold what the
#: daemon was sent (at most 64 MiB a message) with some JSON around it.
MAX_ROLLOUT_LINE_BYTES: Final = 128 * 1024 * 1024


class NotARegularFile(OSError):
    """The path names something else than a regular file."""


def open_regular(path: str | os.PathLike[str]) -> tuple[int, os.stat_result]:
    """A read-only descriptor of the regular file at ``path`` and its status.

    Raises `NotARegularFile` (``EISDIR`` for a directory) or the `OSError`
    of opening it; ``ValueError`` for a path with a NUL byte."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            if stat.S_ISDIR(st.st_mode):
                raise NotARegularFile(errno.EISDIR, os.strerror(errno.EISDIR))
            raise NotARegularFile(f"`{os.fspath(path)}` is not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def bounded_lines(
    file: BinaryIO, max_line: int = MAX_ROLLOUT_LINE_BYTES, piece: int = 1 << 20
) -> Iterator[bytes]:
    """The file's lines (with their newline, the last one maybe without);
    a line longer than ``max_line`` is skipped, never held whole. Lines are
    read in pieces of at most ``piece`` bytes."""
    pieces: list[bytes] = []
    size = 0
    skipping = False
    while True:
        part = file.readline(piece)
        if not part:
            if pieces:
                yield b"".join(pieces)
            return
        if not skipping:
            size += len(part)
            if size > max_line:
                skipping = True
                pieces.clear()
            else:
                pieces.append(part)
        if part.endswith(b"\n"):
            if pieces:
                yield pieces[0] if len(pieces) == 1 else b"".join(pieces)
            pieces = []
            size = 0
            skipping = False
