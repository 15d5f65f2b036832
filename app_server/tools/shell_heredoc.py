"""The one command of a shell script that feeds it a here-document.

0.107.0 judges ``bash -lc 'rm -f x <<EOF ... EOF'`` by its command
(``rm -f x``) when deciding whether to ask: a script of a single command of
bare words, fed by a ``<<`` here-document (redirections beside it allowed),
and nothing else. Here-strings (``<<<``), quoted words, expansions and second
commands make it no such script.
"""

from __future__ import annotations

import re
from typing import Final

from .shell_syntax import parse_plain_script

_HEREDOC_START: Final = re.compile(r"<<(-?)[ \t]*(?:'([^'\n]*)'|\"([^\"\n]*)\"|([A-Za-z0-9_.-]+))")
_REDIRECTION: Final = re.compile(r"[0-9]*(?:>>|>\||>&|>|<&|<)[ \t]*[^\s;&|<>()]+")
_BARE_WORD: Final = re.compile(r"[A-Za-z0-9_./:@%+,=~-]+")


def heredoc_command(script: str) -> list[str] | None:
    """The words of the single command ``script`` feeds a here-document, else None."""
    first_line, newline, body = script.partition("\n")
    start = _HEREDOC_START.search(first_line)
    if start is None or not newline or "<<<" in first_line:
        return None
    delimiter = start.group(2) or start.group(3) or start.group(4) or ""
    strip_tabs = start.group(1) == "-"
    if not _ends_with_delimiter(body, delimiter, strip_tabs):
        return None
    line = first_line[: start.start()] + " " + first_line[start.end() :]
    line = _REDIRECTION.sub(" ", line)
    if "'" in line or '"' in line:
        return None  # quoted words are not literal words for 0.107.0 here
    commands = parse_plain_script(line)
    if commands is None or len(commands) != 1:
        return None
    words = commands[0]
    if not all(_BARE_WORD.fullmatch(word) for word in words):
        return None
    return words


def _ends_with_delimiter(body: str, delimiter: str, strip_tabs: bool) -> bool:
    """Whether the here-document body closes with ``delimiter`` and nothing follows."""
    lines = body.split("\n")
    while lines and lines[-1].strip() == "":
        lines.pop()
    if not lines:
        return False
    last = lines[-1].lstrip("\t") if strip_tabs else lines[-1]
    return last == delimiter
