"""`listConversations`: recorded conversations, newest first, a page at a time.

The rules are the reference's (0.107):

* folders ``sessions/YYYY/MM/DD`` are walked, and in each the files named
  ``rollout-<ts>-<uuid>.jsonl``; other names, symlinks and non-numeric
  folders are ignored;
* files are ordered by their last modification, newest first, ties by uuid
  descending, so a conversation appended to moves to the front;
* a cursor names the (mtime, uuid) of a page's last file; the next page takes
  the files strictly after it in that order, which stays stable while other
  files are appended to (they move ahead of the cursor, not past it);
* a file is listed only when its head qualifies (see `head`).

A first page ``stat``-s every file (the order cannot be known otherwise)
and keeps the order as a packed snapshot (see `update_order`), which the
pages after it read on from while no folder changes; only the heads a page
shows are read.
Reading every head on every request is what makes the reference slow. Here
the folder listings and the head summaries are cached in memory and checked
against the file system on every request (a ``stat`` per folder and per
listed file), so files that appear, change or vanish behind our back are
seen at once, and the rollout files remain the only source of truth.

Both caches are bounded, so that paging through a hundred thousand files
keeps memory flat: a cached head is a few hundred bytes (one packed
``bytes``), and the least recently used heads and day listings are dropped
beyond `MAX_CACHED_HEAD_BYTES` and `MAX_CACHED_NAMES`.
"""

from __future__ import annotations

import marshal
import os
import re
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any, Final

from .head import HeadSummary, read_head
from .naming import UpdateKey, parse_rollout_file_name
from .update_order import SnapshotBuilder, UpdateOrder

DEFAULT_PAGE_SIZE: Final = 25
#: Bytes of cached heads kept, at most (about 8,000 typical heads), their
#: paths and the cache's own overhead counted.
MAX_CACHED_HEAD_BYTES: Final = 3 << 20
#: File names of cached day listings kept, at most (later pages read the
#: snapshot, not these).
MAX_CACHED_NAMES: Final = 4_000
#: What a cache entry costs beyond its key and value.
_ENTRY_OVERHEAD: Final = 160
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
    __slots__ = ("mtime_ns", "names", "trusted")

    def __init__(self, mtime_ns: int, trusted: bool, names: list[str]) -> None:
        self.mtime_ns = mtime_ns
        self.trusted = trusted
        self.names = names
        """The rollout file names (in no particular order)."""


_STAMP: Final = struct.Struct("<qqQ")
_SLOTS: Final = HeadSummary.__slots__


def _pack(stamp: tuple[int, int, int], summary: HeadSummary | None) -> bytes | tuple[Any, ...]:
    """A cached head: the file's stamp and its summary, in one ``bytes``
    (or, should a summary field not lend itself to that, a tuple)."""
    fields = None if summary is None else tuple(getattr(summary, slot) for slot in _SLOTS)
    try:
        return _STAMP.pack(*stamp) + marshal.dumps(fields)
    except (ValueError, struct.error):
        return (stamp, summary)


def _unpack(packed: bytes | tuple[Any, ...]) -> tuple[tuple[int, int, int], HeadSummary | None]:
    if isinstance(packed, tuple):
        return packed[0], packed[1]
    stamp: tuple[int, int, int] = _STAMP.unpack_from(packed)
    fields = marshal.loads(packed[_STAMP.size :])
    if fields is None:
        return stamp, None
    summary = HeadSummary.__new__(HeadSummary)
    for slot, value in zip(_SLOTS, fields, strict=True):
        setattr(summary, slot, value)
    return stamp, summary


def _size(path: str, packed: bytes | tuple[Any, ...]) -> int:
    value = len(packed) if isinstance(packed, bytes) else 1024
    return len(path) + value + _ENTRY_OVERHEAD


