"""What a command does, as far as can be told without running it (`parsed_cmd`).

Each simple command is summarised by `command_summary.summarize` (a read, a
listing, a search or unknown). Around that, 0.107.0's rules:

- A shell script (``bash -lc``, ``/bin/zsh -c``, ``sh -c``...: see
  `shells.shell_script`) is read only when it is plain (see
  `shell_syntax.parse_plain_script`) and shown as itself otherwise; its
  pipeline helpers (`formatting_helpers`) are dropped. A script that comes down
  to one command is shown as the whole script when it had no connector.
- A PowerShell ``-Command`` script is shown as itself.
- An argv holding connectors (``["cat", "a", "|", "wc"]``) is split on them;
  a leading ``yes |`` is dropped.
- ``cd DIR`` is folded into the paths read after it; a leading ``echo``, a
  ``true`` and an ``nl`` with options only are dropped when something else
  remains.

It is for display only: nothing is decided from it.
"""

from __future__ import annotations

import itertools
import posixpath
from collections.abc import Callable, Sequence

from app_server_protocol.exec_types import (
    ParsedCommand,
    ParsedCommandRead,
    ParsedCommandUnknown,
)

from .command_args import CONNECTORS, short_display_path
from .command_summary import summarize
from .formatting_helpers import is_formatting_helper
from .shell_syntax import join_words, parse_plain_script, split_words
from .shells import powershell_script, shell_script

__all__ = ["parse_command", "short_display_path"]


def parse_command(argv: Sequence[str]) -> list[ParsedCommand]:
    """Describe ``argv`` as a list of reads, listings, searches and unknown commands."""
    deduped: list[ParsedCommand] = []
    for command in _parse(list(argv)):
        if not deduped or deduped[-1] != command:
            deduped.append(command)
    return deduped


def _parse(argv: list[str]) -> list[ParsedCommand]:
    script = shell_script(argv)
    if script is not None:
        return _parse_shell_script(script)
    script = powershell_script(argv)
    if script is not None:
        return [ParsedCommandUnknown(cmd=script)]
    if len(argv) >= 2 and argv[0] in ("yes", "y", "no", "n") and argv[1] == "|":
        argv = argv[2:]
    parts = _split_on_connectors(argv) if any(w in CONNECTORS for w in argv) else [argv]
    return _simplify(_summarize_all(parts))


def _split_on_connectors(words: list[str]) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for word in words:
        if word in CONNECTORS:
            parts.append([])
        else:
            parts[-1].append(word)
    return [part for part in parts if part]


def _parse_shell_script(script: str) -> list[ParsedCommand]:
    commands = parse_plain_script(script)
    if not commands:
        return [ParsedCommandUnknown(cmd=script)]
    kept = [words for words in commands if not is_formatting_helper(words)]
    if not kept:
        return [ParsedCommandUnknown(cmd=script)]
    parsed = _summarize_all(kept)
    if len(parsed) > 1:
        parsed = _simplify([p for p in parsed if not _is_unknown(p, lambda cmd: cmd == "true")])
    if len(parsed) != 1 or isinstance(parsed[0], ParsedCommandUnknown):
        return parsed
    script_words = split_words(script)
    if script_words is None:
        script_words = [script]
    had_connectors = len(commands) > 1 or any(w in CONNECTORS for w in script_words)
    only = parsed[0]
    if not had_connectors:
        return [only.model_copy(update={"cmd": join_words(script_words)})]
    if isinstance(only, ParsedCommandRead) and "|" in script_words:
        piped_to_sed = any(a == "sed" and b == "-n" for a, b in itertools.pairwise(script_words))
        if piped_to_sed:
            return [only.model_copy(update={"cmd": script})]
    return parsed


def _cd_target(args: list[str]) -> str | None:
    """The folder ``cd ARGS`` moves to: the last operand, or the word after ``--``."""
    target: str | None = None
    for i, arg in enumerate(args):
        if arg == "--":
            return args[i + 1] if i + 1 < len(args) else None
        if not arg.startswith("-"):
            target = arg
    return target


def _is_absolute(path: str) -> bool:
    """``/x``, and Windows' ``C:\\x`` and ``\\\\server\\share``, as the reference takes them."""
    drive = len(path) >= 3 and path[0].isascii() and path[0].isalpha() and path[1:3] == ":\\"
    return path.startswith(("/", "\\\\")) or drive


def _join(base: str, path: str) -> str:
    if _is_absolute(path) or base == "":
        return path
    return posixpath.join(base, path)


def _summarize_all(parts: list[list[str]]) -> list[ParsedCommand]:
    """Summarise each command, folding ``cd DIR`` into the paths read after it."""
    out: list[ParsedCommand] = []
    cwd: str | None = None
    for words in parts:
        if words and words[0] == "cd":
            target = _cd_target(words[1:])
            if target is not None:
                cwd = target if cwd is None else _join(cwd, target)
            continue
        summary = summarize(words)
        if cwd is not None and isinstance(summary, ParsedCommandRead):
            summary = summary.model_copy(update={"path": _join(cwd, summary.path)})
        out.append(summary)
    return out


def _simplify(commands: list[ParsedCommand]) -> list[ParsedCommand]:
    """Drop what adds nothing to the summary: a leading ``echo``, a ``cd`` followed
    by something, ``true``, and ``nl`` with options only."""
    while len(commands) > 1:
        if _is_unknown(commands[0], lambda cmd: _first_word(cmd) == "echo"):
            commands = commands[1:]
            continue
        index = _index_of(commands, lambda cmd: _first_word(cmd) == "cd")
        if index is not None and index + 1 >= len(commands):
            index = None
        if index is None:
            index = _index_of(commands, lambda cmd: cmd == "true")
        if index is None:
            index = _index_of(commands, _is_bare_nl)
        if index is None:
            break
        commands = commands[:index] + commands[index + 1 :]
    return commands


def _is_unknown(command: ParsedCommand, test: Callable[[str], bool]) -> bool:
    return isinstance(command, ParsedCommandUnknown) and test(command.cmd)


def _index_of(commands: list[ParsedCommand], test: Callable[[str], bool]) -> int | None:
    for i, command in enumerate(commands):
        if _is_unknown(command, test):
            return i
    return None


def _first_word(cmd: str) -> str | None:
    words = split_words(cmd)
    return words[0] if words else None


def _is_bare_nl(cmd: str) -> bool:
    words = split_words(cmd)
    return (
        bool(words)
        and words is not None
        and words[0] == "nl"
        and all(w.startswith("-") for w in words[1:])
    )
