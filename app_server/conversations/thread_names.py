"""Thread names (`thread/name/set`), kept as 0.107.0 keeps them: one JSON line
per naming appended to ``CODEX_HOME/session_index.jsonl``
(``{"id", "thread_name", "updated_at"}``); the last line of an id wins."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

SESSION_INDEX_FILE: Final = "session_index.jsonl"


def read_thread_names(codex_home: Path) -> dict[str, str]:
    """Every named thread's name, by id. Blocking."""
    names: dict[str, str] = {}
    try:
        with open(codex_home / SESSION_INDEX_FILE, "rb") as file:
            for raw in file:
                try:
                    entry = json.loads(raw)
                except ValueError:
                    continue
                if not isinstance(entry, dict):
                    continue
                thread_id = entry.get("id")
                name = entry.get("thread_name")
                if isinstance(thread_id, str) and isinstance(name, str):
                    names[thread_id] = name
    except OSError:
        pass
    return names


def append_thread_name(codex_home: Path, thread_id: str, name: str) -> None:
    """Record a thread's new name (a whole line, appended). Blocking."""
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}000Z"
    line = json.dumps(
        {"id": thread_id, "thread_name": name, "updated_at": stamp}, ensure_ascii=False
    )
    codex_home.mkdir(parents=True, exist_ok=True)
    fd = os.open(
        codex_home / SESSION_INDEX_FILE,
        os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC,
        0o600,
    )
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)