class RolloutIndex:
    """Pages of recorded conversations, with caches checked on every request."""

    def __init__(self, sessions_root: str) -> None:
        self.sessions_root = sessions_root
        self._lock = threading.Lock()
        self._dirs: dict[str, _CachedDir] = {}
        self._days: OrderedDict[str, _CachedDay] = OrderedDict()
        self._day_names = 0
        self._heads: OrderedDict[str, bytes | tuple[Any, ...]] = OrderedDict()
        self._head_bytes = 0
        self._order: UpdateOrder | None = None

    def page(
        self, page_size: int, cursor: UpdateKey | None
    ) -> tuple[list[ListedConversation], UpdateKey | None]:
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
        self, page_size: int, cursor: UpdateKey | None
    ) -> tuple[list[ListedConversation], UpdateKey | None]:
        items: list[ListedConversation] = []
        last_key: UpdateKey | None = None
        if page_size <= 0:
            return items, None
        for path, key in self._ordered(cursor).after(cursor):
            try:
                st = os.stat(path)
            except OSError:
                continue
            if st.st_mtime_ns != key.mtime_ns:
                # Modified since the snapshot: ahead of the cursor, by now.
                key = UpdateKey(st.st_mtime_ns, key.uuid)
                if cursor is not None and key.order() >= cursor.order():
                    continue
            summary, mtime_ns = self._head(path, st)
            if summary is not None:
                items.append(ListedConversation(path, summary, mtime_ns))
                last_key = key
                if len(items) == page_size:
                    break
        return items, last_key

    def read_ahead(self, cursor: UpdateKey | None, count: int) -> Iterator[None]:
        """Read (and cache) the heads of the ``count`` files that follow
        ``cursor``, one per step, so that the caller can stop at any time.
        Blocking."""
        with self._lock:
            files = self._ordered(cursor).after(cursor)
        for _ in range(count):
            with self._lock:
                found = next(files, None)
                if found is None:
                    return
                self._head(found[0])
            yield

    def _ordered(self, cursor: UpdateKey | None) -> UpdateOrder:
        """The files in order: a new snapshot for a first page, else the last
        one while no folder changed."""
        order = self._order
        if cursor is None or order is None or not order.still_current():
            order = self._order = self._snapshot()
        return order

    def _snapshot(self) -> UpdateOrder:
        """Every rollout file, ``stat``-ed now, in order."""
        builder = SnapshotBuilder()
        if not os.path.isdir(self.sessions_root):
            return builder.build()
        for _, year in self._walked(builder, self.sessions_root, 0xFFFF):
            for _, month in self._walked(builder, year, 0xFF):
                for _, day_path in self._walked(builder, month, 0xFF):
                    day = self._day(day_path)
                    if day is not None:
                        builder.folder_seen(day_path, day.mtime_ns)
                        builder.add_day(day_path, day.names)
        return builder.build()

    def _walked(
        self, builder: SnapshotBuilder, parent: str, max_value: int
    ) -> list[tuple[int, str]]:
        entries = self._subdirs(parent, max_value)
        cached = self._dirs.get(parent)
        if cached is not None:
            builder.folder_seen(parent, cached.mtime_ns)
        return entries

    def _subdirs(self, parent: str, max_value: int) -> list[tuple[int, str]]:
        """Numeric subfolders and their values, highest first."""
        try:
            mtime = os.stat(parent).st_mtime_ns
        except OSError:
            return []
        cached = self._dirs.get(parent)
        if cached is not None and cached.trusted and cached.mtime_ns == mtime:
            return cached.entries
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
        return entries

    def _day(self, folder: str) -> _CachedDay | None:
        try:
            mtime = os.stat(folder).st_mtime_ns
        except OSError:
            return None
        cached = self._days.get(folder)
        if cached is not None and cached.trusted and cached.mtime_ns == mtime:
            self._days.move_to_end(folder)
            return cached
        names: list[str] = []
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
                    names.append(entry.name)
        except OSError:
            return None
        day = _CachedDay(mtime, not _is_racy(mtime), names)
        if cached is not None:
            # Files that left the folder leave the head cache too.
            for name in set(cached.names).difference(day.names):
                self._forget_head(os.path.join(folder, name))
            self._day_names -= len(cached.names)
            del self._days[folder]
        self._days[folder] = day
        self._day_names += len(day.names)
        while self._day_names > MAX_CACHED_NAMES and len(self._days) > 1:
            _, dropped = self._days.popitem(last=False)
            self._day_names -= len(dropped.names)
        return day

    def _head(self, path: str, st: os.stat_result | None = None) -> tuple[HeadSummary | None, int]:
        """The file's summary, and its modification time (ns); ``st``: its
        status, when just read."""
        cached = self._heads.get(path)
        if cached is not None:
            if st is None:
                try:
                    st = os.stat(path)
                except OSError:
                    self._forget_head(path)
                    return None, 0
            stamp, summary = _unpack(cached)
            if _stamp(st) == stamp:
                self._heads.move_to_end(path)
                return summary, stamp[0]
        summary, read = read_head(path)
        self._forget_head(path)
        if read is None:
            return summary, 0
        if not _is_racy(read.st_mtime_ns):
            packed = _pack(_stamp(read), summary)
            self._heads[path] = packed
            self._head_bytes += _size(path, packed)
            while self._head_bytes > MAX_CACHED_HEAD_BYTES and len(self._heads) > 1:
                old, dropped = self._heads.popitem(last=False)
                self._head_bytes -= _size(old, dropped)
        return summary, read.st_mtime_ns

    def _forget_head(self, path: str) -> None:
        packed = self._heads.pop(path, None)
        if packed is not None:
            self._head_bytes -= _size(path, packed)


def _stamp(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _is_racy(mtime_ns: int) -> bool:
    return time.time() - mtime_ns / 1e9 < _RACY_SECONDS
