"""Reading a whole rollout file back, to resume its conversation.

Lines that do not validate (a torn last line after a crash, a record kind
from a newer version, garbage) are skipped, as the reference skips them. The
conversation's id is the one of the first ``session_meta``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from app_server_protocol.events import EventMsg
from app_server_protocol.items import ResponseItem
from app_server_protocol.rollout import (
    EventMsgLine,
    ResponseItemLine,
    RolloutLine,
    SessionMeta,
    SessionMetaLine,
    TurnContextItem,
    TurnContextLine,
    rollout_line_adapter,
)

from ..rust_format import os_error_message


class RolloutReadError(Exception):
    """The file cannot be resumed; the message says why (the reference's words)."""


@dataclass
class RecordedConversation:
    """Everything a rollout file holds, in order."""

    path: Path
    meta: SessionMeta
    """The first ``session_meta``: whose id the conversation keeps."""
    records: list[RolloutLine] = field(default_factory=list)

    @property
    def event_msgs(self) -> list[EventMsg]:
        """The recorded events, shown again when the conversation is resumed."""
        return [r.payload for r in self.records if isinstance(r, EventMsgLine)]

    @property
    def response_items(self) -> list[ResponseItem]:
        return [r.payload for r in self.records if isinstance(r, ResponseItemLine)]

    @property
    def last_turn_context(self) -> TurnContextItem | None:
        for record in reversed(self.records):
            if isinstance(record, TurnContextLine):
                return record.payload
        return None


def parse_rollout(path: Path, data: bytes) -> RecordedConversation:
    """The records of a rollout file's content."""
    if not data.strip():
        raise RolloutReadError("empty session file")
    adapter = rollout_line_adapter()
    meta: SessionMeta | None = None
    records: list[RolloutLine] = []
    for raw in data.split(b"\n"):
        line = raw.strip()
        if not line:
            continue
        try:
            record = adapter.validate_json(line, strict=True)
        except ValidationError:
            continue
        if meta is None and isinstance(record, SessionMetaLine):
            meta = record.payload
        records.append(record)
    if meta is None:
        raise RolloutReadError("failed to parse conversation ID from rollout file")
    return RecordedConversation(path, meta, records)


def read_rollout(path: Path) -> RecordedConversation:
    """Read and parse a rollout file. Blocking."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RolloutReadError(os_error_message(exc)) from None
    return parse_rollout(path, data)
