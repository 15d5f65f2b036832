"""Where rollout files live and how they are named, the listing cursor, and
the timestamps written in them.

``sessions/YYYY/MM/DD/rollout-YYYY-MM-DDThh-mm-ss-<uuid>.jsonl``: folders and
file name in local time (as the reference names them), record timestamps in
UTC with milliseconds.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Final, NamedTuple

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


class FileKey(NamedTuple):
    """A rollout file's place in the listing order: its name's timestamp, then
    its UUID (both compared as text, which orders them as the reference does)."""

    ts: str
    """``YYYY-MM-DDThh-mm-ss``, as in the file name."""
    uuid: str
    """The canonical (lowercase, hyphenated) UUID."""


def parse_uuid(text: str) -> uuid.UUID | None:
    """A UUID in one of the spellings the reference accepts, else None."""
    if not _UUID_SPELLING.fullmatch(text):
        return None
    return uuid.UUID(text)


def _valid_file_ts(text: str) -> bool:
    if not _FILE_TS.fullmatch(text):
        return False
    try:
        datetime(
            int(text[0:4]),
            int(text[5:7]),
            int(text[8:10]),
            int(text[11:13]),
            int(text[14:16]),
            int(text[17:19]),
        )
    except ValueError:
        return False
    return True


def parse_rollout_file_name(name: str) -> FileKey | None:
    """The key of ``rollout-<ts>-<uuid>.jsonl``; None for any other name."""
    match = _COMMON_NAME.fullmatch(name)
    if match is not None:
        ts, raw = match.groups()
        if not _valid_file_ts(ts):
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
            return FileKey(ts, str(parsed)) if _valid_file_ts(ts) else None
        index = core.rfind("-", 0, index)
    return None


def format_cursor(key: FileKey) -> str:
    return f"{key.ts}|{key.uuid}"


def parse_cursor(token: str) -> FileKey | None:
    """``"<file ts>|<uuid>"``; None when it does not parse (the listing then
    starts from the top, as the reference does)."""
    ts, sep, raw = token.partition("|")
    if not sep or not _valid_file_ts(ts):
        return None
    parsed = parse_uuid(raw)
    return FileKey(ts, str(parsed)) if parsed is not None else None


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
