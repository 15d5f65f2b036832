"""Shell words: splitting, quoting, and recognising plain scripts.

`split_words` and `join_words` follow the POSIX-like rules of the reference's
word splitter (whitespace is space, tab and newline; ``#`` at the start of a
word begins a comment; inside double quotes a backslash escapes only ``$``,
backquote, ``"``, backslash and newline), and its quoting: the shortest of
unquoted, single-quoted or double-quoted chunks, with ``!`` and ``^`` kept out
of double quotes and everything non-ASCII quoted.

`parse_plain_script` accepts only the scripts whose meaning is obvious
without running a shell, as 0.107.0 sees them: simple commands made of plain
words and quoted strings (also joined into one word), joined by ``&&``,
``||``, ``|``, ``;`` or newlines. Anything that expands, redirects, groups or
assigns (``$x``, backquotes, ``>``, ``(...)``, ``{ ...; }``, ``VAR=value cmd``,
keywords such as ``if``, comments) makes it return None, so that callers
treat the script as opaque. Braces and brackets inside arguments
(``{a,b}``, ``x[0]``) are plain words: nothing expands them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

_SPLIT_WHITESPACE: Final = frozenset(" \t\n")
_DQ_ESCAPABLE: Final = frozenset('$`"\\')

_UNQUOTED_OK: Final = frozenset(
    "+-./:@]_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)
_UNQUOTED, _SINGLE, _DOUBLE = 1, 2, 4


def split_words(text: str) -> list[str] | None:
    """Split ``text`` into words as a POSIX shell would, without expansions.

    Returns None when a quote is not closed or the text ends with a lone
    backslash.
    """
    words: list[str] = []
    i, n = 0, len(text)
    while True:
        # Skip whitespace and comments before a word.
        while i < n:
            ch = text[i]
            if ch in _SPLIT_WHITESPACE:
                i += 1
            elif ch == "#":
                end = text.find("\n", i)
                i = n if end < 0 else end + 1
            else:
                break
        if i >= n:
            return words
        word: list[str] = []
        while i < n:
            ch = text[i]
            i += 1
            if ch in _SPLIT_WHITESPACE:
                break
            if ch == "'":
                end = text.find("'", i)
                if end < 0:
                    return None
                word.append(text[i:end])
                i = end + 1
            elif ch == '"':
                while True:
                    if i >= n:
                        return None
                    c = text[i]
                    i += 1
                    if c == '"':
                        break
                    if c == "\\":
                        if i >= n:
                            return None
                        escaped = text[i]
                        i += 1
                        if escaped in _DQ_ESCAPABLE:
                            word.append(escaped)
                        elif escaped != "\n":
                            word.append("\\" + escaped)
                    else:
                        word.append(c)
            elif ch == "\\":
                if i >= n:
                    return None
                if text[i] != "\n":
                    word.append(text[i])
                i += 1
            else:
                word.append(ch)
        words.append("".join(word))


def _chunk_strategy(text: str, start: int) -> tuple[int, int]:
    """The longest chunk from ``start`` that one quoting style can carry, and that style."""
    allowed = _UNQUOTED | _SINGLE | _DOUBLE
    i = start
    if text[i] == "^":
        # Bash treats a leading ^ specially unless it is single-quoted.
        allowed = _SINGLE
        i += 1
    while i < len(text):
        ch = text[i]
        ok = allowed
        if ord(ch) >= 0x80:
            ok &= ~_UNQUOTED
        else:
            if ch not in _UNQUOTED_OK:
                ok &= ~_UNQUOTED
            if ch in "'^\\":
                ok &= ~_SINGLE
            if ch in "`$!^":
                ok &= ~_DOUBLE
        if not ok:
            break
        allowed = ok
        i += 1
    if allowed & _UNQUOTED:
        return i, _UNQUOTED
    if allowed & _SINGLE:
        return i, _SINGLE
    return i, _DOUBLE


def quote_word(word: str) -> str:
    """``word`` written so that `split_words` gives it back unchanged."""
    if not word:
        return "''"
    if "\0" in word:
        raise ValueError("a shell word cannot contain a NUL character")
    out: list[str] = []
    pos = 0
    while pos < len(word):
        end, style = _chunk_strategy(word, pos)
        chunk = word[pos:end]
        if style == _UNQUOTED:
            if pos == 0 and end == len(word):
                return word
            out.append(chunk)
        elif style == _SINGLE:
            out.append(f"'{chunk}'")
        else:
            escaped = "".join("\\" + c if c in '$`"\\' else c for c in chunk)
            out.append(f'"{escaped}"')
        pos = end
    return "".join(out)


def join_words(words: Iterable[str]) -> str:
    """The words as one command line (a placeholder when one holds a NUL): how
    the reference shows a command (shlex 1.3's ``try_join``)."""
    try:
        return " ".join(quote_word(word) for word in words)
    except ValueError:
        return "<command included NUL byte>"


# --- plain scripts -------------------------------------------------------------

_BLANK: Final = frozenset(" \t\r\v\f")
_WORD_END: Final = frozenset(" \t\r\v\f\n;|&")
_NEVER_UNQUOTED: Final = frozenset("$`<>()")
#: First words that make a command something other than a simple command.
_STRUCTURAL: Final = frozenset(
    {
        "if", "case", "for", "while", "until", "select", "function",
        "export", "declare", "local", "readonly", "typeset", "unset", "unsetenv",
        "!", "[", "[[", "{",
    }
)  # fmt: skip
_ASSIGNMENT: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")


class _NotPlain(Exception):
    """The script uses shell syntax beyond plain words."""


def parse_plain_script(script: str) -> list[list[str]] | None:
    """The commands of ``script`` as word lists, or None if it is not a plain script.

    A word may join unquoted text, ``'single'`` and ``"double"`` quoted strings
    (``-g"*.py"`` is ``-g*.py``); the command name must be bare. Word text is
    returned as written: quotes are removed, but backslash escapes are kept
    (``a\\ b`` stays ``a\\ b``, ``"a\\"b"`` gives ``a\\"b``), as 0.107.0 does.
    """
    try:
        return _parse_plain(script)
    except _NotPlain:
        return None


def _parse_plain(script: str) -> list[list[str]]:
    commands: list[list[str]] = []
    current: list[str] = []
    need_command = False  # after && || |
    i, n = 0, len(script)

    def finish() -> None:
        nonlocal current
        if current:
            commands.append(current)
            current = []

    while i < n:
        ch = script[i]
        if ch in _BLANK:
            i += 1
            continue
        if ch == "\\" and script.startswith("\\\n", i):
            i += 2
            continue
        if ch == "\n":
            finish()
            i += 1
            continue
        if ch in ";|&":
            op = script[i : i + 2]
            if op in ("&&", "||"):
                size, joins = 2, True
            elif ch == "|" and op != "|&":
                size, joins = 1, True
            elif ch == ";" and op != ";;":
                size, joins = 1, False
            else:
                raise _NotPlain
            if not current:
                raise _NotPlain  # an operator needs a command before it
            finish()
            i += size
            need_command = joins
            continue
        word, i, bare = _read_word(script, i)
        if not current:
            _check_command_name(word, bare)
        current.append(word)
        need_command = False
    finish()
    if need_command or not commands:
        raise _NotPlain
    return commands


def _check_command_name(name: str, bare: bool) -> None:
    if not bare or name in _STRUCTURAL or "#" in name or _ASSIGNMENT.match(name):
        raise _NotPlain


def _read_word(script: str, i: int) -> tuple[str, int, bool]:
    """One word starting at ``i``: (its text, the index after it, whether it is
    bare: unquoted text only)."""
    if script[i] == "#":
        raise _NotPlain  # a comment
    n = len(script)
    parts: list[str] = []
    bare = True
    while i < n and script[i] not in _WORD_END:
        ch = script[i]
        if ch == "'":
            end = script.find("'", i + 1)
            if end < 0:
                raise _NotPlain
            parts.append(script[i + 1 : end])
            i, bare = end + 1, False
        elif ch == '"':
            end = _double_quote_end(script, i + 1)
            parts.append(script[i + 1 : end])
            i, bare = end + 1, False
        else:
            start = i
            i = _unquoted_end(script, i)
            if i == start:
                break  # a line continuation ends the word
            parts.append(script[start:i])
    word = "".join(parts)
    if word == "==" or (len(parts) > 1 and not word):
        raise _NotPlain
    return word, i, bare


def _double_quote_end(script: str, j: int) -> int:
    """The index of the quote closing a double-quoted string whose text starts at ``j``."""
    n = len(script)
    while j < n:
        c = script[j]
        if c == '"':
            return j
        if c == "\\":
            j += 2
            continue
        if c in "$`":
            raise _NotPlain  # an expansion
        j += 1
    raise _NotPlain


def _unquoted_end(script: str, j: int) -> int:
    """The end of the unquoted text starting at ``j`` (before a quote, a word end,
    or a line continuation)."""
    n = len(script)
    while j < n:
        c = script[j]
        if c in _WORD_END or c in "'\"":
            break
        if c == "\\":
            if j + 1 >= n:
                raise _NotPlain
            if script[j + 1] == "\n":
                break
            j += 2
            continue
        if c in _NEVER_UNQUOTED:
            raise _NotPlain
        j += 1
    return j
