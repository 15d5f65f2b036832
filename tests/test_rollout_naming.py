"""Rollout file names, the listing cursor, timestamps and conversation ids."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app_server.conversations.ids import uuid7
from app_server.conversations.naming import (
    FileKey,
    UpdateKey,
    format_update_cursor,
    new_rollout_path,
    parse_rollout_file_name,
    parse_update_cursor,
    parse_uuid,
    utc_now_timestamp,
    utc_timestamp,
)

U = "01a202b7-6ed0-7471-a62d-65919f64f5fd"
TS = "2025-11-22T10-05-05"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (f"rollout-{TS}-{U}.jsonl", FileKey(TS, U)),
        (f"rollout-{TS}-{U.upper()}.jsonl", FileKey(TS, U)),
        (f"rollout-{TS}-{U.replace('-', '')}.jsonl", FileKey(TS, U)),
        (f"rollout-{TS}-{{{U}}}.jsonl", FileKey(TS, U)),
        (f"rollout-2024-02-29T23-59-59-{U}.jsonl", FileKey("2024-02-29T23-59-59", U)),
        (f"rollout-2025-02-29T10-00-00-{U}.jsonl", None),
        (f"rollout-2025-13-01T10-00-00-{U}.jsonl", None),
        (f"rollout-2025-01-01T24-00-00-{U}.jsonl", None),
        (f"rollout-2025-1-01T10-00-00-{U}.jsonl", None),
        (f"rollout-{TS}-{U}.json", None),
        (f"rollout-{TS}-{U}.jsonl.bak", None),
        (f"session-{TS}-{U}.jsonl", None),
        (f"rollout-{TS}-not-a-uuid.jsonl", None),
        (f"rollout-{U}.jsonl", None),
        (f".rollout-{TS}-{U}.jsonl.tmp", None),
    ],
)
def test_file_names(name: str, expected: FileKey | None) -> None:
    assert parse_rollout_file_name(name) == expected


def test_cursor_round_trip() -> None:
    # the mtime in UTC, as the reference spells it; nanoseconds only when any
    key = UpdateKey(1_700_000_000 * 10**9, U)
    assert format_update_cursor(key) == f"2023-11-14T22-13-20|{U}"
    assert parse_update_cursor(f"2023-11-14T22-13-20|{U}") == key
    assert parse_update_cursor(f"2023-11-14T22-13-20|{U.upper()}") == key
    fine = UpdateKey(1_700_000_000 * 10**9 + 5, U)
    assert format_update_cursor(fine) == f"2023-11-14T22-13-20.000000005|{U}"
    assert parse_update_cursor(format_update_cursor(fine)) == fine


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        f"{TS}",
        f"{TS}|",
        f"|{U}",
        f"2025-13-01T00-00-00|{U}",
        f"{TS}|x",
        f"{TS}.5|{U}",
        f"{TS}.|{U}",
    ],
)
def test_unparsable_cursors(token: str) -> None:
    assert parse_update_cursor(token) is None


def test_uuid_spellings() -> None:
    assert parse_uuid(U) == U
    assert parse_uuid("urn:uuid:" + U.upper()) == U
    assert parse_uuid("0" * 31) is None
    assert parse_uuid(U[:-1] + "g") is None


def test_record_timestamps_are_utc_with_milliseconds() -> None:
    moment = datetime(2026, 11, 22, 10, 5, 5, 616_999, tzinfo=UTC)
    assert utc_timestamp(moment) == "2026-11-22T10:05:05.616Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", utc_now_timestamp())


def test_file_name_and_folders_are_in_local_time() -> None:
    # In a child process: the time zone comes from TZ, read once at start.
    code = (
        "from datetime import datetime, timezone; import uuid; from pathlib import Path;"
        "from app_server.conversations.naming import new_rollout_path;"
        "m = datetime(2026, 11, 22, 10, 5, 17, 305000, tzinfo=timezone.utc);"
        "print(new_rollout_path(Path('/h/sessions'), uuid.UUID(int=1), m))"
    )
    env = dict(os.environ, TZ="Asia/Tokyo")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == (
        "/h/sessions/2026/11/22/rollout-2026-11-22T19-05-17-00000000-0000-0000-0000-000000000001.jsonl"
    )


def test_new_rollout_path_layout() -> None:
    conversation_id = uuid.uuid4()
    path = new_rollout_path(Path("/h/sessions"), conversation_id, datetime.now(UTC))
    assert path.parent.parent.parent.parent == Path("/h/sessions")
    assert parse_rollout_file_name(path.name) == FileKey(path.name[8:27], str(conversation_id))


def test_uuid7() -> None:
    before = time.time_ns() // 1_000_000
    first = uuid7()
    second = uuid7()
    assert first.version == 7 and first.variant == uuid.RFC_4122
    assert first != second
    assert before <= first.int >> 80 <= time.time_ns() // 1_000_000
    assert str(uuid7(0x01A202B76ED0)).startswith("01a202b7-6ed0-7")
