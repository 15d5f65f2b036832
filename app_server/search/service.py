"""Fuzzy file search: the best 50 files under some roots for a query.

A search runs in a worker thread (listing and matching block), against the
root's kept listing (`FileIndex`), chunk by chunk: the first search of a
root ranks each chunk as soon as the walk completes it. In a chunk,
candidates are found with one compiled regular expression over its paths
joined in one string (the needle's characters in order, case folded as the
matcher folds them); only those are scored. Results are ordered by score,
best first, then by path.

Where more files tie at the 50th score than fit, the shortest paths are
kept, as the reference keeps them; among paths of the same length too, the
smallest (the reference: whichever its parallel walk met first, which
varies from run to run). A blank query (only whitespace) matches every file
with score 0; an empty one matches nothing, as in the reference. Words with
fzf's marks (`matcher.parse_query`) are scored without the bounds.

Several roots are searched one after the other, each with its own listing,
and a file is answered with the root it was found under (the reference,
when one root holds another, answers the inner root's files twice, both
under the inner root).

A search given a cancellation token cancels the one still running with the
same token, which then answers no files (as the reference's cancelled search
does). Its worker thread stops at once, between two directories when it is
listing; the next search of that root goes on with the listing from there.
"""

from __future__ import annotations

import heapq
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

from .bounds import AtomBounds
from .index import Chunk, FileIndex
from .matcher import Atom, classes_of, fold, parse_query, score_kind

#: At most this many files per search, as the reference.
MATCH_LIMIT: Final = 50
#: Listings kept (least recently searched roots are dropped first)...
MAX_INDEXES: Final = 8
#: ...and as long as they hold more path text than this (about four million
#: files), whichever comes first; the root just searched always stays.
MAX_KEPT_CHARS: Final = 160 << 20
#: Up to this many candidates, all are scored exactly; beyond, upper bounds
#: on their scores spare the exact scoring of most (see `bounds`).
_SCORE_ALL_BELOW: Final = 1_000
#: Candidates scored between two looks at the cancellation flag.
_CANCEL_CHECK_EVERY: Final = 256


@dataclass(frozen=True, slots=True)
class Match:
    root: str
    """The root as the client gave it."""
    path: str
    file_name: str
    score: int
    indices: list[int]


class SearchCancelled(Exception):
    pass


def _candidate_pattern(needle: str) -> re.Pattern[str]:
    """Matches a separator followed by a path holding the needle's characters
    in order; possessive quantifiers keep the scan linear."""
    parts = ["\\x00"]
    for c in needle:
        e = re.escape(c)
        parts.append(f"[^\\x00{e}]*+{e}")
    parts.append("[^\\x00]*+")
    return re.compile("".join(parts))


#: Keys of the best files found before a chunk (see `_search_chunk`); a
#: file of the chunk has key -offset.
KEEPS_TIES: Final = 1
LOSES_TIES: Final = -(1 << 62)

_Key = tuple[int, int, int]
"""How a file ranks, larger is better: (score, -length, -offset or a tie key)."""


def _candidates(
    chunk: Chunk, atoms: list[Atom], cancelled: threading.Event
) -> dict[int, int] | None:
    """Where each path that may match starts and ends in the chunk's text
    (None: no path can). A positive atom's characters must appear in order;
    a path a negative atom matches is left out."""
    spans: dict[int, int] | None = None
    for atom in atoms:
        if atom.negative:
            continue
        joined = chunk.joined(atom.ignore_case, atom.normalize)
        found = {m.start(): m.end() for m in _candidate_pattern(atom.needle).finditer(joined)}
        spans = found if spans is None else {s: e for s, e in spans.items() if s in found}
        if cancelled.is_set():
            raise SearchCancelled
        if not spans:
            return None
    if spans is None:
        spans = chunk.spans()
    text = chunk.text
    for atom in atoms:
        if not atom.negative:
            continue
        joined = chunk.joined(atom.ignore_case, atom.normalize)
        for m in _candidate_pattern(atom.needle).finditer(joined):
            start, end = m.start(), m.end()
            if start in spans:
                cls = classes_of(text[start + 1 : end])
                if score_kind(atom, joined[start + 1 : end], cls) is not None:
                    del spans[start]
        if cancelled.is_set():
            raise SearchCancelled
    return spans or None


