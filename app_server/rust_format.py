"""Text formatted as the reference formats it, where its messages show Rust
``Debug`` output."""

from __future__ import annotations

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
