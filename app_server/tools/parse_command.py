"""What a command does, as far as can be told without running it (`parsed_cmd`).

The classification follows the reference's, observed command by command: a
file read (`cat f`, `sed -n 1,5p f`, `head -n 5 f`, `nl f`...), a file
listing (`ls`), a search (`rg`, `grep`, `find`, `fd`) or unknown. A shell
script (``bash -lc``, ``/bin/zsh -c``, ``sh -c``...: see
`shells.shell_script`) is parsed only when it is plain (see
`shell_syntax.parse_plain_script`) and shown as itself otherwise; pipelines
lose their small formatting helpers (`wc`, `sort`, `head` without a
file...), ``cd dir`` is folded into the paths read after it, and a leading
``echo`` or a ``true`` is dropped.
It is for display only: nothing is decided from it.
"""

from __future__ import annotations

import itertools
import posixpath
import re
from collections.abc import Callable, Sequence
from typing import Final

from app_server_protocol.exec_types import (
    ParsedCommand,
    ParsedCommandListFiles,
    ParsedCommandRead,
    ParsedCommandSearch,
    ParsedCommandUnknown,
)

from .safety import is_sed_print_range
from .shell_syntax import join_words, parse_plain_script, split_words
from .shells import shell_script

_CONNECTORS: Final = frozenset({"&&", "||", "|", ";"})
_FORMATTING_HELPERS: Final = frozenset(
    {"wc", "tr", "cut", "sort", "uniq", "xargs", "tee", "column", "awk", "yes", "printf"}
)
_LS_OPTIONS_WITH_VALUE: Final = (
    "-I", "-w", "--block-size", "--format", "--time-style", "--color", "--quoting-style",
)  # fmt: skip
_FD_OPTIONS_WITH_VALUE: Final = (
    "-t", "--type", "-e", "--extension", "-E", "--exclude", "--search-path",
)  # fmt: skip
_NL_OPTIONS_WITH_VALUE: Final = ("-s", "-w", "-v", "-i", "-b")
_FIND_QUERY_OPTIONS: Final = ("-name", "-iname", "-path", "-regex")
_UNINFORMATIVE_DIRS: Final = frozenset({"build", "dist", "node_modules", "src"})


def parse_command(argv: Sequence[str]) -> list[ParsedCommand]:
    """Describe ``argv`` as a list of reads, listings, searches and unknown commands."""
    parsed = _parse(list(argv))
    deduped: list[ParsedCommand] = []
    for command in parsed:
        if not deduped or deduped[-1] != command:
            deduped.append(command)
    return deduped


def _parse(argv: list[str]) -> list[ParsedCommand]:
    script = shell_script(argv)
    if script is not None:
        return _parse_shell_script(script, argv)
    tokens = _normalize(argv)
    if any(token in _CONNECTORS for token in tokens):
        parts = _split_on_connectors(tokens)
    else:
        parts = [tokens]
    return _simplify(_summarize_all(parts))


def _normalize(argv: list[str]) -> list[str]:
    """Drop a ``yes |`` prefix."""
    if len(argv) >= 2 and argv[0] in ("yes", "y", "no", "n") and argv[1] == "|":
        rest = argv[2:]
        return split_words(" ".join(rest)) or rest
    return argv


def _split_on_connectors(tokens: list[str]) -> list[list[str]]:
    parts: list[list[str]] = []
    current: list[str] = []
    for token in tokens:
        if token in _CONNECTORS:
            if current:
                parts.append(current)
                current = []
        else:
            current.append(token)
    if current:
        parts.append(current)
    return parts


def _parse_shell_script(script: str, argv: list[str]) -> list[ParsedCommand]:
    commands = parse_plain_script(script)
    if not commands:
        return [ParsedCommandUnknown(cmd=script)]
    script_words = split_words(script)
    if script_words is None:
        script_words = list(argv)
    kept = [words for words in commands if not _is_formatting_helper(words)]
    if not kept:
        return [ParsedCommandUnknown(cmd=script)]
    parsed = _summarize_all(kept)
    if len(parsed) > 1:
        parsed = [p for p in parsed if not _is_unknown(p, "true")]
    parsed = _simplify(parsed)
    if len(parsed) == 1:
        had_connectors = len(commands) > 1 or any(w in _CONNECTORS for w in script_words)
        parsed = [_describe_single(parsed[0], script, script_words, had_connectors)]
    return parsed


