"""A long-lived command the model drives (unified exec): started on a PTY or
on pipes, read by a thread of its own into a bounded buffer, written to and
polled by later calls.

The output kept between two reads is bounded (`MAX_BUFFERED_BYTES`): the
oldest beyond it is dropped, and the next read says how much. The command
leads its own process group, registered in `process_groups`, so it dies
with the daemon; `ExecSession.kill` ends it earlier.

A `Watcher` given to a read that finds the command still running hears,
from the reading thread, everything the command prints from then on, each
piece before a read can return it, and its exit before a read can see it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

from .. import process_groups
from ..hardening import child_setup

#: Output kept between two reads of a session (Codex 0.107.0 keeps 1 MiB:
#: a 165 KiB output reaches the model whole).
MAX_BUFFERED_BYTES: Final = 1024 * 1024
_READ_CHUNK: Final = 8192


@dataclass(frozen=True)
class Chunk:
    """What a read found."""

    output: bytes
    dropped: int
    """Bytes that were dropped because nobody read them in time."""
    exit_code: int | None
    """None: still running."""


class Watcher(Protocol):
    """Hears a running command (called from the session's own thread)."""

    def printed(self, data: bytes) -> None: ...

    def exited(self, exit_code: int) -> None: ...


class StdinClosed(Exception):
    """The session was not started on a PTY: it reads nothing from us."""


class ExecSession:
    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        tty: bool,
        pass_fds: Sequence[int] = (),
    ) -> None:
        """Start ``argv`` (blocking; `OSError` when it cannot start)."""
        self.tty = tty
        self._cond = threading.Condition()
        self._buffer = bytearray()
        self._dropped = 0
        self._eof = False
        self._watcher: Watcher | None = None
        self.exit_code: int | None = None
        if tty:
            master, child_end = os.openpty()
            stdin: int = child_end
            self._read_fd, self._write_fd = master, master
        else:
            read_end, child_end = os.pipe()
            stdin = subprocess.DEVNULL
            self._read_fd, self._write_fd = read_end, -1
        try:
            self._process = subprocess.Popen(
                list(argv),
                stdin=stdin,
                stdout=child_end,
                stderr=child_end,
                cwd=cwd,
                env=dict(env),
                start_new_session=True,
                pass_fds=pass_fds,
                preexec_fn=child_setup(),
            )
        except BaseException:
            os.close(self._read_fd)
            raise
        finally:
            os.close(child_end)
        process_groups.track(self._process.pid)
        self.started = time.monotonic()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        while True:
            try:
                data = os.read(self._read_fd, _READ_CHUNK)
            except OSError:  # EIO: the PTY's other end is closed
                data = b""
            with self._cond:
                if not data:
                    self._eof = True
                    self._cond.notify_all()
                    break
                if self._watcher is not None:
                    self._watcher.printed(data)
                self._buffer += data
                excess = len(self._buffer) - MAX_BUFFERED_BYTES
                if excess > 0:
                    del self._buffer[:excess]
                    self._dropped += excess
                self._cond.notify_all()
        code = self._process.wait()
        process_groups.forget(self._process.pid)
        with contextlib.suppress(OSError):
            os.close(self._read_fd)
        with self._cond:
            exit_code = code if code >= 0 else 128 - code
            if self._watcher is not None:
                self._watcher.exited(exit_code)
            self.exit_code = exit_code
            self._cond.notify_all()

    def write(self, data: bytes) -> None:
        """Send ``data`` to the command's terminal (blocking)."""
        if not self.tty:
            raise StdinClosed
        view = memoryview(data)
        while view:
            written = os.write(self._write_fd, view)
            view = view[written:]

    def read(self, wait_seconds: float, *, then_watch: Watcher | None = None) -> Chunk:
        """What the command printed since the last read, after waiting up to
        ``wait_seconds`` for it to end (blocking). When it is still running,
        ``then_watch`` hears the rest."""
        deadline = time.monotonic() + wait_seconds
        with self._cond:
            while self.exit_code is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            chunk = Chunk(bytes(self._buffer), self._dropped, self.exit_code)
            self._buffer.clear()
            self._dropped = 0
            if then_watch is not None and chunk.exit_code is None:
                self._watcher = then_watch
        return chunk

    def kill(self) -> None:
        if self.exit_code is None:
            process_groups.signal_group(self._process.pid, signal.SIGKILL)
