"""Fuzzy file search: the best 50 files under some roots for a query.

A search runs in a worker thread (listing and matching block), against the
root's kept listing (`FileIndex`). Candidates are found with one compiled
regular expression over all paths joined in one string (the needle's
characters in order, case folded as the matcher folds them); only those are
scored. Results are ordered by score, best first, then by path.

Where more files tie at the 50th score than fit, the smallest paths are
kept; the reference keeps whichever its parallel walk met first, which
varies from run to run. A blank query (only whitespace) matches every file
with score 0; an empty one matches nothing, as in the reference.

A search given a cancellation token cancels the one still running with the
same token, which then answers no files (as the reference's cancelled search
does). Its worker thread stops scoring at once; a listing in progress is
finished, since the next search of that root needs it.
"""

from __future__ import annotations

import heapq
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

import anyio

from .bounds import AtomBounds
from .index import FileIndex, Snapshot
from .matcher import Atom, parse_query, score_atom

#: At most this many files per search, as the reference.
MATCH_LIMIT: Final = 50
#: Listings kept (least recently searched roots are dropped first).
MAX_INDEXES: Final = 8
#: A root with more files than this is listed again at each search instead
#: of being kept (as the reference does for every root): memory stays bounded.
MAX_KEPT_FILES: Final = 200_000
#: Up to this many candidates, all are scored exactly; beyond, upper bounds
#: on their scores spare the exact scoring of most (see `bounds`).
_SCORE_ALL_BELOW: Final = 10_000
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


def _search_snapshot(
    snapshot: Snapshot, atoms: list[Atom], cancelled: threading.Event
) -> list[tuple[int, str, int]]:
    """(score, path, index) of the best `MATCH_LIMIT` files of one root.

    A few thousand candidates (paths holding every atom's characters in
    order) are all scored exactly. Beyond that, candidates get a coarse
    upper bound on their score, then, if they might still make the top, a
    finer one, then, if still in the running, their exact score. They are
    taken by decreasing bound and, within a bound, in path order (the
    listing is sorted), so that the top fills early with the best scores and
    smallest paths, and the rest are dropped as soon as their bound shows
    they cannot beat the 50th.
    """
    paths = snapshot.paths
    if not atoms:
        return [(0, paths[i], i) for i in range(min(MATCH_LIMIT, len(paths)))]
    if any("\0" in atom.needle for atom in atoms):
        return []
    spans: dict[int, int] | None = None
    for atom in atoms:
        joined = snapshot.joined(atom.ignore_case, atom.normalize)
        found = {m.start(): m.end() for m in _candidate_pattern(atom.needle).finditer(joined)}
        spans = found if spans is None else {s: e for s, e in spans.items() if s in found}
        if cancelled.is_set():
            raise SearchCancelled
        if not spans:
            return []
    assert spans is not None

    starts = snapshot.starts()
    classes = snapshot.classes()
    folded = [snapshot.joined(atom.ignore_case, atom.normalize) for atom in atoms]
    if len(spans) <= _SCORE_ALL_BELOW:
        return _score_all(snapshot, atoms, spans, folded, cancelled)
    irregular = snapshot.irregular()
    bounds = [AtomBounds(atom) for atom in atoms]
    exact_when_fine = all(b.exact_when_fine for b in bounds)

    def fine(start: int, end: int) -> int:
        cls = classes[start + 1 : end]
        is_spaced = start in irregular
        return sum(
            b.fine(text[start + 1 : end], cls, is_spaced)
            for b, text in zip(bounds, folded, strict=True)
        )

    def exact(start: int, end: int) -> int | None:
        cls = classes[start + 1 : end]
        total = 0
        for atom, text in zip(atoms, folded, strict=True):
            score = score_atom(text[start + 1 : end], cls, atom.needle)
            if score is None:
                return None
            total += score
        return total

    buckets: dict[int, list[tuple[int, int, int]]] = {}
    if len(atoms) == 1:
        coarse = bounds[0].coarse
        text = folded[0]
        for start, end in spans.items():
            bound = coarse(text[start + 1 : end], start in irregular)
            bucket = buckets.get(bound)
            if bucket is None:
                buckets[bound] = [(start, end, 0)]
            else:
                bucket.append((start, end, 0))
    else:
        for start, end in spans.items():
            is_spaced = start in irregular
            bound = sum(
                b.coarse(text[start + 1 : end], is_spaced)
                for b, text in zip(bounds, folded, strict=True)
            )
            buckets.setdefault(bound, []).append((start, end, 0))
    if cancelled.is_set():
        raise SearchCancelled

    # The worst of the best so far sits at top[0]: lowest score, then
    # largest path (its index in the sorted listing, negated).
    top: list[tuple[int, int]] = []
    steps = 0
    for bound in range(max(buckets), -1, -1):
        items = buckets.get(bound)
        if not items:
            continue
        if len(top) == MATCH_LIMIT and bound < top[0][0]:
            break
        items.sort()  # path order: complete by now, refining only lowers bounds
        i = 0
        while i < len(items):
            start, end, level = items[i]
            i += 1
            index = starts[start]
            value = bound
            while True:
                steps += 1
                if steps % _CANCEL_CHECK_EVERY == 0 and cancelled.is_set():
                    raise SearchCancelled
                if len(top) == MATCH_LIMIT:
                    worst_score, worst_index = top[0]
                    if value < worst_score or (value == worst_score and index > -worst_index):
                        break
                if level == 2 or (level == 1 and exact_when_fine):
                    if len(top) < MATCH_LIMIT:
                        heapq.heappush(top, (value, -index))
                    else:
                        heapq.heapreplace(top, (value, -index))
                    break
                refined = fine(start, end) if level == 0 else exact(start, end)
                level += 1
                if refined is None:
                    break
                if refined < value:
                    buckets.setdefault(refined, []).append((start, end, level))
                    break
                value = refined
    ranked = sorted(top, key=lambda t: (-t[0], -t[1]))
    return [(score, paths[-negated], -negated) for score, negated in ranked]


