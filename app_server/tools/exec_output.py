"""A command's output: captured within a memory bound, and shown to the model.

`OutputBuffer` keeps the beginning and the end of a stream (everything when
it fits) and counts its bytes and lines, so that a runaway command cannot
exhaust memory while the text given to the model stays exact.

What the model reads of a command, as Codex 0.107.0 frames it: the output
(a timed-out command's starting with ``command timed out after T
milliseconds``) cut to the turn's `TruncationPolicy`, either as JSON with
the exit code and duration (`structured_exec_output`: the ``shell`` tool) or
as text (`freeform_exec_output`: ``shell_command``). A request that offers
the free-form ``apply_patch`` tool shows the JSON ones as text too
(`reframed_exec_output`).
"""

from __future__ import annotations

import errno
import json
import math
import os
from typing import Any, Final

from ..rust_format import debug_str
from .truncation import TruncationPolicy, formatted_truncate_text, line_count, truncate_text

#: The bytes of each stream the model is shown at most: the first ones (the
#: reference reads no further), shared between stdout and stderr.
EXEC_OUTPUT_MAX_BYTES: Final = 1024 * 1024
#: Bytes kept per stream by default: the first and last half of this.
DEFAULT_OUTPUT_LIMIT: Final = 2 * EXEC_OUTPUT_MAX_BYTES
_MIN_OUTPUT_LIMIT: Final = 40 * 1024


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

    def head(self, size: int) -> bytes:
        """The first ``size`` bytes of the stream (those that were kept)."""
        if size <= len(self._head) or self.truncated:
            return bytes(self._head[:size])
        return bytes(self._head + self._tail[: size - len(self._head)])


def timeout_prefix(duration_seconds: float) -> str:
    """The line a timed-out command's output starts with for the model."""
    return f"command timed out after {int(duration_seconds * 1000)} milliseconds\n"


def duration_seconds_for_model(duration_seconds: float) -> float:
    """Rounded to a tenth of a second, halves away from zero (as the reference)."""
    return math.floor(duration_seconds * 10 + 0.5) / 10


def model_output_bytes(stdout: OutputBuffer, stderr: OutputBuffer) -> bytes:
    """The bytes of both streams the model is shown: stdout's then stderr's,
    within `EXEC_OUTPUT_MAX_BYTES`; when both do not fit, stdout gets a third
    of it and stderr the rest, stdout taking what stderr leaves."""
    out_size = min(stdout.total_bytes, EXEC_OUTPUT_MAX_BYTES)
    err_size = min(stderr.total_bytes, EXEC_OUTPUT_MAX_BYTES)
    limit = EXEC_OUTPUT_MAX_BYTES
    if out_size + err_size > limit:
        wanted_out = min(out_size, limit // 3)
        err_size = min(err_size, limit - wanted_out)
        left = limit - wanted_out - err_size
        out_size = wanted_out + min(left, out_size - wanted_out)
    return stdout.head(out_size) + stderr.head(err_size)


def exec_content(output: str, *, timed_out: bool, duration_seconds: float) -> str:
    """The text the model is shown of a command (before it is cut)."""
    return timeout_prefix(duration_seconds) + output if timed_out else output


def format_exec_output_str(content: str, policy: TruncationPolicy) -> str:
    """The output cut to ``policy``, saying how many lines it had when cut
    (``formatted_output`` of the command's end event, and the JSON's ``output``)."""
    return formatted_truncate_text(content, policy)


def structured_exec_output(
    content: str, exit_code: int, duration_seconds: float, policy: TruncationPolicy
) -> str:
    """The ``shell`` tool's answer: the cut output and its metadata as JSON."""
    payload = {
        "output": format_exec_output_str(content, policy),
        "metadata": {
            "exit_code": exit_code,
            "duration_seconds": duration_seconds_for_model(duration_seconds),
        },
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def freeform_exec_output(
    content: str, exit_code: int, duration_seconds: float, policy: TruncationPolicy
) -> str:
    """The ``shell_command`` tool's answer: exit code, wall time, (the number
    of lines when the cut removed some) and the cut output, as text."""
    shown = truncate_text(content, policy)
    total = line_count(content)
    return _text_frame(
        exit_code,
        _wall_time(duration_seconds_for_model(duration_seconds)),
        total if total != line_count(shown) else None,
        shown,
    )


def _wall_time(seconds: float) -> str:
    """Seconds as Rust prints a float (``0``, ``1.5``)."""
    return str(int(seconds)) if seconds.is_integer() else repr(seconds)


def _text_frame(exit_code: int, wall_time: str, total_lines: int | None, output: str) -> str:
    sections = [f"Exit code: {exit_code}", f"Wall time: {wall_time} seconds"]
    if total_lines is not None:
        sections.append(f"Total output lines: {total_lines}")
    sections += ["Output:", output]
    return "\n".join(sections)


_TOTAL_LINES: Final = "Total output lines: "


def reframed_exec_output(raw: str) -> str | None:
    """A `structured_exec_output` answer as text (the JSON's line count, when
    its output starts with one, moved to its own line); None when ``raw`` is
    not such an answer."""
    try:
        value: Any = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("metadata"), dict):
        return None
    output, metadata = value.get("output"), value["metadata"]
    exit_code, seconds = metadata.get("exit_code"), metadata.get("duration_seconds")
    if not isinstance(output, str) or type(seconds) not in (int, float):
        return None
    if type(exit_code) is not int or not -(2**31) <= exit_code < 2**31:
        return None
    total_lines: int | None = None
    if output.startswith(_TOTAL_LINES):
        count, newline, rest = output[len(_TOTAL_LINES) :].partition("\n")
        digits = count[1:] if count.startswith("+") else count
        if newline and digits.isascii() and digits.isdigit() and int(digits) < 2**32:
            total_lines = int(digits)
            output = rest[1:] if rest.startswith("\n") else rest
    return _text_frame(exit_code, _wall_time(float(seconds)), total_lines, output)


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
