"""Fuzzy matching of a query against paths, scored as the reference scores it.

The reference ranks files with the nucleo matcher (an fzf-style variant of
Smith-Waterman). Clients show its scores and highlight its positions, so this
module follows the same rules:

* the query splits on unescaped whitespace into atoms; a path matches when
  every atom matches, and its score is the sum of the atoms' scores;
* an atom ignores case unless it has an upper-case letter ("smart case"); an
  ASCII atom also matches accented Latin letters by their base letter;
* every matched character earns `SCORE_MATCH` plus a bonus for where it sits
  (start of the path, after a delimiter such as '/', after '_' or '.', a
  camelCase hump, the start of a number), the first one twice over; a
  character right after the previous match keeps the best boundary bonus of
  its run; skipped characters between two matches cost a penalty, more for
  the first one;
* among several alignments the matcher keeps, position by position, the best
  (score, run bonus) pair, exactly as the reference's dynamic programme does,
  so that ties and highlighted positions come out the same.

Positions count characters (the first code point of each grapheme), not bytes.

The reference takes its matcher's settings for paths: only '/' is a
delimiter, and the first character is scored as if it followed one. Query
words may carry fzf's marks (see `parse_query`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

SCORE_MATCH: Final = 16
PENALTY_GAP_START: Final = 3
PENALTY_GAP_EXTENSION: Final = 1
BONUS_BOUNDARY: Final = SCORE_MATCH // 2
BONUS_NON_WORD: Final = BONUS_BOUNDARY
BONUS_CAMEL123: Final = BONUS_BOUNDARY - PENALTY_GAP_START
BONUS_CONSECUTIVE: Final = PENALTY_GAP_START + PENALTY_GAP_EXTENSION
BONUS_FIRST_CHAR_MULTIPLIER: Final = 2
# The reference configures its matcher for paths: only '/' is a delimiter,
# whitespace earns no more than any other boundary, and the text is taken
# as if a delimiter stood before its first character.
BONUS_BOUNDARY_WHITE: Final = BONUS_BOUNDARY
BONUS_BOUNDARY_DELIMITER: Final = BONUS_BOUNDARY + 1
#: The most any position can earn.
MAX_BONUS: Final = max(BONUS_BOUNDARY_WHITE, BONUS_BOUNDARY_DELIMITER)

#: Beyond this many cells (window length x needle length) the reference
#: matches greedily instead of optimally; so do we.
MAX_MATRIX_CELLS: Final = 100 * 1024

# Character classes, in the order the bonus rules compare them.
WHITESPACE: Final = 0
NON_WORD: Final = 1
DELIMITER: Final = 2
LOWER: Final = 3
UPPER: Final = 4
LETTER: Final = 5
NUMBER: Final = 6

#: The class "before" the first character.
INITIAL_CLASS: Final = DELIMITER

_DELIMITERS: Final = "/"


def _bonus_for(prev: int, cls: int) -> int:
    if cls > DELIMITER:
        if prev == WHITESPACE:
            return BONUS_BOUNDARY_WHITE
        if prev == DELIMITER:
            return BONUS_BOUNDARY_DELIMITER
        if prev == NON_WORD:
            return BONUS_BOUNDARY
    if (prev == LOWER and cls == UPPER) or (prev != NUMBER and cls == NUMBER):
        return BONUS_CAMEL123
    if cls == WHITESPACE:
        return BONUS_BOUNDARY_WHITE
    if cls == NON_WORD:
        return BONUS_NON_WORD
    return 0


#: BONUS[prev_class][class]
BONUS: Final = tuple(tuple(_bonus_for(p, c) for c in range(7)) for p in range(7))


def _ascii_class(code: int) -> int:
    c = chr(code)
    if "a" <= c <= "z":
        return LOWER
    if "A" <= c <= "Z":
        return UPPER
    if "0" <= c <= "9":
        return NUMBER
    if c in " \t\n\x0b\x0c\r":
        return WHITESPACE
    if c in _DELIMITERS:
        return DELIMITER
    return NON_WORD


_ASCII_CLASSES: Final = tuple(_ascii_class(i) for i in range(128))


@lru_cache(maxsize=4096)
def char_class(c: str) -> int:
    code = ord(c)
    if code < 128:
        return _ASCII_CLASSES[code]
    if c.islower():
        return LOWER
    if c.isupper():
        return UPPER
    if c.isnumeric():
        return NUMBER
    if c.isalpha():
        return LETTER
    if c.isspace():
        return WHITESPACE
    return NON_WORD


class _ClassTable(dict[int, str]):
    """`str.translate` table: every character to its class, as one character."""

    def __missing__(self, code: int) -> str:
        value = chr(char_class(chr(code)))
        self[code] = value
        return value


_CLASS_TABLE: Final = _ClassTable({i: chr(_ASCII_CLASSES[i]) for i in range(128)})


def classes_of(text: str) -> str:
    """One character per position whose code is the class of that position."""
    return text.translate(_CLASS_TABLE)


@lru_cache(maxsize=4096)
def _normalized(c: str) -> str:
    """An accented Latin letter's base letter (other characters unchanged)."""
    if c.isascii():
        return c
    base = unicodedata.normalize("NFD", c)[0]
    return base if base.isascii() and base.isalpha() else c


