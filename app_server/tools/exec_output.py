"""A command's output: captured within a memory bound, and shown to the model.

`OutputBuffer` keeps the beginning and the end of a stream (everything when
it fits) and counts its bytes and lines, so that a runaway command cannot
exhaust memory while the text given to the model stays exact.

`format_for_model` reproduces how the reference shortens output for the
model: at most 256 lines and 10 KiB. Beyond 256 lines it keeps the first and
last 128 lines (the head within 5 KiB, the tail filling the rest) around
``[... omitted N of M lines ...]``; a shorter but too large output keeps its
first 5 KiB and ``[... output truncated to fit 10240 bytes ...]``. Either
way the text starts with ``Total output lines: M``. A timed-out command's
output starts with ``command timed out after T milliseconds``.
"""

from __future__ import annotations

import errno
import json
import math
import os
from dataclasses import dataclass
from typing import Final

from ..rust_format import debug_str

MODEL_MAX_BYTES: Final = 10 * 1024
MODEL_MAX_LINES: Final = 256
MODEL_HEAD_LINES: Final = MODEL_MAX_LINES // 2
MODEL_TAIL_LINES: Final = MODEL_MAX_LINES - MODEL_HEAD_LINES
MODEL_HEAD_BYTES: Final = MODEL_MAX_BYTES // 2

#: Bytes kept per stream by default: the first and last half of this.
DEFAULT_OUTPUT_LIMIT: Final = 1024 * 1024
_MIN_OUTPUT_LIMIT: Final = 4 * MODEL_MAX_BYTES


def decode(data: bytes) -> str:
    """Bytes as text; invalid UTF-8 becomes U+FFFD (as the reference does)."""
    return data.decode("utf-8", errors="replace")


class OutputBuffer:
    """The first and last bytes of a stream, with its total size and line count."""

    def __init__(self, limit: int = DEFAULT_OUTPUT_LIMIT) -> None:
        limit = max(limit, _MIN_OUTPUT_LIMIT)
        self._head_limit = limit // 2
        self._tail_limit = limit - self._head_limit
        self._head = bytearray()
        self._tail = bytearray()
        self.total_bytes = 0
        self.newlines = 0
        self._ends_with_newline = False

    def append(self, data: bytes) -> None:
        if not data:
            return
        self.total_bytes += len(data)
        self.newlines += data.count(b"\n")
        self._ends_with_newline = data.endswith(b"\n")
        room = self._head_limit - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if data:
            self._tail += data
            if len(self._tail) > self._tail_limit:
                del self._tail[: len(self._tail) - self._tail_limit]

    @property
    def truncated(self) -> bool:
        """Whether bytes were dropped from the middle."""
        return self.total_bytes > len(self._head) + len(self._tail)

    @property
    def line_count(self) -> int:
        """Lines as the reference counts them (a last line without newline counts)."""
        if self.total_bytes == 0:
            return 0
        return self.newlines + (0 if self._ends_with_newline else 1)

    def text(self) -> str:
        """Everything, or the beginning and the end around a note of what was dropped."""
        if not self.truncated:
            return decode(bytes(self._head + self._tail))
        omitted = self.total_bytes - len(self._head) - len(self._tail)
        return (
            decode(bytes(self._head))
            + f"\n[... {omitted} bytes of output omitted ...]\n"
            + decode(bytes(self._tail))
        )

    def view(self, prefix: str = "") -> OutputView:
        """The stream (after ``prefix``) as `format_for_model` needs it."""
        prefix_lines = prefix.count("\n") + (0 if not prefix or prefix.endswith("\n") else 1)
        if not self.truncated:
            text = prefix + decode(bytes(self._head + self._tail))
            return OutputView(text, "", _line_count(text), True)
        head = prefix + decode(bytes(self._head))
        return OutputView(head, decode(bytes(self._tail)), prefix_lines + self.line_count, False)


@dataclass(frozen=True)
class OutputView:
    """Text for `format_for_model`: the whole text (``complete``), or its
    beginning and end when the middle was not kept."""

    head: str
    tail: str
    line_count: int
    complete: bool


