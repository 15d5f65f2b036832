"""Recorded v2 threads on disk: finding a thread's rollout by id, listing
them a page at a time (`thread/list`), and moving one back out of the
archive. Every function here blocks: run it in a worker thread.

`thread/list` follows 0.107.0: newest first by creation (the file name's
time, then the id) or by last update (the file's mtime, then the id); a
cursor ``"<RFC 3339 time>|<id>"`` resumes after the item it names; threads
without a user message, or from a non-interactive source unless asked, are
left out.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

from .naming import parse_rollout_file_name, parse_uuid, valid_file_ts
from .thread_list_cache import Witness
from .thread_view import ThreadReadError, ThreadSummary, summarize_thread

DEFAULT_THREAD_PAGE_SIZE: Final = 25
MAX_THREAD_PAGE_SIZE: Final = 100
INTERACTIVE_SOURCE_KINDS: Final = frozenset({"cli", "vscode"})
_CACHE_LIMIT: Final = 2_000
#: A folder modified this recently may change again without its mtime moving.
_RACY_SECONDS: Final = 2.0
#: How long the pages after the first (those asked with a cursor) may go on
#: the order of the folders taken for an earlier page, rather than take every
#: folder's status again (thousands of folders for a long history, each
#: page): a file added since to an older folder shows in the pages asked
#: that much later. A first page always takes it anew.
_FOLDER_ORDER_SECONDS: Final = 1.0
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
#: `thread/list` sort keys (`ThreadSortKey`'s values).
BY_CREATION: Final = "created_at"
BY_UPDATE: Final = "updated_at"

#: Where a rollout file's name holds its time (``rollout-<time>-<id>.jsonl``).
ROLLOUT_PREFIX: Final = "rollout-"
ROLLOUT_SUFFIX: Final = ".jsonl"
_TS_START: Final = len(ROLLOUT_PREFIX)
_TS_END: Final = _TS_START + len("YYYY-MM-DDThh-mm-ss")

_Key = tuple[int, str]
_Bounds = tuple[_Key, _Key]


class InvalidCursor(ValueError):
    """A `thread/list` cursor this server did not make."""


class ThreadFilter:
    """Which recorded threads a `thread/list` shows."""

    __slots__ = (
        "_may_admit_sub_agents",
        "cwd",
        "default_provider",
        "providers",
        "search_term",
        "source_kinds",
    )

    def __init__(
        self,
        *,
        providers: Sequence[str] | None,
        default_provider: str,
        source_kinds: Sequence[str] | None,
        cwd: str | None,
        search_term: str | None,
    ) -> None:
        self.providers = frozenset(providers) if providers else None
        self.default_provider = default_provider
        self.source_kinds = frozenset(source_kinds) if source_kinds else INTERACTIVE_SOURCE_KINDS
        self._may_admit_sub_agents = any(
            kind == "unknown" or kind.startswith("subAgent") for kind in self.source_kinds
        )
        self.cwd = cwd
        self.search_term = search_term

    def admits(self, summary: ThreadSummary, name: str | None) -> bool:
        if summary.preview is None:
            return False
        kind = summary.plain_source_kind
        if kind is None:
            # A sub-agent's source is checked (with its model) only when it matters.
            if not self._may_admit_sub_agents:
                return False
            kind = summary.source_kind
        if kind not in self.source_kinds and not (
            kind.startswith("subAgent") and "subAgent" in self.source_kinds
        ):
            return False
        if self.providers is not None:
            provider = summary.model_provider or self.default_provider
            if provider not in self.providers:
                return False
        if self.cwd is not None and summary.cwd != self.cwd:
            return False
        if self.search_term:
            title = name or summary.preview
            if self.search_term not in title:
                return False
        return True


class _SortKey:
    __slots__ = ("id", "seconds")

    def __init__(self, seconds: int, thread_id: str) -> None:
        self.seconds = seconds
        self.id = thread_id

    def as_tuple(self) -> tuple[int, str]:
        return (self.seconds, self.id)

    def cursor(self) -> str:
        moment = datetime.fromtimestamp(self.seconds, UTC)
        return f"{moment.strftime('%Y-%m-%dT%H:%M:%SZ')}|{self.id}"


def parse_thread_cursor(token: str) -> tuple[int, str]:
    """The (seconds, id) position a cursor names; `InvalidCursor` otherwise."""
    moment, sep, raw_id = token.partition("|")
    thread_id = parse_uuid(raw_id) if sep else None
    if thread_id is None:
        raise InvalidCursor(token)
    try:
        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidCursor(token) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp()), thread_id


class ThreadCatalog:
    """The summaries of rollout files, cached by path and checked against
    each file's status on every use."""

    def __init__(self, sessions_root: Path, archive_root: Path) -> None:
        self.sessions_root = sessions_root
        self.archive_root = archive_root
        self._lock = threading.Lock()
        self._summaries: OrderedDict[str, tuple[tuple[int, int, int], ThreadSummary | None]] = (
            OrderedDict()
        )
        """The most recently used summaries, at most `_CACHE_LIMIT`."""
        self._folder_bounds: dict[str, tuple[int, _Bounds | None]] = {}
        """Per folder: its mtime, and the lowest and highest creation keys of
        its files (None: it has none)."""
        self._folder_order: dict[bool, tuple[float, list[tuple[_Key, _Key, str]]]] = {}
        """Per tree (archived or not): when it was taken, and every folder
        holding rollouts with its highest and lowest keys, highest first."""

    # -- files -------------------------------------------------------------------

    def rollout_files(self, archived: bool) -> Iterator[str]:
        """Every rollout file of the live tree (``YYYY/MM/DD``) or of the archive."""
        for folder in self._folders(archived):
            yield from _rollouts_in(folder)

    def _by_update(self, archived: bool, after: _Key | None) -> list[tuple[_Key, str]]:
        """Every rollout file strictly before ``after``, newest update first
        (a ``stat`` of each: appending to a file does not change its folder)."""
        keyed = [
            (key, path)
            for folder in self._folders(archived)
            for key, path in _updated_keys_in(folder)
            if after is None or key < after
        ]
        keyed.sort(reverse=True)
        return keyed

    def _by_creation(
        self, archived: bool, after: _Key | None, witness: Witness | None
    ) -> Iterator[tuple[_Key, str]]:
        """The rollout files strictly before ``after``, newest creation first.
        Folders are read only as far as the caller goes: each one's lowest
        and highest keys are kept (while its mtime stays), so those that cannot
        hold the next file are not listed."""
        folders = [
            (highest, folder)
            for highest, lowest, folder in self._ordered_folders(archived, witness, after)
            if after is None or lowest < after
        ]
        pending: list[tuple[_Key, str]] = []  # ascending: the next file is last
        next_folder = 0
        while True:
            if next_folder < len(folders) and (
                not pending or pending[-1][0] < folders[next_folder][0]
            ):
                folder = folders[next_folder][1]
                next_folder += 1
                pending.extend(
                    (key, path)
                    for key, path in _created_keys_in(folder)
                    if after is None or key < after
                )
                pending.sort()
                continue
            if not pending:
                return
            yield pending.pop()

    def _ordered_folders(
        self, archived: bool, witness: Witness | None, after: _Key | None
    ) -> list[tuple[_Key, _Key, str]]:
        """Every folder holding rollouts, with its highest and lowest keys,
        highest first (see `_FOLDER_ORDER_SECONDS`)."""
        taken = time.monotonic()
        if after is not None and witness is None:
            with self._lock:
                cached = self._folder_order.get(archived)
            if cached is not None and taken - cached[0] < _FOLDER_ORDER_SECONDS:
                return cached[1]
        order: list[tuple[_Key, _Key, str]] = []
        for folder in self._folders(archived, witness):
            bounds = self._bounds(folder, witness)
            if bounds is not None:
                order.append((bounds[1], bounds[0], folder))
        order.sort(reverse=True)
        with self._lock:
            self._folder_order[archived] = (taken, order)
        return order

    def _bounds(self, folder: str, witness: Witness | None) -> _Bounds | None:
        try:
            status = os.stat(folder)
        except OSError:
            status = None
        if witness is not None:
            witness.saw(folder, status)
        if status is None:
            return None
        mtime_ns = status.st_mtime_ns
        with self._lock:
            cached = self._folder_bounds.get(folder)
        if cached is not None and cached[0] == mtime_ns:
            return cached[1]
        bounds = _bounds_by_names(folder)
        if time.time() - mtime_ns / 1e9 > _RACY_SECONDS:
            with self._lock:
                self._folder_bounds[folder] = (mtime_ns, bounds)
        return bounds

    def _folders(self, archived: bool, witness: Witness | None = None) -> Iterator[str]:
        if archived:
            yield str(self.archive_root)
            return
        for year in _numeric_dirs(str(self.sessions_root), witness):
            for month in _numeric_dirs(year, witness):
                yield from _numeric_dirs(month, witness)

    def find_rollout(self, thread_id: str, archived: bool) -> Path | None:
        """The rollout file of a thread, by the id in its name."""
        suffix = f"-{thread_id}.jsonl"
        for path in self.rollout_files(archived):
            if path.endswith(suffix):
                return Path(path)
        return None

    def summary(self, path: str, witness: Witness | None = None) -> ThreadSummary | None:
        try:
            st = os.stat(path)
        except OSError:
            st = None
        if witness is not None:
            witness.saw(path, st)
        if st is None:
            return None
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        with self._lock:
            cached = self._summaries.get(path)
            if cached is not None and cached[0] == stamp:
                self._summaries.move_to_end(path)
                return cached[1]
        try:
            summary: ThreadSummary | None = summarize_thread(path)
        except ThreadReadError:
            summary = None
        # A file written this very second may change again without its stamp moving.
        if time.time() - st.st_mtime > 2:
            with self._lock:
                self._summaries[path] = (stamp, summary)
                while len(self._summaries) > _CACHE_LIMIT:
                    self._summaries.popitem(last=False)
        return summary

    # -- listing -------------------------------------------------------------------

    def page(
        self,
        *,
        archived: bool,
        sort_key: str,
        cursor: str | None,
        limit: int,
        thread_filter: ThreadFilter,
        names: dict[str, str],
        witness: Witness | None = None,
    ) -> tuple[list[ThreadSummary], str | None]:
        """One page of threads and the cursor of the next (None on the last
        page). ``witness``, for a page by creation, records what it was read from."""
        after = parse_thread_cursor(cursor) if cursor is not None else None
        if limit <= 0:
            return [], None
        # Order the files by what their names (or a stat) say, then read only
        # as many as the page needs.
        keyed = (
            self._by_update(archived, after)
            if sort_key == BY_UPDATE
            else self._by_creation(archived, after, witness)
        )
        page: list[tuple[tuple[int, str], ThreadSummary]] = []
        more = False
        for key, path in keyed:
            summary = self.summary(path, witness)
            if summary is None or not thread_filter.admits(summary, names.get(summary.id)):
                continue
            if len(page) == limit:
                more = True
                break
            page.append((key, summary))
        next_cursor = _SortKey(*page[-1][0]).cursor() if more and page else None
        return [summary for _key, summary in page], next_cursor


