"""Reading a whole rollout file back, to resume its conversation.

Lines that do not validate (a torn last line after a crash, a record kind
from a newer version, garbage) are skipped, as the reference skips them. The
conversation's id is the one of the first ``session_meta``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from app_server_protocol.events import EventMsg
from app_server_protocol.items import ResponseItem
from app_server_protocol.rollout import (
    CompactedLine,
    EventMsgLine,
    ResponseItemLine,
    RolloutLine,
    SessionMeta,
    SessionMetaLine,
    TurnContextItem,
    TurnContextLine,
    rollout_line_adapter,
)

from ..agent.bridge import rebuilt_history
from ..rust_format import os_error_message
from .rollback import ROLLED_BACK_EVENT, drop_last_turns
from .rollout_file import bounded_lines, open_regular


class RolloutReadError(Exception):
    """The file cannot be resumed; the message says why (the reference's words)."""


@dataclass
class RecordedConversation:
    """Everything a rollout file holds, in order."""

    path: Path
    meta: SessionMeta
    """The first ``session_meta``: whose id the conversation keeps."""
    records: list[RolloutLine] = field(default_factory=list)
    rollbacks: list[tuple[int, int]] = field(default_factory=list)
    """``thread/rollback``s recorded: how many records came before each, and
    how many turns it dropped."""

    @property
    def event_msgs(self) -> list[EventMsg]:
        """The recorded events, shown again when the conversation is resumed."""
        return [r.payload for r in self.records if isinstance(r, EventMsgLine)]

    @property
    def response_items(self) -> list[ResponseItem]:
        """The model's history, without the turns rolled back, and
        compacted where a compaction was recorded."""
        items: list[ResponseItem] = []
        pending = iter(self.rollbacks)
        rollback = next(pending, None)
        for index, record in enumerate(self.records):
            while rollback is not None and rollback[0] == index:
                items = drop_last_turns(items, rollback[1])
                rollback = next(pending, None)
            if isinstance(record, ResponseItemLine):
                items.append(record.payload)
            elif isinstance(record, CompactedLine):
                compacted = record.payload
                items = rebuilt_history(items, compacted.message, compacted.replacement_history)
        while rollback is not None:
            items = drop_last_turns(items, rollback[1])
            rollback = next(pending, None)
        return items

    @property
    def last_turn_context(self) -> TurnContextItem | None:
        for record in reversed(self.records):
            if isinstance(record, TurnContextLine):
                return record.payload
        return None


def parse_rollout(path: Path, data: bytes) -> RecordedConversation:
    """The records of a rollout file's content."""
    return parse_rollout_lines(path, data.split(b"\n"))


def parse_rollout_lines(path: Path, lines: Iterable[bytes]) -> RecordedConversation:
    """The records of a rollout file's lines."""
    adapter = rollout_line_adapter()
    meta: SessionMeta | None = None
    records: list[RolloutLine] = []
    rollbacks: list[tuple[int, int]] = []
    empty = True
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        empty = False
        turns = _rolled_back_turns(line)
        if turns is not None:
            rollbacks.append((len(records), turns))
            continue
        try:
            record = adapter.validate_json(line, strict=True)
        except ValidationError:
            continue
        if meta is None and isinstance(record, SessionMetaLine):
            meta = record.payload
        records.append(record)
    if empty:
        raise RolloutReadError("empty session file")
    if meta is None:
        raise RolloutReadError("failed to parse conversation ID from rollout file")
    return RecordedConversation(path, meta, records, rollbacks)


def _rolled_back_turns(line: bytes) -> int | None:
    """The number of turns a ``thread_rolled_back`` event line drops."""
    if ROLLED_BACK_EVENT.encode() not in line:
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    payload = record.get("payload")
    if (
        record.get("type") == "event_msg"
        and isinstance(payload, dict)
        and payload.get("type") == ROLLED_BACK_EVENT
        and isinstance(payload.get("num_turns"), int)
    ):
        return int(payload["num_turns"])
    return None


def read_rollout(path: Path) -> RecordedConversation:
    """Read and parse a rollout file, a line at a time (a line longer than
    `MAX_ROLLOUT_LINE_BYTES` is skipped). Blocking."""
    try:
        fd, _ = open_regular(path)
    except OSError as exc:
        raise RolloutReadError(os_error_message(exc)) from None
    try:
        with os.fdopen(fd, "rb") as file:
            return parse_rollout_lines(path, bounded_lines(file))
    except OSError as exc:
        raise RolloutReadError(os_error_message(exc)) from None