def _describe_single(
    command: ParsedCommand, script: str, script_words: list[str], had_connectors: bool
) -> ParsedCommand:
    """A script that comes down to one command is shown as the whole script when it
    was a simple one (or a read piped through ``sed -n``)."""
    if isinstance(command, ParsedCommandUnknown):
        return command
    if not had_connectors:
        return command.model_copy(update={"cmd": join_words(script_words)})
    if isinstance(command, ParsedCommandRead):
        piped_to_sed = "|" in script_words and any(
            a == "sed" and b == "-n" for a, b in itertools.pairwise(script_words)
        )
        if piped_to_sed:
            return command.model_copy(update={"cmd": script})
    return command


def _is_formatting_helper(words: list[str]) -> bool:
    name = words[0]
    if name in _FORMATTING_HELPERS:
        return True
    if name in ("head", "tail"):
        return len(words) < 3
    if name == "sed":
        return len(words) < 4 or not (words[1] == "-n" and is_sed_print_range(words[2]))
    return False


def _summarize_all(parts: list[list[str]]) -> list[ParsedCommand]:
    """Summarise each command, folding ``cd DIR`` into the paths read after it."""
    out: list[ParsedCommand] = []
    cwd: str | None = None
    for words in parts:
        if words and words[0] == "cd":
            if len(words) > 1:
                cwd = words[1] if cwd is None else posixpath.join(cwd, words[1])
            continue
        summary = _summarize(words)
        if cwd is not None and isinstance(summary, ParsedCommandRead):
            summary = summary.model_copy(update={"path": posixpath.join(cwd, summary.path)})
        out.append(summary)
    return out


def _simplify(commands: list[ParsedCommand]) -> list[ParsedCommand]:
    """Drop what adds nothing to the summary: a leading ``echo``, a ``cd`` followed
    by something, ``true``, and ``nl`` with flags only."""
    while len(commands) > 1:
        first = commands[0]
        if isinstance(first, ParsedCommandUnknown) and _first_word(first.cmd) == "echo":
            commands = commands[1:]
            continue
        index = _index_of(commands, lambda c: _first_word(c.cmd) == "cd")
        if index is not None and index + 1 >= len(commands):
            index = None
        if index is None:
            index = _index_of(commands, lambda c: c.cmd == "true")
        if index is None:
            index = _index_of(commands, _is_bare_nl)
        if index is None:
            break
        commands = commands[:index] + commands[index + 1 :]
    return commands


def _index_of(
    commands: list[ParsedCommand], test: Callable[[ParsedCommandUnknown], bool]
) -> int | None:
    for i, command in enumerate(commands):
        if isinstance(command, ParsedCommandUnknown) and test(command):
            return i
    return None


def _first_word(cmd: str) -> str | None:
    words = split_words(cmd)
    return words[0] if words else None


def _is_bare_nl(command: ParsedCommandUnknown) -> bool:
    words = split_words(command.cmd)
    return (
        words is not None
        and bool(words)
        and words[0] == "nl"
        and all(w.startswith("-") for w in words[1:])
    )


def _is_unknown(command: ParsedCommand, cmd: str) -> bool:
    return isinstance(command, ParsedCommandUnknown) and command.cmd == cmd


def short_display_path(path: str) -> str:
    """The most telling component of ``path`` (``webview/src/`` -> ``webview``)."""
    trimmed = path.rstrip("/\\")
    for part in reversed(re.split(r"[/\\]", trimmed)):
        if part and part not in _UNINFORMATIVE_DIRS:
            return part
    return trimmed


