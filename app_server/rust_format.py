"""Text formatted as the reference formats it, where its messages show Rust
``Debug`` output or an OS error as Rust displays it."""

from __future__ import annotations

import os
from typing import Final

_ESCAPES: Final = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


def debug_str(text: str) -> str:
    """``text`` as Rust's ``{:?}`` shows a string or a path: in double quotes,
    with quotes, backslashes and unprintable characters escaped."""
    out = ['"']
    for c in text:
        escaped = _ESCAPES.get(c)
        if escaped is not None:
            out.append(escaped)
        elif c.isprintable() or c == " ":
            out.append(c)
        else:
            out.append(f"\\u{{{ord(c):x}}}")
    out.append('"')
    return "".join(out)


def errno_message(code: int) -> str:
    """An OS error number as Rust shows it: ``No such file or directory (os error 2)``."""
    return f"{os.strerror(code)} (os error {code})"


def os_error_message(error: OSError) -> str:
    """`errno_message` for ``error`` (its own text when it has no number)."""
    return str(error) if error.errno is None else errno_message(error.errno)
