"""What one simple command does, by its program and arguments (0.107.0's rules).

- reads a file: ``cat F``, ``bat``/``batcat``/``less``/``more F`` (one file),
  ``head``/``tail`` with a line count or a lone file, ``nl F``, ``awk PROG F``,
  ``sed -n RANGE F``;
- lists files: ``ls``, ``eza``, ``exa``, ``tree``, ``du``, ``rg --files``,
  ``git ls-files``, ``fd``/``find`` without a pattern, ``python -c`` walking
  the file system;
- searches: ``rg``/``rga``, ``grep``/``egrep``/``fgrep``, ``git grep``,
  ``ag``/``ack``/``pt``, ``fd PATTERN``, ``find -name PATTERN``...;
- anything else is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from app_server_protocol.exec_types import (
    ParsedCommand,
    ParsedCommandListFiles,
    ParsedCommandRead,
    ParsedCommandSearch,
    ParsedCommandUnknown,
)

from .command_args import (
    first_operand,
    is_sed_print_range,
    non_options,
    only_operand,
    short_display_path,
    trim_at_connector,
    without_option_values,
)
from .shell_syntax import join_words

_LISTING_OPTIONS_WITH_VALUE: Final[dict[str, tuple[str, ...]]] = {
    "ls": (
        "-I", "-w", "--block-size", "--format", "--time-style", "--color", "--quoting-style",
    ),
    "eza": ("-I", "--ignore-glob", "--color", "--sort", "--time-style", "--time"),
    "exa": ("-I", "--ignore-glob", "--color", "--sort", "--time-style", "--time"),
    "tree": ("-L", "-P", "-I", "--charset", "--filelimit", "--sort"),
    "du": ("-d", "--max-depth", "-B", "--block-size", "--exclude", "--time-style"),
}  # fmt: skip
_RG_OPTIONS_WITH_VALUE: Final = (
    "-g", "--glob", "--iglob", "-t", "--type", "--type-add", "--type-not",
    "-m", "--max-count", "-A", "-B", "-C", "--context", "--max-depth",
)  # fmt: skip
_AG_OPTIONS_WITH_VALUE: Final = (
    "-G", "-g", "--file-search-regex", "--ignore-dir", "--ignore-file", "--path-to-ignore",
)  # fmt: skip
_FD_OPTIONS_WITH_VALUE: Final = (
    "-t", "--type", "-e", "--extension", "-E", "--exclude", "--search-path",
)  # fmt: skip
_GIT_LS_FILES_OPTIONS_WITH_VALUE: Final = ("--exclude", "--exclude-from", "--pathspec-from-file")
_BAT_OPTIONS_WITH_VALUE: Final = (
    "--theme", "--language", "--style", "--terminal-width", "--tabs", "--line-range",
    "--map-syntax",
)  # fmt: skip
_LESS_OPTIONS_WITH_VALUE: Final = (
    "-p", "-P", "-x", "-y", "-z", "-j", "--pattern", "--prompt", "--tabs", "--shift",
    "--jump-target",
)  # fmt: skip
_NL_OPTIONS_WITH_VALUE: Final = ("-s", "-w", "-v", "-i", "-b")
_AWK_OPTIONS_WITH_VALUE: Final = ("-F", "-v", "-f", "--field-separator", "--assign", "--file")
_SED_OPTIONS_WITH_VALUE: Final = ("-e", "-f", "--expression", "--file")
_GREP_OPTIONS_WITH_VALUE: Final = (
    "-m", "--max-count", "-C", "--context", "-A", "--after-context", "-B", "--before-context",
)  # fmt: skip
_FIND_QUERY_OPTIONS: Final = ("-name", "-iname", "-path", "-regex")
_FIND_OPERATORS: Final = ("!", "(", ")")
_PYTHON_FILE_WALKS: Final = (
    "os.walk", "os.listdir", "os.scandir", "glob.glob", "glob.iglob", "pathlib.Path", ".rglob(",
)  # fmt: skip
_SINGLE_FILE_READERS: Final[dict[str, tuple[str, ...]]] = {
    "cat": (),
    "more": (),
    "bat": _BAT_OPTIONS_WITH_VALUE,
    "batcat": _BAT_OPTIONS_WITH_VALUE,
    "less": _LESS_OPTIONS_WITH_VALUE,
}


def summarize(words: Sequence[str]) -> ParsedCommand:
    """Describe the simple command ``words``."""
    cmd = join_words(words)
    if not words:
        return ParsedCommandUnknown(cmd=cmd)
    name, args = words[0], list(words[1:])
    if name in _LISTING_OPTIONS_WITH_VALUE:
        path = first_operand(args, _LISTING_OPTIONS_WITH_VALUE[name])
        return _list_files(cmd, path)
    if name in ("rg", "rga", "ripgrep-all"):
        return _summarize_rg(cmd, args)
    if name == "git" and args[:1] == ["grep"]:
        return _summarize_grep(cmd, args[1:])
    if name == "git" and args[:1] == ["ls-files"]:
        return _list_files(cmd, first_operand(args[1:], _GIT_LS_FILES_OPTIONS_WITH_VALUE))
    if name == "fd":
        return _search_or_list(cmd, *_fd_query_and_path(args))
    if name == "find":
        return _search_or_list(cmd, *_find_query_and_path(args))
    if name in ("grep", "egrep", "fgrep"):
        return _summarize_grep(cmd, args)
    if name in ("ag", "ack", "pt"):
        found = non_options(without_option_values(trim_at_connector(args), _AG_OPTIONS_WITH_VALUE))
        return _search(cmd, found[0] if found else None, found[1] if len(found) > 1 else None)
    file: str | None = None
    if name in _SINGLE_FILE_READERS:
        file = only_operand(args, _SINGLE_FILE_READERS[name])
    elif name in ("head", "tail"):
        file = head_tail_file(args, allow_plus=name == "tail")
    elif name == "awk":
        file = awk_data_file(args)
    elif name == "nl":
        found = non_options(without_option_values(args, _NL_OPTIONS_WITH_VALUE))
        file = found[0] if found else None
    elif name == "sed":
        file = sed_read_path(args)
    elif is_python(name) and _python_walks_files(args):
        return ParsedCommandListFiles(cmd=cmd, path=None)
    if file is not None:
        return ParsedCommandRead(cmd=cmd, name=short_display_path(file), path=file)
    return ParsedCommandUnknown(cmd=cmd)


def _list_files(cmd: str, path: str | None) -> ParsedCommandListFiles:
    return ParsedCommandListFiles(
        cmd=cmd, path=short_display_path(path) if path is not None else None
    )


def _search(cmd: str, query: str | None, path: str | None) -> ParsedCommandSearch:
    return ParsedCommandSearch(
        cmd=cmd, query=query, path=short_display_path(path) if path is not None else None
    )


def _search_or_list(cmd: str, query: str | None, path: str | None) -> ParsedCommand:
    """A search when there is a pattern, else a listing (``fd``, ``find``)."""
    return _search(cmd, query, path) if query is not None else _list_files(cmd, path)


def _summarize_rg(cmd: str, args: list[str]) -> ParsedCommand:
    trimmed = trim_at_connector(args)
    found = non_options(without_option_values(trimmed, _RG_OPTIONS_WITH_VALUE))
    if "--files" in trimmed:
        return _list_files(cmd, found[0] if found else None)
    return _search(cmd, found[0] if found else None, found[1] if len(found) > 1 else None)


def _summarize_grep(cmd: str, args: list[str]) -> ParsedCommandSearch:
    """``grep``-like: the pattern is the value of ``-e``/``-f`` or the first
    operand; the path is the operand after it."""
    pattern: str | None = None
    found: list[str] = []
    after_double_dash = False
    words = iter(trim_at_connector(args))
    for arg in words:
        if after_double_dash:
            found.append(arg)
        elif arg == "--":
            after_double_dash = True
        elif arg in ("-e", "--regexp", "-f", "--file"):
            value = next(words, None)
            if pattern is None:
                pattern = value
        elif arg in _GREP_OPTIONS_WITH_VALUE:
            next(words, None)
        elif not arg.startswith("-"):
            found.append(arg)
    if pattern is not None:
        return _search(cmd, pattern, found[0] if found else None)
    return _search(cmd, found[0] if found else None, found[1] if len(found) > 1 else None)


def _is_pathish(word: str) -> bool:
    return word in (".", "..") or word.startswith(("./", "../")) or "/" in word or "\\" in word


def _fd_query_and_path(args: list[str]) -> tuple[str | None, str | None]:
    found = non_options(without_option_values(trim_at_connector(args), _FD_OPTIONS_WITH_VALUE))
    if len(found) == 1:
        return (None, found[0]) if _is_pathish(found[0]) else (found[0], None)
    if len(found) >= 2:
        return found[0], found[1]
    return None, None


def _find_query_and_path(args: list[str]) -> tuple[str | None, str | None]:
    trimmed = trim_at_connector(args)
    path = next((a for a in trimmed if not a.startswith("-") and a not in _FIND_OPERATORS), None)
    query: str | None = None
    for i, arg in enumerate(trimmed):
        if arg in _FIND_QUERY_OPTIONS:
            query = trimmed[i + 1] if i + 1 < len(trimmed) else None
            break
    return query, path


def _is_count(value: str, allow_plus: bool) -> bool:
    digits = value.removeprefix("+") if allow_plus else value
    if allow_plus and digits == "":
        return False
    return all(c in "0123456789" for c in digits)


def head_tail_file(args: Sequence[str], *, allow_plus: bool) -> str | None:
    """The file ``head``/``tail`` reads: after a leading ``-n N`` (or ``-nN``),
    the first operand; else the only argument when it is not an option."""
    first = args[0] if args else None
    counted = False
    rest: Sequence[str] = args
    if first == "-n":
        counted = len(args) > 1 and _is_count(args[1], allow_plus)
        rest = args[2:] if counted else args
    elif first is not None and first.startswith("-n"):
        counted = _is_count(first[2:], allow_plus)
    if counted:
        found = non_options(rest)
        if found:
            return found[0]
    if len(args) == 1 and not args[0].startswith("-"):
        return args[0]
    return None


def awk_data_file(args: Sequence[str]) -> str | None:
    """The data file of ``awk [OPTIONS] PROGRAM FILE`` or ``awk -f SCRIPT FILE``."""
    if not args:
        return None
    trimmed = trim_at_connector(args)
    found = non_options(without_option_values(trimmed, _AWK_OPTIONS_WITH_VALUE))
    if "-f" in trimmed or "--file" in trimmed:
        return found[0] if found else None
    return found[1] if len(found) >= 2 else None


def sed_read_path(args: Sequence[str]) -> str | None:
    """The file of ``sed -n RANGE FILE`` (the range also as ``-e RANGE``)."""
    trimmed = trim_at_connector(args)
    if "-n" not in trimmed:
        return None
    has_range = False
    i = 0
    while i < len(trimmed):
        arg = trimmed[i]
        if arg in ("-e", "--expression"):
            has_range = has_range or is_sed_print_range(
                trimmed[i + 1] if i + 1 < len(trimmed) else None
            )
            i += 2
        elif arg in ("-f", "--file"):
            i += 2
        else:
            i += 1
    if not has_range:
        has_range = any(not a.startswith("-") and is_sed_print_range(a) for a in trimmed)
    if not has_range:
        return None
    found = non_options(without_option_values(trimmed, _SED_OPTIONS_WITH_VALUE))
    if not found:
        return None
    if is_sed_print_range(found[0]):
        return found[1] if len(found) > 1 else None
    return found[0]


def is_python(name: str) -> bool:
    return name in ("python", "python2", "python3") or name.startswith(("python2.", "python3."))


def _python_walks_files(args: list[str]) -> bool:
    words = iter(trim_at_connector(args))
    for arg in words:
        if arg == "-c":
            script = next(words, None)
            if script is not None:
                return any(marker in script for marker in _PYTHON_FILE_WALKS)
    return False
