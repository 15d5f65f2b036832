"""`listConversations`: recorded conversations, newest first, a page at a time.

The rules are the reference's:

* folders ``sessions/YYYY/MM/DD`` are walked newest first, and in each day the
  files named ``rollout-<ts>-<uuid>.jsonl`` by (ts, uuid) descending; other
  names, symlinks and non-numeric folders are ignored;
* a cursor ``"<ts>|<uuid>"`` skips every file up to and including the first
  one that sorts at or before it; from there on, files are taken in walk order;
* a file is listed only when its head qualifies (see `head`).

Reading every head on every request is what makes the reference slow. Here
the folder listings and the head summaries are cached in memory and checked
against the file system on every request (a ``stat`` per folder and per
listed file), so files that appear, change or vanish behind our back are
seen at once, and the rollout files remain the only source of truth.
"""

from __future__ import annotations

import bisect
import os
import re
import threading
import time
from collections.abc import Iterator
from typing import Final

from .head import HeadSummary, read_head
from .naming import FileKey, parse_rollout_file_name

DEFAULT_PAGE_SIZE: Final = 25
#: A folder or file modified this recently may change again within the same
#: timestamp tick; its cached state is not trusted on the next request.
_RACY_SECONDS: Final = 2.0
_NUMBER: Final = re.compile(r"\+?[0-9]+")


class ListedConversation:
    __slots__ = ("mtime_ns", "path", "summary")

    def __init__(self, path: str, summary: HeadSummary, mtime_ns: int = 0) -> None:
        self.path = path
        self.summary = summary
        self.mtime_ns = mtime_ns
        """When the file was last modified, as its summary was read."""


class _CachedDir:
    __slots__ = ("entries", "mtime_ns", "trusted")

    def __init__(self, mtime_ns: int, trusted: bool, entries: list[tuple[int, str]]) -> None:
        self.mtime_ns = mtime_ns
        self.trusted = trusted
        """False when the folder changed so recently that it may change again
        without its mtime moving: it is then listed again next time."""
        self.entries = entries


class _CachedDay:
    __slots__ = ("keys", "mtime_ns", "names", "order", "trusted")

    def __init__(
        self,
        mtime_ns: int,
        trusted: bool,
        order: list[tuple[str, str]],
        keys: list[FileKey],
        names: list[str],
    ) -> None:
        self.mtime_ns = mtime_ns
        self.trusted = trusted
        self.order = order
        """Each file's key negated (see `_negate`), ascending: newest first."""
        self.keys = keys
        self.names = names


class _CachedHead:
    __slots__ = ("stamp", "summary")

    def __init__(self, stamp: tuple[int, int, int], summary: HeadSummary | None) -> None:
        self.stamp = stamp
        self.summary = summary


def _negate(key: FileKey) -> tuple[str, str]:
    # Reverses the order of fixed-width ASCII strings, so that the newest-first
    # list can be searched with `bisect`.
    table = _NEGATE
    return (key.ts.translate(table), key.uuid.translate(table))


_NEGATE: Final = {code: 0x7F - code for code in range(0x20, 0x7F)}


