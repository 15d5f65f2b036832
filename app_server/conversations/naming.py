"""Where rollout files live and how they are named, the listing cursor, and
the timestamps written in them.

``sessions/YYYY/MM/DD/rollout-YYYY-MM-DDThh-mm-ss-<uuid>.jsonl``: folders and
file name in local time (as the reference names them), record timestamps in
UTC with milliseconds.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

SESSIONS_SUBDIR: Final = "sessions"
ARCHIVED_SESSIONS_SUBDIR: Final = "archived_sessions"

_FILE_TS_FORMAT: Final = "%Y-%m-%dT%H-%M-%S"
_FILE_TS: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}")
_HEX_UUID: Final = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# The spellings of a UUID the reference accepts: hyphenated, simple, braced, URN.
_UUID_SPELLING: Final = re.compile(
    rf"(?:{_HEX_UUID}|[0-9a-fA-F]{{32}}|\{{{_HEX_UUID}\}}|urn:uuid:{_HEX_UUID})"
)
_COMMON_NAME: Final = re.compile(
    rf"rollout-(\d{{4}}-\d{{2}}-\d{{2}}T\d{{2}}-\d{{2}}-\d{{2}})-({_HEX_UUID})\.jsonl"
)


class FileKey:
    """A rollout file's place in the listing order: its name's timestamp, then
    its UUID (both compared as text, which orders them as the reference does)."""

    # Plain classes here and in the listing modules: they are imported on the
    # way to the first answer, and dataclasses take milliseconds to build.
    __slots__ = ("ts", "uuid")

    def __init__(self, ts: str, uuid: str) -> None:
        self.ts = ts
        """``YYYY-MM-DDThh-mm-ss``, as in the file name."""
        self.uuid = uuid
        """The canonical (lowercase, hyphenated) UUID."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileKey) and (self.ts, self.uuid) == (other.ts, other.uuid)

    def __hash__(self) -> int:
        return hash((self.ts, self.uuid))

    def __repr__(self) -> str:
        return f"FileKey({self.ts!r}, {self.uuid!r})"


def parse_uuid(text: str) -> str | None:
    """The canonical form (lowercase, hyphenated) of a UUID in one of the
    spellings the reference accepts, else None."""
    if not _UUID_SPELLING.fullmatch(text):
        return None
    hex32 = text.removeprefix("urn:uuid:").strip("{}").replace("-", "").lower()
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


_DAYS_IN_MONTH: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def valid_file_ts(text: str) -> bool:
    """``YYYY-MM-DDThh-mm-ss`` naming a real date and time."""
    if not _FILE_TS.fullmatch(text):
        return False
    year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
    if not (1 <= month <= 12 and day >= 1):
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = 29 if month == 2 and leap else _DAYS_IN_MONTH[month - 1]
    return (
        year >= 1
        and day <= days
        and int(text[11:13]) < 24
        and int(text[14:16]) < 60
        and int(text[17:19]) < 60
    )


def parse_rollout_file_name(name: str) -> FileKey | None:
    """The key of ``rollout-<ts>-<uuid>.jsonl``; None for any other name."""
    match = _COMMON_NAME.fullmatch(name)
    if match is not None:
        ts, raw = match.groups()
        if not valid_file_ts(ts):
            return None
        return FileKey(ts, raw.lower())
    if not (name.startswith("rollout-") and name.endswith(".jsonl")):
        return None
    core = name[len("rollout-") : -len(".jsonl")]
    # As the reference: the rightmost '-' whose suffix is a UUID splits the name.
    index = core.rfind("-")
    while index >= 0:
        parsed = parse_uuid(core[index + 1 :])
        if parsed is not None:
            ts = core[:index]
            return FileKey(ts, parsed) if valid_file_ts(ts) else None
        index = core.rfind("-", 0, index)
    return None


class UpdateKey:
    """A rollout file's place in the ``listConversations`` order: its last
    modification (ns since the epoch), then its UUID."""

    __slots__ = ("mtime_ns", "uuid")

    def __init__(self, mtime_ns: int, uuid: str) -> None:
        self.mtime_ns = mtime_ns
        self.uuid = uuid
        """The canonical (lowercase, hyphenated) UUID."""

    def order(self) -> tuple[int, str]:
        return (self.mtime_ns, self.uuid)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UpdateKey) and self.order() == other.order()

    def __hash__(self) -> int:
        return hash(self.order())

    def __repr__(self) -> str:
        return f"UpdateKey({self.mtime_ns!r}, {self.uuid!r})"


_NS_PER_SECOND: Final = 1_000_000_000


def format_update_cursor(key: UpdateKey) -> str:
    """``"<mtime as YYYY-MM-DDThh-mm-ss, UTC>|<uuid>"`` as the reference spells
    it, with ``.<nanoseconds>`` after the seconds when there are any (the
    reference drops them, which can skip files modified within that second)."""
    seconds, nanos = divmod(key.mtime_ns, _NS_PER_SECOND)
    text = time.strftime("%Y-%m-%dT%H-%M-%S", time.gmtime(seconds))
    if nanos:
        text += f".{nanos:09d}"
    return f"{text}|{key.uuid}"


def parse_update_cursor(token: str) -> UpdateKey | None:
    """The key of `format_update_cursor`'s token; None when it does not parse
    (the listing then starts from the top, as the reference does)."""
    stamp, sep, raw = token.partition("|")
    if not sep:
        return None
    ts, dot, fraction = stamp.partition(".")
    if not valid_file_ts(ts) or (dot and not (len(fraction) == 9 and fraction.isdigit())):
        return None
    parsed = parse_uuid(raw)
    if parsed is None:
        return None
    from calendar import timegm

    fields = (int(ts[0:4]), int(ts[5:7]), int(ts[8:10]), int(ts[11:13]), int(ts[14:16]))
    seconds = timegm((*fields, int(ts[17:19]), 0, 0, 0))
    nanos = int(fraction) if dot else 0
    return UpdateKey(seconds * _NS_PER_SECOND + nanos, parsed)


def new_rollout_path(sessions_root: Path, conversation_id: uuid.UUID, started: datetime) -> Path:
    """The file of a conversation started at ``started`` (an aware datetime)."""
    local = started.astimezone()
    folder = sessions_root / f"{local.year:04d}" / f"{local.month:02d}" / f"{local.day:02d}"
    return folder / f"rollout-{local.strftime(_FILE_TS_FORMAT)}-{conversation_id}.jsonl"


def utc_timestamp(moment: datetime) -> str:
    """``2025-01-02T03:04:05.678Z`` (an aware datetime, written in UTC)."""
    utc = time.gmtime(moment.timestamp())
    ms = moment.microsecond // 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", utc) + f".{ms:03d}Z"


def utc_now_timestamp() -> str:
    """The current time as a record timestamp."""
    now_ns = time.time_ns()
    seconds, rest = divmod(now_ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{rest // 1_000_000:03d}Z"
