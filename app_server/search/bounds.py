"""Upper bounds on an atom's score, to skip paths that cannot make the top.

Scoring a path exactly (`matcher.score_atom`) costs a small dynamic
programme in Python; short queries match tens of thousands of paths, of which
only 50 are kept. These bounds, cheap to compute, let the search score
exactly only the paths that might still beat the 50th best.

Why they hold (see `matcher` for the rules): every matched character earns
`SCORE_MATCH`; the first one twice its position's bonus; any other one at most
the best bonus its run has seen (at least `BONUS_CONSECUTIVE`), or, after a
gap, its own position's bonus less at least `PENALTY_GAP_START` (a gap never
costs less, the score before it being at least `SCORE_MATCH`). No position
earns more than `MAX_BONUS` (right after a '/' or at the very start of the
path), and a position not after a '/' no more than `BONUS_NON_WORD`; a
non-word character earns `BONUS_NON_WORD`, a delimiter nothing. Two needle characters that
never stand side by side in the path force a gap between them.
"""

from __future__ import annotations

from typing import Final

from .matcher import (
    BONUS,
    BONUS_BOUNDARY_DELIMITER,
    BONUS_CAMEL123,
    BONUS_CONSECUTIVE,
    BONUS_FIRST_CHAR_MULTIPLIER,
    BONUS_NON_WORD,
    DELIMITER,
    LOWER,
    MAX_BONUS,
    NON_WORD,
    PENALTY_GAP_START,
    SCORE_MATCH,
    UPPER,
    WHITESPACE,
    Atom,
    char_class,
    score_atom,
    score_run,
)

_NO_BOUND: Final = -1


def _inner_bonus(prev: str, c: str, spaced: bool) -> int:
    """The most ``c`` can earn right after ``prev`` (both needle characters)."""
    if not (prev.isascii() and c.isascii()) or spaced:
        return MAX_BONUS
    prev_class = char_class(prev)
    cls = char_class(c)
    bonus = BONUS[prev_class][cls]
    if prev_class in (LOWER, UPPER) and cls in (LOWER, UPPER):
        bonus = max(bonus, BONUS_CAMEL123)  # the path may have the second one upper case
    return bonus


def _max_bonus(c: str, at_start: bool, spaced: bool) -> int:
    """The most a position holding ``c`` can earn."""
    if not c.isascii():
        return MAX_BONUS  # may match differently classed characters
    cls = char_class(c)
    if cls == DELIMITER:
        return 0
    if cls == NON_WORD:
        return BONUS_NON_WORD
    if cls == WHITESPACE or at_start or spaced:
        return MAX_BONUS
    return BONUS_BOUNDARY_DELIMITER


class AtomBounds:
    """Bounds for one atom.

    ``spaced`` says whether the path is irregular: it has whitespace, a
    delimiter other than '/' or non-ASCII characters; then only the loosest
    assumptions hold."""

    def __init__(self, atom: Atom) -> None:
        needle = atom.needle
        self.needle = needle
        self.n = n = len(needle)
        self.bigrams = [needle[i : i + 2] for i in range(n - 1)]
        self.exact_when_fine = n == 1
        self._after_slash = "/" + needle
        # Index 0: a path without whitespace; 1: with.
        self._first = [_max_bonus(needle[0], False, s) for s in (False, True)]
        self._first_at_start = _max_bonus(needle[0], True, False)
        self._carry = [
            max(BONUS_CONSECUTIVE, *(_max_bonus(c, False, s) for c in needle))
            for s in (False, True)
        ]
        # Within a contiguous occurrence, each character follows a needle
        # character: only a delimiter or a non-word character before it (or
        # whitespace) lifts the run's bonus.
        self._inner_carry = [
            max(
                [BONUS_CONSECUTIVE]
                + [_inner_bonus(needle[i - 1], needle[i], s) for i in range(1, n)]
            )
            for s in (False, True)
        ]
        # A character that cannot follow the one before it in the path (their
        # pair is nowhere in it) comes after a gap, and earns no more than its
        # own best bonus: this much less than the carry.
        self._gap_cut = [
            [0]
            + [self._carry[s] - min(self._carry[s], _max_bonus(c, False, s)) for c in needle[1:]]
            for s in (False, True)
        ]
        self._first_char = needle[0]
        self._gapped_once = [
            self._gapped(spaced, 1) if n > 1 else _NO_BOUND for spaced in (False, True)
        ]

    def _gapped(self, spaced: bool, gaps: int) -> int:
        """Alignments that do not start at position 0 and have a gap."""
        first = self._first[spaced]
        return (
            SCORE_MATCH * self.n
            + first * BONUS_FIRST_CHAR_MULTIPLIER
            + self._carry[spaced] * (self.n - 1)
            - PENALTY_GAP_START * max(1, gaps)
        )

    def _contiguous(self, text: str, spaced: bool) -> int:
        """Contiguous alignments that do not start at position 0. Only after
        a delimiter (or whitespace) does the first character earn the most."""
        first = self._first[spaced]
        if first == BONUS_BOUNDARY_DELIMITER and self._after_slash not in text:
            first = BONUS_NON_WORD
        carry = max(first, self._inner_carry[spaced])
        return SCORE_MATCH * self.n + first * BONUS_FIRST_CHAR_MULTIPLIER + carry * (self.n - 1)

    def _from_start(
        self, text: str, spaced: bool, gaps: int, contiguous_too: bool, cut: int = 0
    ) -> int:
        """Alignments whose first character is at position 0 (``cut``: what
        forced gaps take off, see `fine`)."""
        needle = self.needle
        if not text or text[0] != needle[0]:
            return _NO_BOUND
        n = self.n
        prefix = 1
        while prefix < n and prefix < len(text) and text[prefix] == needle[prefix]:
            prefix += 1
        first = self._first_at_start
        carry = self._carry[spaced]
        run_carry = max(carry, first)
        base = SCORE_MATCH * n + first * BONUS_FIRST_CHAR_MULTIPLIER
        best = _NO_BOUND
        if prefix == n and contiguous_too:
            best = base + run_carry * (n - 1)
        if n > 1:
            run = min(prefix, n - 1)
            gapped = (
                base
                + run_carry * (run - 1)
                + carry * (n - run)
                - PENALTY_GAP_START * max(1, gaps)
                - cut
            )
            best = max(best, gapped)
        return best

    def coarse(self, text: str, spaced: bool) -> int:
        """A bound from the needle's length and whether it appears whole."""
        best = self._gapped_once[spaced]
        if self.needle in text:
            contiguous = self._contiguous(text, spaced)
            if contiguous > best:
                best = contiguous
        if text[:1] == self._first_char:
            from_start = self._from_start(text, spaced, 1, True)
            if from_start > best:
                best = from_start
        return best

    def fine(self, text: str, classes: str, spaced: bool) -> int:
        """A tighter bound: forced gaps counted (each one also caps the bonus
        of the character after it), contiguous places scored exactly (exact
        altogether for a one-character needle)."""
        needle = self.needle
        if self.n == 1:
            exact = score_atom(text, classes, needle)
            return _NO_BOUND if exact is None else exact
        gaps = 0
        cut = 0
        gap_cut = self._gap_cut[spaced]
        for j, pair in enumerate(self.bigrams, 1):
            if pair not in text:
                gaps += 1
                cut += gap_cut[j]
        best = max(
            self._gapped(spaced, gaps) - cut, self._from_start(text, spaced, gaps, False, cut)
        )
        pos = text.find(needle)
        while pos >= 0:
            best = max(best, score_run(text, classes, needle, pos, pos + self.n, None))
            pos = text.find(needle, pos + 1)
        return best