def _lower(c: str) -> str:
    folded = c.lower()
    return folded if len(folded) == 1 else c


def _is_grapheme_extension(c: str) -> bool:
    code = ord(c)
    return (
        unicodedata.combining(c) != 0
        or code == 0x200D
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or unicodedata.category(c) in ("Mn", "Me", "Mc")
    )


def _joins_after_zwj(c: str) -> bool:
    """Whether ``c`` continues a zero-width-joined emoji sequence."""
    return not c.isascii() and unicodedata.category(c) == "So"


def matcher_text(text: str) -> str:
    """The characters the matcher sees in ``text``: ASCII text as it is,
    otherwise the first code point of each grapheme."""
    if text.isascii():
        return text
    out: list[str] = []
    after_joiner = False
    for c in text:
        if out and (_is_grapheme_extension(c) or (after_joiner and _joins_after_zwj(c))):
            after_joiner = c == "\u200d"
            continue
        after_joiner = False
        out.append(c)
    return "".join(out)


def is_unicode_text(text: str) -> bool:
    """Whether the matcher reads this `matcher_text` as characters beyond ASCII."""
    return not text.isascii()


def fold(text: str, ignore_case: bool, normalize: bool) -> str:
    """``text`` (a `matcher_text`) as an atom compares it: same length."""
    if text.isascii():
        return text.lower() if ignore_case else text
    out = []
    for c in text:
        if c.isascii():
            out.append(c.lower() if ignore_case else c)
            continue
        case_fold = char_class(c) == UPPER
        if normalize:
            c = _normalized(c)
            case_fold = True
        if case_fold and ignore_case:
            c = _lower(c)
        out.append(c)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Atom:
    """One whitespace-separated word of the query."""

    needle: str
    ignore_case: bool
    normalize: bool
    kind: int = 0  # FUZZY
    negative: bool = False
    """A negative atom excludes the paths it matches and scores nothing."""

    @property
    def plain(self) -> bool:
        """A positive fuzzy atom (the search's shortcuts apply)."""
        return self.kind == FUZZY and not self.negative


# How an atom matches, from the fzf-style marks on the word: `'word` a
# contiguous substring, `^word` at the start, `word$` at the end, `^word$`
# the whole path, `!word` anything but (a substring by default).
FUZZY: Final = 0
SUBSTRING: Final = 1
PREFIX: Final = 2
POSTFIX: Final = 3
EXACT: Final = 4


def _is_whitespace(c: str) -> bool:
    # Rust's char::is_whitespace: Python's isspace() minus the ASCII separators.
    return c.isspace() and c not in "\x1c\x1d\x1e\x1f"


def _split_words(query: str) -> list[str]:
    """Split on whitespace that is not escaped with a backslash."""
    words: list[str] = []
    current: list[str] = []
    escaped = False
    for c in query:
        if _is_whitespace(c) and not escaped:
            words.append("".join(current))
            current = []
            escaped = False
            continue
        escaped = c == "\\"
        current.append(c)
    words.append("".join(current))
    return words