class RolloutIndex:
    """Pages of recorded conversations, with caches checked on every request."""

    def __init__(self, sessions_root: str) -> None:
        self.sessions_root = sessions_root
        self._lock = threading.Lock()
        self._dirs: dict[str, _CachedDir] = {}
        self._days: dict[str, _CachedDay] = {}
        self._heads: dict[str, _CachedHead] = {}

    def page(
        self, page_size: int, cursor: FileKey | None
    ) -> tuple[list[ListedConversation], FileKey | None]:
        """One page and the cursor of its last item (None when the page is
        empty). Blocking: run it in a worker thread."""
        with self._lock:
            return self._page(page_size, cursor)

    def forget_folder(self, folder: str) -> None:
        """Distrust a folder's cached listing (a file was just created in it)."""
        with self._lock:
            for cache in (self._days, self._dirs):
                cached = cache.get(folder)
                if cached is not None:
                    cached.trusted = False

    def _page(
        self, page_size: int, cursor: FileKey | None
    ) -> tuple[list[ListedConversation], FileKey | None]:
        items: list[ListedConversation] = []
        last_key: FileKey | None = None
        if page_size <= 0:
            return items, None
        for path, key in self._files_after(cursor):
            summary, mtime_ns = self._head(path)
            if summary is not None:
                items.append(ListedConversation(path, summary, mtime_ns))
                last_key = key
                if len(items) == page_size:
                    break
        return items, last_key

    def read_ahead(self, cursor: FileKey | None, count: int) -> Iterator[None]:
        """Read (and cache) the heads of the ``count`` files that follow
        ``cursor``, one per step, so that the caller can stop at any time.
        Blocking."""
        files = self._files_after(cursor)
        for _ in range(count):
            with self._lock:
                found = next(files, None)
                if found is None:
                    return
                self._head(found[0])
            yield

    def _files_after(self, cursor: FileKey | None) -> Iterator[tuple[str, FileKey]]:
        """Every rollout file in walk order, starting after ``cursor``."""
        if not os.path.isdir(self.sessions_root):
            return
        anchor = _negate(cursor) if cursor is not None else None
        for year in self._subdirs(self.sessions_root, 0xFFFF):
            for month in self._subdirs(year, 0xFF):
                for day_path in self._subdirs(month, 0xFF):
                    day = self._day(day_path)
                    if day is None:
                        continue
                    start = 0
                    if anchor is not None:
                        # Skip up to and including the cursor's file (`bisect_right`
                        # on the negated keys: the first file strictly older).
                        start = bisect.bisect_right(day.order, anchor)
                        if start == len(day.order):
                            continue
                        anchor = None
                    for index in range(start, len(day.order)):
                        yield os.path.join(day_path, day.names[index]), day.keys[index]

    def _subdirs(self, parent: str, max_value: int) -> list[str]:
        """Numeric subfolders, highest first."""
        try:
            mtime = os.stat(parent).st_mtime_ns
        except OSError:
            return []
        cached = self._dirs.get(parent)
        if cached is not None and cached.trusted and cached.mtime_ns == mtime:
            return [path for _value, path in cached.entries]
        entries: list[tuple[int, str]] = []
        try:
            with os.scandir(parent) as scan:
                for entry in scan:
                    if not _NUMBER.fullmatch(entry.name):
                        continue
                    value = int(entry.name)
                    if value > max_value:
                        continue
                    try:
                        if not entry.is_dir(follow_symlinks=False):
                            continue
                    except OSError:
                        continue
                    entries.append((value, entry.path))
        except OSError:
            return []
        entries.sort(key=lambda e: e[0], reverse=True)
        self._dirs[parent] = _CachedDir(mtime, not _is_racy(mtime), entries)
        return [path for _value, path in entries]

    def _day(self, folder: str) -> _CachedDay | None:
        try:
            mtime = os.stat(folder).st_mtime_ns
        except OSError:
            return None
        cached = self._days.get(folder)
        if cached is not None and cached.trusted and cached.mtime_ns == mtime:
            return cached
        found: list[tuple[tuple[str, str], FileKey, str]] = []
        try:
            with os.scandir(folder) as scan:
                for entry in scan:
                    key = parse_rollout_file_name(entry.name)
                    if key is None:
                        continue
                    try:
                        if not entry.is_file(follow_symlinks=False):
                            continue
                    except OSError:
                        continue
                    found.append((_negate(key), key, entry.name))
        except OSError:
            return None
        found.sort(key=lambda f: f[0])
        day = _CachedDay(
            mtime,
            not _is_racy(mtime),
            [f[0] for f in found],
            [f[1] for f in found],
            [f[2] for f in found],
        )
        if cached is not None:
            # Files that left the folder leave the head cache too.
            for name in set(cached.names).difference(day.names):
                self._heads.pop(os.path.join(folder, name), None)
        self._days[folder] = day
        return day

    def _head(self, path: str) -> tuple[HeadSummary | None, int]:
        """The file's summary, and its modification time (ns)."""
        cached = self._heads.get(path)
        if cached is not None:
            try:
                st = os.stat(path)
            except OSError:
                del self._heads[path]
                return None, 0
            if _stamp(st) == cached.stamp:
                return cached.summary, cached.stamp[0]
        summary, read = read_head(path)
        if read is None:
            self._heads.pop(path, None)
            return summary, 0
        if not _is_racy(read.st_mtime_ns):
            self._heads[path] = _CachedHead(_stamp(read), summary)
        return summary, read.st_mtime_ns


def _stamp(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _is_racy(mtime_ns: int) -> bool:
    return time.time() - mtime_ns / 1e9 < _RACY_SECONDS
