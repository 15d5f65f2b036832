"""What the file tools (`read_file`, `list_dir`, `grep_files`) share: their
numeric arguments, and the sandbox's read restriction.

The file tools read in the daemon's own process, never through a command, so
bubblewrap does not confine them: each checks the turn's policy itself
(`sandbox.may_read`, with the turn's folder, never a call's path, as the
base) and refuses what a command under the same policy could not see. They
never write, so they need no approval under any policy.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

from pydantic import BeforeValidator

from ...tools.sandbox import may_read, restricted_read

if TYPE_CHECKING:
    from ..scope import TurnScope

#: Longest line (or entry name) shown, in bytes; longer ones are cut at a character boundary.
MAX_LINE_BYTES: Final = 500


def _whole_number(value: object) -> object:
    """The models send numbers as JSON numbers, sometimes with a fraction part of 0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Count = Annotated[int, BeforeValidator(_whole_number)]


def cut_line(text: str) -> str:
    """``text`` cut to `MAX_LINE_BYTES` bytes of UTF-8, never inside a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= MAX_LINE_BYTES:
        return text
    return encoded[:MAX_LINE_BYTES].decode("utf-8", errors="ignore")


def is_restricted(scope: TurnScope) -> bool:
    return restricted_read(scope.settings.sandbox_policy) is not None


def readable(path: Path, scope: TurnScope) -> bool:
    """Whether the turn's sandbox policy lets commands read ``path``."""
    return may_read(path, scope.settings.sandbox_policy, Path(scope.settings.cwd))


def refusal(path: Path) -> str:
    return f"access denied: {path} is outside the sandbox's readable roots"


def os_error_text(error: OSError) -> str:
    """An OS error as the reference words it (``No such file or directory (os error 2)``)."""
    if error.strerror and error.errno is not None:
        return f"{error.strerror} (os error {error.errno})"
    return str(error)
