"""Commands that only read, and so may run without approval (0.107.0's list).

A command is known safe by its program's file name (``/usr/bin/cat`` is
``cat``): a fixed set of read-only tools, ``base64`` without an output file,
``find`` without options that run, delete or write, ``rg`` without options
that run other programs, read-only ``git`` (`git_safety`), and
``sed -n RANGE [FILE]``. A plain shell script (``bash -lc 'ls && cat a'``) is
known safe when each of its commands is.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import Final

from .command_args import is_sed_print_range
from .git_safety import is_read_only_git
from .shell_syntax import parse_plain_script
from .shells import shell_script

_ALWAYS_SAFE: Final = frozenset(
    {
        "cat", "cd", "cut", "echo", "expr", "false", "grep", "head", "id", "ls", "nl",
        "paste", "pwd", "rev", "seq", "stat", "tail", "tr", "true", "uname", "uniq", "wc",
        "which", "whoami",
        # Linux only in the reference, which is all this daemon runs on.
        "numfmt", "tac",
    }
)  # fmt: skip
_UNSAFE_FIND_OPTIONS: Final = frozenset(
    {"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0", "-fprintf"}
)
_UNSAFE_RG_FLAGS: Final = frozenset({"--search-zip", "-z"})
_UNSAFE_RG_OPTIONS_WITH_VALUE: Final = ("--pre", "--hostname-bin")


def is_known_safe_command(argv: Sequence[str]) -> bool:
    """Whether ``argv`` only reads (so it may run without approval)."""
    if is_safe_to_exec(argv):
        return True
    script = shell_script(argv)
    commands = None if script is None else parse_plain_script(script)
    return bool(commands) and all(is_safe_to_exec(words) for words in commands or ())


def program_name(word: str) -> str | None:
    """The file name of a program path, as the reference takes it (``/bin/ls/`` -> ``ls``)."""
    name = posixpath.basename(word.rstrip("/"))
    return None if name in ("", ".", "..") else name


def is_safe_to_exec(command: Sequence[str]) -> bool:
    """Whether the simple command ``command`` (no shell involved) only reads."""
    if not command:
        return False
    name = program_name(command[0])
    args = command[1:]
    if name in _ALWAYS_SAFE:
        return True
    if name == "base64":
        return not any(
            arg in ("-o", "--output") or arg.startswith(("--output=", "-o")) for arg in args
        )
    if name == "find":
        return not any(arg in _UNSAFE_FIND_OPTIONS for arg in command)
    if name == "rg":
        return not any(
            arg in _UNSAFE_RG_FLAGS
            or any(arg == opt or arg.startswith(opt + "=") for opt in _UNSAFE_RG_OPTIONS_WITH_VALUE)
            for arg in command
        )
    if name == "git":
        return is_read_only_git(command)
    if name == "sed":
        return (
            len(command) <= 4
            and args[:1] == ["-n"]
            and is_sed_print_range(command[2] if len(command) > 2 else None)
        )
    return False
