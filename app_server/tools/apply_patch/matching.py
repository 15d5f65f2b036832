"""Finding a chunk's lines in a file, leniently.

Tried in order, the first hit wins: an exact match, then ignoring trailing
whitespace, then ignoring surrounding whitespace, then also treating
typographic dashes, quotes and spaces as their ASCII forms (a model writing
``-`` for a file's ``—``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from .parser import RUST_WHITESPACE, rust_trim

_PUNCTUATION: Final = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        **dict.fromkeys("\u2018\u2019\u201a\u201b", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f", '"'),
        **dict.fromkeys(
            "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "
        ),
    }
)


def _exact(line: str) -> str:
    return line


def _rstrip(line: str) -> str:
    return line.rstrip(RUST_WHITESPACE)


def _normalised(line: str) -> str:
    return rust_trim(line).translate(_PUNCTUATION)


_PASSES: Final[tuple[Callable[[str], str], ...]] = (_exact, _rstrip, rust_trim, _normalised)


def seek_sequence(
    lines: Sequence[str], pattern: Sequence[str], start: int, at_end: bool
) -> int | None:
    """The index where ``pattern`` occurs in ``lines`` at or after ``start``
    (only at the very end when ``at_end``), or None."""
    if not pattern:
        return start
    if len(pattern) > len(lines):
        return None
    first = len(lines) - len(pattern) if at_end else start
    last = len(lines) - len(pattern)
    for normalise in _PASSES:
        wanted = [normalise(p) for p in pattern]
        for i in range(first, last + 1):
            if all(normalise(lines[i + j]) == w for j, w in enumerate(wanted)):
                return i
    return None