def _score_all(
    snapshot: Snapshot,
    atoms: list[Atom],
    spans: dict[int, int],
    folded: list[str],
    cancelled: threading.Event,
) -> list[tuple[int, str, int]]:
    """Score every candidate exactly: cheaper than bounding a few thousand."""
    starts = snapshot.starts()
    classes = snapshot.classes()
    paths = snapshot.paths
    scored: list[tuple[int, int]] = []
    for count, (start, end) in enumerate(spans.items()):
        if count % _CANCEL_CHECK_EVERY == 0 and cancelled.is_set():
            raise SearchCancelled
        cls = classes[start + 1 : end]
        total = 0
        for atom, text in zip(atoms, folded, strict=True):
            score = score_atom(text[start + 1 : end], cls, atom.needle)
            if score is None:
                break
            total += score
        else:
            scored.append((total, starts[start]))
    best = heapq.nsmallest(MATCH_LIMIT, scored, key=lambda s: (-s[0], s[1]))
    return [(score, paths[index], index) for score, index in best]


def _indices(snapshot: Snapshot, atoms: list[Atom], index: int) -> list[int]:
    """The matched positions in one path, every atom's merged."""
    start = snapshot.offsets()[index] + 1
    end = start + len(snapshot.texts[index])
    classes = snapshot.classes()[start:end]
    found: list[int] = []
    for atom in atoms:
        text = snapshot.joined(atom.ignore_case, atom.normalize)[start:end]
        score_atom(text, classes, atom.needle, found)
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
            with running.scope:
                return await anyio.to_thread.run_sync(
                    self._search_blocking, query, roots, running.flag, abandon_on_cancel=True
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

    def _forget(self, root: str, index: FileIndex) -> None:
        with self._indexes_lock:
            if self._indexes.get(root) is index:
                del self._indexes[root]

    def _search_blocking(
        self, query: str, roots: list[str], cancelled: threading.Event
    ) -> list[Match]:
        atoms = parse_query(query)
        ranked: list[tuple[int, str, int, int, Snapshot]] = []
        try:
            for order, root in enumerate(roots):
                path = os.path.abspath(root) if root else ""
                if not path or not os.path.isdir(path):
                    continue
                listing = self._index(path)
                snapshot = listing.snapshot()
                if len(snapshot) > MAX_KEPT_FILES:
                    self._forget(path, listing)
                if cancelled.is_set():
                    return []
                for score, rel, index in _search_snapshot(snapshot, atoms, cancelled):
                    ranked.append((score, rel, order, index, snapshot))
        except SearchCancelled:
            return []
        best = heapq.nsmallest(MATCH_LIMIT, ranked, key=lambda r: (-r[0], r[1], r[2]))
        matches = []
        for score, rel, order, index, snapshot in best:
            matches.append(
                Match(
                    root=roots[order],
                    path=rel,
                    file_name=rel.rpartition("/")[2],
                    score=score,
                    indices=_indices(snapshot, atoms, index) if atoms else [],
                )
            )
        if cancelled.is_set():
            return []
        return matches


class _Running:
    """One search in flight that a later one with its token may cancel."""

    def __init__(self) -> None:
        self.scope = anyio.CancelScope()
        self.flag = threading.Event()

    def cancel(self) -> None:
        self.flag.set()
        self.scope.cancel()