def _unescape(word: str) -> list[str]:
    """Characters of ``word`` with ``\\<space>`` read as a space."""
    chars: list[str] = []
    backslash = False
    for c in matcher_text(word):
        if backslash:
            if _is_whitespace(c):
                chars.append(c)
                backslash = False
                continue
            chars.append("\\")
        backslash = c == "\\"
        if not backslash:
            chars.append(c)
    if backslash:
        chars.append("\\")
    return chars


def parse_query(query: str) -> list[Atom]:
    """The atoms of ``query``; none for a blank query (which matches every path)."""
    atoms = []
    for word in _split_words(query):
        word, kind, negative, dollar = _marks(word)
        chars = _unescape(word)
        needle = "".join(chars)
        if needle.isascii():
            ignore_case = not any("A" <= c <= "Z" for c in needle)
            normalize = True
        else:
            ignore_case = not any(char_class(c) == UPPER for c in chars)
            normalize = all(_normalized(c) == c for c in chars)
        if dollar:
            needle += "$"
        if needle:
            atoms.append(Atom(needle, ignore_case, normalize, kind, negative))
    return atoms


def _marks(word: str) -> tuple[str, int, bool, bool]:
    """(the word without its marks, kind, negative, an escaped '$' ended it)."""
    negative = word.startswith("!")
    if negative or word.startswith("\\!"):
        word = word[1:]
    kind = FUZZY
    if word.startswith("^"):
        word, kind = word[1:], PREFIX
    elif word.startswith("'"):
        word, kind = word[1:], SUBSTRING
    elif word.startswith(("\\^", "\\'")):
        word = word[1:]
    dollar = word.endswith("\\$")
    if dollar:
        word = word[:-2]
    elif word.endswith("$"):
        word, kind = word[:-1], POSTFIX if kind == FUZZY else EXACT
    if negative and kind == FUZZY:
        kind = SUBSTRING
    return word, kind, negative, dollar


# -- scoring one atom -----------------------------------------------------------


def score_run(
    folded: str, classes: str, needle: str, start: int, end: int, indices: list[int] | None
) -> int:
    """Score the alignment of ``needle`` that the reference takes when the
    match window leaves no choice (or when it matches greedily): needle
    characters taken in order, left to right, from ``start`` to ``end``."""
    prev_class = ord(classes[start - 1]) if start > 0 else INITIAL_CLASS
    cls = ord(classes[start])
    first_bonus = BONUS[prev_class][cls]
    score = SCORE_MATCH + first_bonus * BONUS_FIRST_CHAR_MULTIPLIER
    if indices is not None:
        indices.append(start)
    prev_class = cls
    n = len(needle)
    j = 1
    in_gap = False
    consecutive = True
    for i in range(start + 1, end):
        cls = ord(classes[i])
        if j < n and folded[i] == needle[j]:
            if indices is not None:
                indices.append(i)
            bonus = BONUS[prev_class][cls]
            if consecutive:
                if bonus >= BONUS_BOUNDARY and bonus > first_bonus:
                    first_bonus = bonus
                bonus = max(bonus, first_bonus, BONUS_CONSECUTIVE)
            else:
                first_bonus = bonus
            score += SCORE_MATCH + bonus
            in_gap = False
            consecutive = True
            j += 1
        else:
            score = max(0, score - (PENALTY_GAP_EXTENSION if in_gap else PENALTY_GAP_START))
            in_gap = True
            consecutive = False
        prev_class = cls
    return score


def _single_char(folded: str, classes: str, c: str, indices: list[int] | None) -> int | None:
    """The best place for a one-character needle: the first with the best bonus.

    In a path read as characters (not bytes), the reference takes, for every
    occurrence after the first, the class of the previous *occurrence* as the
    class before it; so does this."""
    best = 0
    best_pos = 0
    pos = folded.find(c)
    unicode = pos >= 0 and is_unicode_text(folded)
    prev = (ord(classes[pos - 1]) if pos > 0 else INITIAL_CLASS) if unicode else INITIAL_CLASS
    while pos >= 0:
        if not unicode:
            prev = ord(classes[pos - 1]) if pos > 0 else INITIAL_CLASS
        bonus = BONUS[prev][ord(classes[pos])]
        if unicode:
            prev = ord(classes[pos])
        score = bonus * BONUS_FIRST_CHAR_MULTIPLIER + SCORE_MATCH
        if score > best:
            best = score
            best_pos = pos
            if bonus >= BONUS_BOUNDARY_WHITE:
                break
        pos = folded.find(c, pos + 1)
    if best == 0:
        return None
    if indices is not None:
        indices.append(best_pos)
    return best


