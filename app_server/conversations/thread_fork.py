"""`thread/fork`: a new thread that starts with another one's history.

As 0.107.0 writes it, the fork's rollout is a new file (named for the new id
and the time of the fork) whose first line is the new thread's
``session_meta`` (with ``forked_from_id``), followed by every line of the
original file as it was: readers take the first ``session_meta`` for the
thread and rebuild the history (rollbacks included) from the rest.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from uuid import UUID

from .naming import new_rollout_path, utc_timestamp
from .recorder import create_rollout_file, rollout_line
from .rollout_file import bounded_lines, open_regular


class ForkError(Exception):
    """The original cannot be forked; the message says why."""


def fork_rollout(source: Path, sessions_root: Path, new_id: UUID, started: datetime) -> Path:
    """Write the fork's rollout file and return its path. Blocking."""
    try:
        fd, _ = open_regular(source)
    except (OSError, ValueError) as exc:
        raise ForkError(str(exc)) from None
    meta: dict[str, object] | None = None
    body: list[bytes] = []
    with os.fdopen(fd, "rb") as file:
        for raw in bounded_lines(file):
            if not raw.endswith(b"\n"):
                continue  # a line still being written (or torn) is left out
            if meta is None and b"session_meta" in raw:
                meta = _session_meta(raw)
            body.append(raw)
    if meta is None:
        raise ForkError("failed to parse conversation ID from rollout file")
    forked = {
        **meta,
        "id": str(new_id),
        "forked_from_id": meta.get("id"),
        "timestamp": utc_timestamp(started),
    }
    # `forked_from_id` right after `id`, as 0.107.0 writes it.
    ordered = {"id": forked.pop("id"), "forked_from_id": forked.pop("forked_from_id"), **forked}
    first = rollout_line("session_meta", json.dumps(ordered, ensure_ascii=False).encode())
    path = new_rollout_path(sessions_root, new_id, started)
    fd = create_rollout_file(path, first + b"".join(body))
    os.close(fd)
    return path


def _session_meta(raw: bytes) -> dict[str, object] | None:
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("type") != "session_meta":
        return None
    payload = record.get("payload")
    return payload if isinstance(payload, dict) and isinstance(payload.get("id"), str) else None
