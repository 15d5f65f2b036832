"""Every rollout file in ``listConversations`` order, packed: a snapshot.

Ordering files by their last modification takes a ``stat`` of each; doing
that for every page makes paging through N files cost N²/page. A snapshot
is taken on a listing's first page (a ``stat`` per file) and later pages
(the ones with a cursor) read on from it, as long as no folder changed
since. A file is ``stat``-ed again as a page shows it: one modified since
the snapshot has moved ahead of any cursor taken from it (its new mtime is
later than the snapshot), so it is left out, as a fresh order would; one
created since is ahead too, and one deleted is seen gone.

A record is 39 bytes: the key (mtime, then UUID, big-endian so that bytes
compare as keys do), the day folder's number and the name's timestamp; a
name that is not spelled the canonical way is kept aside. Standard library
only: the early listing stage uses it.
"""

from __future__ import annotations

import heapq
import os
import struct
import time
from collections.abc import Iterator
from typing import Final

from .naming import UpdateKey, parse_rollout_file_name

#: How long the folders are trusted after a check. What a check can find
#: (a file copied in with an old mtime) is rare; checking every page would
#: cost a ``stat`` per day folder a page, and paging through N files N²/page.
RECHECK_SECONDS: Final = 1.0
_RECORD: Final = struct.Struct(">Q16sIH5B")
_KEY_SIZE: Final = 24
#: The key and the folder's number: what tells one file from another.
_NAMED_SIZE: Final = 28
#: Keeps mtimes before 1970 (negative) in order as unsigned numbers.
_MTIME_OFFSET: Final = 1 << 63


def _key_bytes(mtime_ns: int, uuid: str) -> bytes:
    return (mtime_ns + _MTIME_OFFSET).to_bytes(8, "big") + bytes.fromhex(uuid.replace("-", ""))


def _uuid_text(raw: bytes) -> str:
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _records_of(blob: bytes) -> Iterator[bytes]:
    size = _RECORD.size
    for start in range(0, len(blob), size):
        yield blob[start : start + size]


class SnapshotBuilder:
    """Collects the files of a walk, then makes the `UpdateOrder`."""

    def __init__(self) -> None:
        self._days: list[bytes] = []
        """Each day folder's records, in order (merged at the end: sorting
        them all at once would hold each as an object of its own)."""
        self._folders: list[str] = []
        self._stamps: list[tuple[str, int]] = []
        self._odd_names: dict[bytes, str] = {}

    def folder_seen(self, path: str, mtime_ns: int) -> None:
        """A folder walked, with its mtime: the snapshot holds while it stays."""
        self._stamps.append((path, mtime_ns))

    def add_day(self, folder: str, names: list[str]) -> None:
        """The rollout files of a day folder (each is ``stat``-ed now)."""
        number = len(self._folders)
        self._folders.append(folder)
        records: list[bytes] = []
        for name in names:
            file_key = parse_rollout_file_name(name)
            if file_key is None:
                continue
            try:
                mtime_ns = os.stat(os.path.join(folder, name)).st_mtime_ns
            except OSError:
                continue
            ts = file_key.ts
            stamp = (int(ts[0:4]), int(ts[5:7]), int(ts[8:10]))
            clock = (int(ts[11:13]), int(ts[14:16]), int(ts[17:19]))
            raw_uuid = bytes.fromhex(file_key.uuid.replace("-", ""))
            record = _RECORD.pack(mtime_ns + _MTIME_OFFSET, raw_uuid, number, *stamp, *clock)
            if name != f"rollout-{ts}-{file_key.uuid}.jsonl":
                self._odd_names[record[:_NAMED_SIZE]] = name
            records.append(record)
        records.sort(reverse=True)
        self._days.append(b"".join(records))

    def build(self) -> UpdateOrder:
        merged = bytearray()
        for record in heapq.merge(*map(_records_of, self._days), reverse=True):
            merged += record
        self._days = []
        return UpdateOrder(bytes(merged), self._folders, self._stamps, self._odd_names)


class UpdateOrder:
    """The snapshot: files newest first (ties: higher UUID first)."""

    __slots__ = ("_blob", "_checked_at", "_count", "_folders", "_odd_names", "_stamps")

    def __init__(
        self,
        blob: bytes,
        folders: list[str],
        stamps: list[tuple[str, int]],
        odd_names: dict[bytes, str],
    ) -> None:
        self._blob = blob
        self._count = len(blob) // _RECORD.size
        self._folders = folders
        self._stamps = stamps
        self._odd_names = odd_names
        self._checked_at = time.monotonic()

    def __len__(self) -> int:
        return self._count

    def still_current(self) -> bool:
        """Whether every folder walked is as it was (a ``stat`` per folder,
        at most every `RECHECK_SECONDS`)."""
        now = time.monotonic()
        if now - self._checked_at < RECHECK_SECONDS:
            return True
        for path, mtime_ns in self._stamps:
            try:
                if os.stat(path).st_mtime_ns != mtime_ns:
                    return False
            except OSError:
                return False
        self._checked_at = now
        return True

    def _first_after(self, cursor: UpdateKey | None) -> int:
        """The index of the first file strictly after ``cursor`` in the order."""
        if cursor is None:
            return 0
        target = _key_bytes(cursor.mtime_ns, cursor.uuid)
        size, blob = _RECORD.size, self._blob
        low, high = 0, self._count
        while low < high:  # records descend: find the first one below target
            middle = (low + high) // 2
            start = middle * size
            if blob[start : start + _KEY_SIZE] < target:
                high = middle
            else:
                low = middle + 1
        return low

    def after(self, cursor: UpdateKey | None) -> Iterator[tuple[str, UpdateKey]]:
        """The files strictly after ``cursor``: (path, key as snapshotted)."""
        size, blob = _RECORD.size, self._blob
        for index in range(self._first_after(cursor), self._count):
            start = index * size
            mtime, raw_uuid, number, year, month, day, hour, minute, second = _RECORD.unpack_from(
                blob, start
            )
            uuid = _uuid_text(raw_uuid)
            name = self._odd_names.get(blob[start : start + _NAMED_SIZE])
            if name is None:
                ts = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}-{minute:02d}-{second:02d}"
                name = f"rollout-{ts}-{uuid}.jsonl"
            path = os.path.join(self._folders[number], name)
            yield path, UpdateKey(mtime - _MTIME_OFFSET, uuid)