def _search_chunk(
    chunk: Chunk,
    atoms: list[Atom],
    cancelled: threading.Event,
    best_before: list[_Key] | None = None,
) -> list[tuple[int, str, int]]:
    """(score, path, offset) of the best `MATCH_LIMIT` files of one chunk.

    The best have the highest score, then (as the reference keeps them) the
    shortest path, then the smallest path (the reference: whichever its
    parallel walk met first).

    ``best_before``: the keys of the best files found before (in earlier
    chunks, or other roots); a file of this chunk must beat them to count.
    The last item of a key says who wins a tie: `KEEPS_TIES` (a smaller
    path, from an earlier chunk of the same root) or `LOSES_TIES` (to be
    settled later).

    Up to `_SCORE_ALL_BELOW` candidates (paths holding every atom's
    characters in order), when nothing was found before, are all scored
    exactly; so are those of a query with marked (not plain fuzzy) words.
    Otherwise candidates get a coarse upper bound on their score, then, if
    they might still make the top, a finer one, then, if still in the
    running, their exact score. They are taken by decreasing bound and,
    within a bound, shortest first, then in path order (the chunk is
    sorted), so that the top fills early with the best, and the rest are
    dropped as soon as their bound shows they cannot beat the 50th.
    """
    if not atoms:
        return [(0, path, start) for start, path in chunk.first(MATCH_LIMIT)]
    if any("\0" in atom.needle for atom in atoms):
        return []
    spans = _candidates(chunk, atoms, cancelled)
    if spans is None:
        return []
    folded = [chunk.joined(atom.ignore_case, atom.normalize) for atom in atoms]

    text = chunk.text
    plain = all(atom.plain for atom in atoms)
    if not plain or (len(spans) <= _SCORE_ALL_BELOW and not best_before):
        return _score_all(chunk, atoms, spans, folded, cancelled, best_before)
    irregular = chunk.irregular()
    bounds = [AtomBounds(atom) for atom in atoms]
    exact_when_fine = all(b.exact_when_fine for b in bounds)

    def fine(start: int, end: int) -> int:
        cls = classes_of(text[start + 1 : end])
        is_spaced = start in irregular
        return sum(
            b.fine(joined[start + 1 : end], cls, is_spaced)
            for b, joined in zip(bounds, folded, strict=True)
        )

    def exact(start: int, end: int) -> int | None:
        return _exact(atoms, folded, text, start, end)

    buckets: dict[int, list[tuple[int, int, int, int]]] = {}
    if len(atoms) == 1:
        coarse = bounds[0].coarse
        joined = folded[0]
        for start, end in spans.items():
            bound = coarse(joined[start + 1 : end], start in irregular)
            bucket = buckets.get(bound)
            if bucket is None:
                buckets[bound] = [(end - start, start, end, 0)]
            else:
                bucket.append((end - start, start, end, 0))
    else:
        for start, end in spans.items():
            is_spaced = start in irregular
            bound = sum(
                b.coarse(joined[start + 1 : end], is_spaced)
                for b, joined in zip(bounds, folded, strict=True)
            )
            buckets.setdefault(bound, []).append((end - start, start, end, 0))
    del spans
    if cancelled.is_set():
        raise SearchCancelled

    # The worst of the best so far sits at top[0]: lowest score, then
    # longest path, then largest path (its offset in the sorted chunk).
    top: list[_Key] = list(best_before or ())
    heapq.heapify(top)
    steps = 0
    for bound in range(max(buckets), -1, -1):
        items = buckets.get(bound)
        if not items:
            continue
        if len(top) == MATCH_LIMIT and bound < top[0][0]:
            break
        items.sort()  # complete by now: refining only lowers bounds
        i = 0
        while i < len(items):
            size, start, end, level = items[i]
            i += 1
            value = bound
            while True:
                steps += 1
                if steps % _CANCEL_CHECK_EVERY == 0 and cancelled.is_set():
                    raise SearchCancelled
                if len(top) == MATCH_LIMIT and (value, -size, -start) < top[0]:
                    break
                if level == 2 or (level == 1 and exact_when_fine):
                    if len(top) < MATCH_LIMIT:
                        heapq.heappush(top, (value, -size, -start))
                    else:
                        heapq.heapreplace(top, (value, -size, -start))
                    break
                refined = fine(start, end) if level == 0 else exact(start, end)
                level += 1
                if refined is None:
                    break
                if refined < value:
                    buckets.setdefault(refined, []).append((size, start, end, level))
                    break
                value = refined
    ranked = sorted(t for t in top if t[2] <= 0 and t[2] != LOSES_TIES)
    return [(score, chunk.path_at(-negated), -negated) for score, _, negated in reversed(ranked)]


def _exact(atoms: list[Atom], folded: list[str], text: str, start: int, end: int) -> int | None:
    """The score of the path at ``start``..``end`` (None: no match)."""
    cls = classes_of(text[start + 1 : end])
    total = 0
    for atom, joined in zip(atoms, folded, strict=True):
        if atom.negative:
            continue  # the candidates are free of what negative atoms match
        score = score_kind(atom, joined[start + 1 : end], cls)
        if score is None:
            return None
        total += score
    return total