def _skip_option_values(args: list[str], options: Sequence[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in options:
            skip = True
        else:
            out.append(arg)
    return out


def _operands(args: list[str]) -> list[str]:
    return [a for a in args if not a.startswith("-")]


def _summarize(words: list[str]) -> ParsedCommand:
    cmd = join_words(words)
    if not words:
        return ParsedCommandUnknown(cmd=cmd)
    name, args = words[0], words[1:]
    match name:
        case "ls":
            operands = _operands(_skip_option_values(args, _LS_OPTIONS_WITH_VALUE))
            path = short_display_path(operands[0]) if operands else None
            return ParsedCommandListFiles(cmd=cmd, path=path)
        case "rg":
            return _summarize_rg(cmd, _trim_at_connector(args))
        case "fd":
            return _summarize_fd(cmd, args)
        case "find":
            return _summarize_find(cmd, _trim_at_connector(args))
        case "grep":
            operands = _operands(_trim_at_connector(args))
            query = operands[0] if operands else None
            path = short_display_path(operands[1]) if len(operands) > 1 else None
            return ParsedCommandSearch(cmd=cmd, query=query, path=path)
        case "cat":
            files = args[1:] if args[:1] == ["--"] else args
            if len(files) == 1:
                return _read(cmd, files[0])
        case "head" | "tail":
            file = _head_tail_file(args, allow_plus=name == "tail")
            if file is not None:
                return _read(cmd, file)
        case "nl":
            operands = _operands(_skip_option_values(args, _NL_OPTIONS_WITH_VALUE))
            if operands:
                return _read(cmd, operands[0])
        case "sed":
            if len(args) >= 3 and args[0] == "-n" and is_sed_print_range(args[1]):
                return _read(cmd, args[2])
    return ParsedCommandUnknown(cmd=cmd)


def _read(cmd: str, path: str) -> ParsedCommandRead:
    return ParsedCommandRead(cmd=cmd, name=short_display_path(path), path=path)


def _trim_at_connector(args: list[str]) -> list[str]:
    for i, arg in enumerate(args):
        if arg in ("|", "&&", "||"):
            return args[:i]
    return args


def _summarize_rg(cmd: str, args: list[str]) -> ParsedCommandSearch:
    operands = _operands(args)
    if "--files" in args:
        query, path = None, operands[0] if operands else None
    else:
        query = operands[0] if operands else None
        path = operands[1] if len(operands) > 1 else None
    return ParsedCommandSearch(
        cmd=cmd, query=query, path=short_display_path(path) if path is not None else None
    )


def _summarize_fd(cmd: str, args: list[str]) -> ParsedCommandSearch:
    operands = _operands(_skip_option_values(args, _FD_OPTIONS_WITH_VALUE))
    query: str | None = None
    path: str | None = None
    if len(operands) == 1:
        one = operands[0]
        if one in (".", "..") or one.startswith(("./", "../")) or "/" in one or "\\" in one:
            path = one
        else:
            query = one
    elif len(operands) >= 2:
        query, path = operands[0], operands[1]
    return ParsedCommandSearch(
        cmd=cmd, query=query, path=short_display_path(path) if path is not None else None
    )


def _summarize_find(cmd: str, args: list[str]) -> ParsedCommandSearch:
    operands = _operands(args)
    path = short_display_path(operands[0]) if operands else None
    query: str | None = None
    for i, arg in enumerate(args):
        if arg in _FIND_QUERY_OPTIONS:
            query = args[i + 1] if i + 1 < len(args) else None
            break
    return ParsedCommandSearch(cmd=cmd, query=query, path=path)


def _is_count(value: str, allow_plus: bool) -> bool:
    if allow_plus:
        digits = value.removeprefix("+")
        return digits != "" and digits.isascii() and digits.isdigit()
    return value == "" or (value.isascii() and value.isdigit())


def _head_tail_file(args: list[str], allow_plus: bool) -> str | None:
    """The file of ``head -n N FILE`` / ``tail -n N FILE`` (also ``-nN``), else None."""
    if not args:
        return None
    first = args[0]
    if first == "-n":
        valid = len(args) > 1 and _is_count(args[1], allow_plus)
    elif first.startswith("-n"):
        valid = _is_count(first[2:], allow_plus)
    else:
        valid = False
    if not valid:
        return None
    rest = args[2:] if first == "-n" else args[1:]
    operands = _operands(rest)
    return operands[0] if operands else None
