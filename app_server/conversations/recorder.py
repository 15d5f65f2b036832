"""Writing a rollout file: whole lines, appended by one writer per conversation.

Lines are queued in memory by `RolloutRecorder.record` (never blocking) and
appended by the recorder's writer task, in batches, from a worker thread, on
a file descriptor opened with ``O_APPEND``. A new file is born complete: its
first lines are written to a temporary file that is then renamed into place,
so a reader never sees a rollout without its ``session_meta``. A process
killed in the middle of a write can at worst leave a torn last line, which
every reader skips; `open_for_append` ends such a line before appending, so
that the next record starts on a line of its own.

A new conversation's file is made with its first turn, as the reference's
(`RolloutRecorder.deferred`): until then its lines wait in memory, the file
does not exist (the conversation is not listed and cannot be archived), and
a conversation closed before its first turn leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Final

import anyio

from ..fsutil import write_all
from ..logs import log
from .naming import utc_now_timestamp

#: Rollout files hold the user's conversations: readable by their owner only.
FILE_MODE: Final = 0o600


def rollout_line(kind: str, payload_json: bytes, timestamp: str | None = None) -> bytes:
    """One record, with its newline: ``{"timestamp","type","payload"}``."""
    stamp = timestamp or utc_now_timestamp()
    return (
        b'{"timestamp":"'
        + stamp.encode()
        + b'","type":"'
        + kind.encode()
        + b'","payload":'
        + payload_json
        + b"}\n"
    )


def create_rollout_file(path: Path, first_lines: bytes) -> int:
    """Create ``path`` holding ``first_lines``, atomically, and return a
    descriptor to append to it. Blocking."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    try:
        try:
            write_all(fd, first_lines)
        finally:
            os.close(fd)
        os.rename(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)


def open_for_append(path: Path) -> int:
    """A descriptor appending to an existing rollout; a torn last line (a
    crash in the middle of a write) is ended first. Blocking."""
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            write_all(fd, b"\n")
    except BaseException:
        os.close(fd)
        raise
    return fd


class RolloutRecorder:
    """The single writer of one rollout file."""

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        self._fd: int | None = fd
        self._first_lines: bytes | None = None
        """The lines a deferred file is created with (None once it exists)."""
        self._on_created: Callable[[Path], None] | None = None
        self._pending: list[bytes] = []
        self._wake = anyio.Event()
        self._drained = anyio.Event()
        self._drained.set()
        self._lock = anyio.Lock()
        self._closed = False
        self._failed = False
        self._torn = False
        """A write failed midway: the next one starts with a newline."""

    @classmethod
    async def create(cls, path: Path, first_lines: bytes) -> RolloutRecorder:
        fd = await anyio.to_thread.run_sync(create_rollout_file, path, first_lines)
        return cls(path, fd)

    @classmethod
    def deferred(
        cls, path: Path, first_lines: bytes, on_created: Callable[[Path], None] | None = None
    ) -> RolloutRecorder:
        """A recorder whose file is created by `materialize` (the thread's
        first turn); ``on_created`` is told when it is."""
        recorder = cls(path, None)
        recorder._first_lines = first_lines
        recorder._on_created = on_created
        return recorder

    @property
    def materialized(self) -> bool:
        """Whether the file exists (was created or resumed)."""
        return self._first_lines is None

    async def materialize(self) -> None:
        """Create a deferred file now (with its first lines, then what was
        recorded meanwhile). Raises the `OSError` of creating it; nothing
        happens when the file exists already."""
        first_lines = self._first_lines
        if first_lines is None or self._closed:
            return
        async with self._lock:
            if self._first_lines is None:
                return
            self._fd = await anyio.to_thread.run_sync(create_rollout_file, self.path, first_lines)
            self._first_lines = None
        if self._on_created is not None:
            self._on_created(self.path)
        self._wake.set()

    @classmethod
    async def resume(cls, path: Path) -> RolloutRecorder:
        fd = await anyio.to_thread.run_sync(open_for_append, path)
        return cls(path, fd)

    @property
    def closed(self) -> bool:
        return self._closed

    def record(self, kind: str, payload_json: bytes) -> None:
        """Queue one line (written soon, in order, by the writer task)."""
        if self._closed:
            log.warning("rollout %s is closed; a record was not written", self.path)
            return
        self._pending.append(rollout_line(kind, payload_json))
        if self._drained.is_set():
            self._drained = anyio.Event()
        self._wake.set()

    async def run(self) -> None:
        """The writer task: append queued lines until the recorder is closed."""
        while not self._closed:
            await self._wake.wait()
            self._wake = anyio.Event()
            await self._drain()

    async def flush(self) -> None:
        """Wait until every line queued so far is written (at once while the
        file is deferred: they wait for it)."""
        # (`record` replaces a set `_drained` by an unset one.)
        if self.materialized and not self._drained.is_set():
            await self._drained.wait()

    async def close(self) -> None:
        """Write what is queued, then close the file. Safe to call twice, and
        also when the writer task was cancelled (daemon shutdown)."""
        if self._closed:
            return
        self._closed = True
        if not self.materialized:
            # Never had a turn: nothing is written, no file is left behind.
            self._pending.clear()
        with anyio.CancelScope(shield=True):
            await self._drain()
            fd, self._fd = self._fd, None
            if fd is not None:
                try:
                    await anyio.to_thread.run_sync(os.close, fd)
                except OSError as exc:  # the lines were written (or logged as lost)
                    log.error("cannot close rollout %s: %s", self.path, exc)
        self._drained.set()
        self._wake.set()

    async def _drain(self) -> None:
        async with self._lock:
            while self._pending and self._fd is not None:
                count = len(self._pending)  # lines recorded meanwhile wait for the next round
                data = b"".join(self._pending)
                if self._torn:
                    data = b"\n" + data
                try:
                    await anyio.to_thread.run_sync(write_all, self._fd, data)
                    self._torn = False
                except OSError as exc:
                    if not self._failed:
                        log.error("cannot write to rollout %s: %s", self.path, exc)
                    self._failed = self._torn = True
                # Removed only once written: a cancelled writer leaves them for `close`.
                del self._pending[:count]
            if not self._pending:
                self._drained.set()
