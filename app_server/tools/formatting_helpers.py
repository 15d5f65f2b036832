"""The small helpers of a pipeline that a `parsed_cmd` summary leaves out.

In a shell script, ``wc``, ``sort``, ``head -n 5``, ``sed -n 1,5p`` without a
file, ``xargs cat``... only shape the output of the command that matters, so
0.107.0 drops them. A helper that names its own file (``head -n 5 a.txt``,
``awk PROG a.txt``) or that rewrites files (``xargs sed -i``) is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from .command_summary import awk_data_file, sed_read_path

_ALWAYS: Final = frozenset({"wc", "tr", "cut", "sort", "uniq", "tee", "column", "yes", "printf"})
_XARGS_OPTIONS_WITH_VALUE: Final = frozenset({"-E", "-e", "-I", "-L", "-n", "-P", "-s"})


def is_formatting_helper(words: Sequence[str]) -> bool:
    if not words:
        return False
    name = words[0]
    if name in _ALWAYS:
        return True
    if name == "xargs":
        return not _xargs_rewrites_files(words)
    if name == "awk":
        return awk_data_file(words[1:]) is None
    if name in ("head", "tail"):
        return _counts_without_file(words, allow_plus=name == "tail")
    if name == "sed":
        return sed_read_path(words[1:]) is None
    return False


def _is_count(value: str, allow_plus: bool) -> bool:
    digits = value[1:] if allow_plus and value.startswith("+") else value
    return all(c in "0123456789" for c in digits)


def _counts_without_file(words: Sequence[str], *, allow_plus: bool) -> bool:
    """``head``, ``head -n 40``, ``tail -c +10``, ``tail -n30``: no file named."""
    if len(words) == 1:
        return True
    if len(words) == 2:
        return words[1].startswith("-")
    if len(words) == 3:
        return words[1] in ("-n", "-c") and _is_count(words[2], allow_plus)
    return False


def _xargs_command(words: Sequence[str]) -> Sequence[str]:
    """The command ``xargs`` runs (empty when it names none)."""
    i = 1
    while i < len(words):
        word = words[i]
        if word == "--":
            return words[i + 1 :]
        if not word.startswith("-"):
            return words[i:]
        i += 2 if word in _XARGS_OPTIONS_WITH_VALUE else 1
    return ()


def _edits_in_place(args: Sequence[str]) -> bool:
    return any(arg.startswith(("-i", "-pi")) for arg in args)


def _xargs_rewrites_files(words: Sequence[str]) -> bool:
    command = _xargs_command(words)
    if not command:
        return False
    name, args = command[0], command[1:]
    if name in ("perl", "ruby"):
        return _edits_in_place(args)
    if name == "sed":
        return _edits_in_place(args) or "--in-place" in args
    if name == "rg":
        return "--replace" in args
    return False