def _greedy(folded: str, classes: str, needle: str, start: int, indices: list[int] | None) -> int:
    """Greedy match for windows too large to align optimally: the leftmost
    end, then the latest start that still reaches it."""
    end = start
    for c in needle:
        end = folded.index(c, end) + 1
    first = end - 1
    for c in reversed(needle[:-1]):
        first = folded.rindex(c, start, first)
    return score_run(folded, classes, needle, first, end, indices)


def score_atom(
    folded: str, classes: str, needle: str, indices: list[int] | None = None
) -> int | None:
    """The score of ``needle`` in ``folded`` (None when it does not match),
    appending the matched positions to ``indices`` when given."""
    n = len(needle)
    length = len(folded)
    if n > length or n == 0:
        return None
    if n == length:
        if folded != needle:
            return None
        return score_run(folded, classes, needle, 0, n, indices)
    if n == 1:
        return _single_char(folded, classes, needle, indices)

    # Where each needle character first fits (greedily), and the window that
    # can hold a match: from the first needle[0] to the last needle[-1].
    start = folded.find(needle[0], 0, length - n + 1)
    if start < 0:
        return None
    row_starts = [start]
    pos = start
    for c in needle[1:]:
        pos = folded.find(c, pos + 1)
        if pos < 0:
            return None
        row_starts.append(pos)
    end = folded.rfind(needle[-1], pos) + 1
    if end - start == n:
        return score_run(folded, classes, needle, start, end, indices)
    if (end - start) * n > MAX_MATRIX_CELLS:
        return _greedy(folded, classes, needle, start, indices)
    return _align(folded, classes, needle, row_starts, end, indices)


def _align(
    folded: str,
    classes: str,
    needle: str,
    row_starts: list[int],
    end: int,
    indices: list[int] | None,
) -> int:
    """The reference's optimal alignment, computed over match positions only.

    For each needle character j and each position q where it can match, the
    matcher keeps one cell (score, run bonus, came-from-the-previous-position):
    either it extends a match of character j-1 at q-1, or it follows the best
    earlier match of j-1 after a gap, whichever scores strictly higher (a tie
    goes to the gap). A gap after a match at k, skipping q-k-1 characters,
    costs 3 + (q-k-2), never below zero. The score is the best cell of the
    last row; the positions come from walking back from its last occurrence.
    """
    c0 = needle[0]
    prev_pos: list[int] = []
    prev_score: list[int] = []
    prev_bonus: list[int] = []
    pos = folded.find(c0, row_starts[0], end)
    while pos >= 0:
        p = ord(classes[pos - 1]) if pos > 0 else INITIAL_CLASS
        bonus = BONUS[p][ord(classes[pos])]
        prev_pos.append(pos)
        prev_score.append(bonus * BONUS_FIRST_CHAR_MULTIPLIER + SCORE_MATCH)
        prev_bonus.append(bonus)
        pos = folded.find(c0, pos + 1, end)
    # Kept only when indices are wanted: each row's positions and, per row
    # after the first, where each cell came from (an index into the previous
    # row's cells).
    positions: list[list[int]] = [prev_pos]
    back: list[list[int]] = []
    for j in range(1, len(needle)):
        c = needle[j]
        cur_pos: list[int] = []
        cur_score: list[int] = []
        cur_bonus: list[int] = []
        cur_back: list[int] = []
        k = 0  # previous-row cells with position <= q - 2 considered so far
        nprev = len(prev_pos)
        best = -1  # max of score + position over those cells
        best_k = -1
        pos = folded.find(c, row_starts[j], end)
        while pos >= 0:
            while k < nprev and prev_pos[k] <= pos - 2:
                value = prev_score[k] + prev_pos[k]
                if value > best:
                    best = value
                    best_k = k
                k += 1
            gap_score = best - pos - 1
            if gap_score < 0:
                gap_score = 0
            p = ord(classes[pos - 1])
            bonus = BONUS[p][ord(classes[pos])]
            # A match of the previous character right before this one?
            if k < nprev and prev_pos[k] == pos - 1:
                run_bonus = prev_bonus[k]
                if run_bonus < BONUS_CONSECUTIVE:
                    run_bonus = BONUS_CONSECUTIVE
                if bonus >= BONUS_BOUNDARY and bonus > run_bonus:
                    run_bonus = bonus
                extend = prev_score[k] + (run_bonus if run_bonus > bonus else bonus)
                skip = gap_score + bonus
                if extend > skip:
                    cur_score.append(extend + SCORE_MATCH)
                    cur_bonus.append(run_bonus)
                    cur_back.append(k)
                else:
                    cur_score.append(skip + SCORE_MATCH)
                    cur_bonus.append(bonus)
                    cur_back.append(best_k)
            else:
                cur_score.append(gap_score + bonus + SCORE_MATCH)
                cur_bonus.append(bonus)
                cur_back.append(best_k)
            cur_pos.append(pos)
            pos = folded.find(c, pos + 1, end)
        if indices is not None:
            positions.append(cur_pos)
            back.append(cur_back)
        prev_pos, prev_score, prev_bonus = cur_pos, cur_score, cur_bonus
    top = max(prev_score)
    if indices is not None:
        cell = len(prev_score) - 1 - prev_score[::-1].index(top)
        path = [prev_pos[cell]]
        for j in range(len(needle) - 1, 0, -1):
            cell = back[j - 1][cell]
            path.append(positions[j - 1][cell])
        indices.extend(reversed(path))
    return top