def _updated_keys_in(folder: str) -> list[tuple[tuple[int, str], str]]:
    """The folder's rollout files with their update keys: modification time
    (whole seconds), then thread id (each name parsed once)."""
    found: list[tuple[tuple[int, str], str]] = []
    try:
        with os.scandir(folder) as scan:
            for entry in scan:
                key = parse_rollout_file_name(entry.name)
                if key is None or not entry.is_file(follow_symlinks=False):
                    continue
                try:
                    seconds = int(os.stat(entry.path).st_mtime)
                except OSError:
                    continue
                found.append(((seconds, str(key.uuid)), entry.path))
    except OSError:
        return []
    return found


def _created_keys_in(folder: str) -> list[tuple[tuple[int, str], str]]:
    """The folder's rollout files with their creation keys (each name parsed once)."""
    found: list[tuple[tuple[int, str], str]] = []
    try:
        with os.scandir(folder) as scan:
            for entry in scan:
                key = parse_rollout_file_name(entry.name)
                if key is not None and entry.is_file(follow_symlinks=False):
                    found.append((_creation_key(key.ts, str(key.uuid)), entry.path))
    except OSError:
        return []
    return found


def _bounds_by_names(folder: str) -> _Bounds | None:
    """Keys at or below, and at or above, those of every rollout file in the
    folder. Rollout names hold their time at the same place, and such times
    sort as strings do: the extremes are found without parsing each name
    (only where they are not valid times are all names parsed)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return None
    times = [
        name[_TS_START:_TS_END]
        for name in names
        if name.startswith(ROLLOUT_PREFIX) and name.endswith(ROLLOUT_SUFFIX)
    ]
    if not times:
        return None
    lowest, highest = min(times), max(times)
    if valid_file_ts(lowest) and valid_file_ts(highest):
        # Ids are compared after times: "" is below any, "~" above any hex id.
        return _creation_key(lowest, ""), _creation_key(highest, "~")
    keys = [key for key, _ in _created_keys_in(folder)]
    return (min(keys), max(keys)) if keys else None


def _creation_key(ts: str, thread_id: str) -> tuple[int, str]:
    """The key of a file named with time ``ts`` (YYYY-MM-DDThh-mm-ss, checked
    by the name's parser)."""
    fields = (ts[0:4], ts[5:7], ts[8:10], ts[11:13], ts[14:16], ts[17:19])
    year, month, day, hour, minute, second = (int(f) for f in fields)
    # As `calendar.timegm`, without importing `calendar` (and `locale`) early.
    days = date(year, month, day).toordinal() - _EPOCH_ORDINAL
    return days * 86_400 + hour * 3_600 + minute * 60 + second, thread_id


def unarchive_target(sessions_root: Path, archived: Path) -> Path:
    """Where an archived rollout goes back: the day folder its name's time says."""
    key = parse_rollout_file_name(archived.name)
    if key is None:
        raise ValueError(f"not a rollout file name: {archived.name}")
    year, month, day = key.ts[0:4], key.ts[5:7], key.ts[8:10]
    return sessions_root / year / month / day / archived.name


def move_out_of_archive(archived: Path, target: Path) -> None:
    """Move the file back into the live tree and mark it updated now."""
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(archived, target)
    os.utime(target)


def _numeric_dirs(parent: str, witness: Witness | None) -> list[str]:
    if witness is not None:
        witness.stat(parent)
    try:
        with os.scandir(parent) as scan:
            return [
                entry.path
                for entry in scan
                if entry.name.isdigit() and entry.is_dir(follow_symlinks=False)
            ]
    except OSError:
        return []


def _rollouts_in(folder: str) -> Iterator[str]:
    try:
        with os.scandir(folder) as scan:
            entries = [
                entry.path
                for entry in scan
                if parse_rollout_file_name(entry.name) is not None
                and entry.is_file(follow_symlinks=False)
            ]
    except OSError:
        return
    yield from entries