def _score_all(
    chunk: Chunk,
    atoms: list[Atom],
    spans: dict[int, int],
    folded: list[str],
    cancelled: threading.Event,
    best_before: list[_Key] | None,
) -> list[tuple[int, str, int]]:
    """Score every candidate exactly: cheaper than bounding a few thousand."""
    text = chunk.text
    scored: list[_Key] = list(best_before or ())
    for count, (start, end) in enumerate(spans.items()):
        if count % _CANCEL_CHECK_EVERY == 0 and cancelled.is_set():
            raise SearchCancelled
        total = _exact(atoms, folded, text, start, end)
        if total is not None:
            scored.append((total, start - end, -start))
    best = heapq.nlargest(MATCH_LIMIT, scored)
    return [
        (score, chunk.path_at(-negated), -negated)
        for score, _, negated in best
        if negated <= 0 and negated != LOSES_TIES
    ]


def _indices(chunk: Chunk, atoms: list[Atom], start: int) -> list[int]:
    """The matched positions in one path, every atom's merged."""
    text = chunk.text[start + 1 : chunk.end_of(start)]
    classes = classes_of(text)
    found: list[int] = []
    for atom in atoms:
        if not atom.negative:
            score_kind(atom, fold(text, atom.ignore_case, atom.normalize), classes, found)
    return sorted(set(found))


class FileSearch:
    """The service behind ``fuzzyFileSearch``."""

    def __init__(self) -> None:
        self._indexes: OrderedDict[str, FileIndex] = OrderedDict()
        self._indexes_lock = threading.Lock()
        self._running: dict[str, _Running] = {}

    async def search(
        self, query: str, roots: list[str], cancellation_token: str | None = None
    ) -> list[Match]:
        running = _Running()
        if cancellation_token is not None:
            previous = self._running.get(cancellation_token)
            if previous is not None:
                previous.cancel()
            self._running[cancellation_token] = running
        try:
            if not query:
                return []
            import anyio.to_thread

            with running.scope:
                return await anyio.to_thread.run_sync(
                    self.search_blocking, query, roots, running.flag, abandon_on_cancel=True
                )
            return []
        finally:
            if cancellation_token is not None and self._running.get(cancellation_token) is running:
                del self._running[cancellation_token]

    def _index(self, root: str) -> FileIndex:
        with self._indexes_lock:
            index = self._indexes.get(root)
            if index is None:
                index = self._indexes[root] = FileIndex(root)
                while len(self._indexes) > MAX_INDEXES:
                    self._indexes.popitem(last=False)
            else:
                self._indexes.move_to_end(root)
            return index

    def _trim(self, keep: str) -> None:
        """Drop the least recently searched listings beyond `MAX_KEPT_CHARS`."""
        with self._indexes_lock:
            total = sum(index.chars for index in self._indexes.values())
            for root in list(self._indexes):
                if total <= MAX_KEPT_CHARS:
                    break
                if root != keep:
                    total -= self._indexes.pop(root).chars

    def search_blocking(
        self, query: str, roots: list[str], cancelled: threading.Event
    ) -> list[Match]:
        """`search` in the calling thread, for callers without an event loop:
        only the standard library and pathspec are loaded (anyio is not)."""
        atoms = parse_query(query)
        ranked: list[_Ranked] = []
        try:
            for order, root in enumerate(roots):
                path = os.path.abspath(root) if root else ""
                if not path or not os.path.isdir(path):
                    continue

                def rank(chunk: Chunk, order: int = order) -> None:
                    ranked[:] = _best(ranked)
                    before = [
                        (r[0], -r[1], KEEPS_TIES if r[3] == order else LOSES_TIES) for r in ranked
                    ]
                    for score, rel, start in _search_chunk(chunk, atoms, cancelled, before):
                        size = chunk.end_of(start) - start
                        ranked.append((score, size, rel, order, start, chunk))

                if not self._index(path).visit(rank, cancelled):
                    return []
                self._trim(path)
        except SearchCancelled:
            return []
        matches = []
        for score, _, rel, order, start, chunk in sorted(_best(ranked), key=_shown_order):
            matches.append(
                Match(
                    root=roots[order],
                    path=rel,
                    file_name=rel.rpartition("/")[2],
                    score=score,
                    indices=_indices(chunk, atoms, start) if atoms else [],
                )
            )
        if cancelled.is_set():
            return []
        return matches


_Ranked = tuple[int, int, str, int, int, Chunk]
"""A file found: score, size (matcher length + 1), path, root's order,
offset in its chunk, chunk."""


def _best(ranked: list[_Ranked]) -> list[_Ranked]:
    """The files kept: best score first, then the shortest path, then the
    smallest, then the first root."""
    return heapq.nsmallest(MATCH_LIMIT, ranked, key=lambda r: (-r[0], r[1], r[2], r[3]))


def _shown_order(found: _Ranked) -> tuple[int, str, int]:
    """How the files kept are answered: best score first, then by path."""
    return (-found[0], found[2], found[3])


class _Running:
    """One search in flight that a later one with its token may cancel."""

    def __init__(self) -> None:
        import anyio

        self.scope = anyio.CancelScope()
        self.flag = threading.Event()

    def cancel(self) -> None:
        self.flag.set()
        self.scope.cancel()