def _exact_at(
    atom: Atom, folded: str, classes: str, start: int, end: int, indices: list[int] | None
) -> int | None:
    """The needle exactly at ``start``..``end``."""
    needle = atom.needle
    if end - start != len(needle) or start < 0 or folded[start:end] != needle:
        return None
    return score_run(folded, classes, needle, start, end, indices)


def _substring(folded: str, classes: str, needle: str, indices: list[int] | None) -> int | None:
    """The occurrence whose first character earns the most (the first such;
    the reference stops looking at a whitespace-sized bonus)."""
    n = len(needle)
    if n == 1:
        return _single_char(folded, classes, needle, indices)
    best = 0
    best_pos = -1
    pos = folded.find(needle)
    while pos >= 0:
        prev = ord(classes[pos - 1]) if pos > 0 else INITIAL_CLASS
        bonus = BONUS[prev][ord(classes[pos])]
        score = bonus * BONUS_FIRST_CHAR_MULTIPLIER + SCORE_MATCH
        if score > best:
            best, best_pos = score, pos
            if bonus >= BONUS_BOUNDARY_WHITE:
                break
        pos = folded.find(needle, pos + 1)
    if best_pos < 0:
        return None
    return score_run(folded, classes, needle, best_pos, best_pos + n, indices)


def score_kind(
    atom: Atom, folded: str, classes: str, indices: list[int] | None = None
) -> int | None:
    """An atom's own score in ``folded`` (its sign ignored): None when it
    does not match."""
    needle = atom.needle
    n = len(needle)
    length = len(folded)
    kind = atom.kind
    if kind == FUZZY:
        return score_atom(folded, classes, needle, indices)
    if n > length:
        return None
    if kind == SUBSTRING:
        if n == length:
            return _exact_at(atom, folded, classes, 0, n, indices)
        return _substring(folded, classes, needle, indices)
    if kind == PREFIX:
        return _exact_at(atom, folded, classes, 0, n, indices)
    if kind == POSTFIX:
        return _exact_at(atom, folded, classes, length - n, length, indices)
    return _exact_at(atom, folded, classes, 0, length, indices)


def score_path(atoms: list[Atom], text: str, want_indices: bool) -> tuple[int, list[int]] | None:
    """Score a `matcher_text` against every atom; None unless all match."""
    if not atoms:
        return 0, []
    classes = classes_of(text)
    total = 0
    indices: list[int] | None = [] if want_indices else None
    for atom in atoms:
        folded = fold(text, atom.ignore_case, atom.normalize)
        if atom.negative:
            if score_kind(atom, folded, classes) is not None:
                return None
            continue
        score = score_kind(atom, folded, classes, indices)
        if score is None:
            return None
        total += score
    return total, sorted(set(indices)) if indices is not None else []