def _line_count(text: str) -> int:
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _take_prefix(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` that fits in ``max_bytes`` UTF-8 bytes."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", errors="ignore")


def _take_suffix(text: str, max_bytes: int) -> str:
    """The longest suffix of ``text`` that fits in ``max_bytes`` UTF-8 bytes."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    if max_bytes <= 0:
        return ""
    return data[len(data) - max_bytes :].decode("utf-8", errors="ignore")


def _first_lines(text: str, count: int) -> str:
    end = -1
    for _ in range(count):
        end = text.find("\n", end + 1)
        if end < 0:
            return text
    return text[: end + 1]


def _last_lines(text: str, count: int) -> str:
    """The last ``count`` lines (a last line without newline counts as one)."""
    pos = len(text) - 1 if text.endswith("\n") else len(text)
    for _ in range(count):
        pos = text.rfind("\n", 0, pos)
        if pos < 0:
            return text
    return text[pos + 1 :]


def format_for_model(view: OutputView) -> str:
    """The output text as the model sees it (see the module docstring)."""
    total_lines = view.line_count
    if view.complete:
        if _utf8_len(view.head) <= MODEL_MAX_BYTES and total_lines <= MODEL_MAX_LINES:
            return view.head
        head_region = _first_lines(view.head, MODEL_HEAD_LINES)
        tail_region = _last_lines(view.head, MODEL_TAIL_LINES)
    else:
        head_region = _first_lines(view.head, MODEL_HEAD_LINES)
        tail_region = _last_lines(view.tail, MODEL_TAIL_LINES)
    omitted = max(total_lines - MODEL_HEAD_LINES - MODEL_TAIL_LINES, 0)
    if omitted == 0:
        body = (
            _take_prefix(view.head, MODEL_HEAD_BYTES)
            + f"\n[... output truncated to fit {MODEL_MAX_BYTES} bytes ...]\n\n"
        )
    else:
        marker = f"\n[... omitted {omitted} of {total_lines} lines ...]\n\n"
        head_part = _take_prefix(head_region, MODEL_HEAD_BYTES)
        remaining = MODEL_MAX_BYTES - _utf8_len(head_part) - _utf8_len(marker)
        body = head_part + marker + _take_suffix(tail_region, remaining)
    return f"Total output lines: {total_lines}\n\n{body}"


def timeout_prefix(duration_seconds: float) -> str:
    """The line a timed-out command's output starts with for the model."""
    return f"command timed out after {int(duration_seconds * 1000)} milliseconds\n"


def duration_seconds_for_model(duration_seconds: float) -> float:
    """Rounded to a tenth of a second, halves away from zero (as the reference)."""
    return math.floor(duration_seconds * 10 + 0.5) / 10


def model_exec_output(formatted_output: str, exit_code: int, duration_seconds: float) -> str:
    """The shell tool's answer to the model: the output and its metadata as JSON."""
    payload = {
        "output": formatted_output,
        "metadata": {
            "exit_code": exit_code,
            "duration_seconds": duration_seconds_for_model(duration_seconds),
        },
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _wall_time(duration_seconds: float) -> str:
    """Seconds rounded to a tenth, written as the reference does (``0``, ``1.5``)."""
    value = duration_seconds_for_model(duration_seconds)
    return str(int(value)) if value.is_integer() else repr(value)


def model_freeform_output(output: str, exit_code: int, duration_seconds: float) -> str:
    """The ``apply_patch`` tool's answer to the model (a text, not JSON)."""
    lines = [f"Exit code: {exit_code}", f"Wall time: {_wall_time(duration_seconds)} seconds"]
    buffer = OutputBuffer()
    buffer.append(output.encode("utf-8"))
    formatted = format_for_model(buffer.view())
    if formatted != output:
        # format_for_model already says how many lines there were.
        total, _, formatted = formatted.partition("\n\n")
        lines.append(total)
    lines += ["Output:", formatted]
    return "\n".join(lines)


#: What the model is told when the user declines a command or a patch.
EXEC_REJECTED: Final = "exec command rejected by user"
PATCH_REJECTED: Final = "patch rejected by user"


def patch_refused(reason: str) -> str:
    """What the model is told when the approval rules refuse a patch."""
    return f"patch rejected: {reason}"


def killed_by_signal(signal: int) -> str:
    """What the model is told about a command killed by a signal (the reference's wording)."""
    return f"execution error: Sandbox(Signal({signal}))"


_ERROR_KINDS: Final = {
    errno.E2BIG: "ArgumentListTooLong",
    errno.EACCES: "PermissionDenied",
    errno.EPERM: "PermissionDenied",
    errno.EEXIST: "AlreadyExists",
    errno.EINTR: "Interrupted",
    errno.EINVAL: "InvalidInput",
    errno.EISDIR: "IsADirectory",
    errno.ELOOP: "FilesystemLoop",
    errno.ENAMETOOLONG: "InvalidFilename",
    errno.ENOENT: "NotFound",
    errno.ENOMEM: "OutOfMemory",
    errno.ENOSPC: "StorageFull",
    errno.ENOTDIR: "NotADirectory",
    errno.EROFS: "ReadOnlyFilesystem",
    errno.ETXTBSY: "ExecutableFileBusy",
}


def start_failed(error: OSError) -> str:
    """What the model is told when a command could not be started (the reference
    shows the OS error in Rust's debug form)."""
    code = error.errno
    if code is None:
        # An error of no system call: the reference's own (a NUL in the command).
        message = debug_str(str(error))
        return f"execution error: Io(Error {{ kind: InvalidInput, message: {message} }})"
    kind = _ERROR_KINDS.get(code, "Uncategorized")
    message = debug_str(os.strerror(code))
    return f"execution error: Io(Os {{ code: {code}, kind: {kind}, message: {message} }})"
