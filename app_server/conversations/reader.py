"""Reading a whole rollout file back, to resume its conversation.

Lines that do not validate (a torn last line after a crash, a record kind
from a newer version, garbage) are skipped, as the reference skips them. The
conversation's id is the one of the first ``session_meta``.

The file is read a line at a time and only what a resume uses is kept: the
model's history (``response_item`` lines, the turns rolled back left out),
the events when asked for, and the last ``turn_context`` as its raw line. A
line's kind is read from its head when it has the usual shape, so that the
lines a resume does not use are never parsed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from pydantic import ValidationError

from app_server_protocol.events import EventMsg, UserMessageEvent
from app_server_protocol.rollout import (
    CompactedLine,
    EventMsgLine,
    ResponseItemLine,
    SessionMeta,
    SessionMetaLine,
    TurnContextItem,
    TurnContextLine,
    UserMessageLine,
    history_line_adapter,
    rollout_line_adapter,
)

from ..agent.bridge import rebuilt_history
from ..gc_pause import collector_paused
from ..model_client.history import History
from ..rust_format import os_error_message
from .rollback import ROLLED_BACK_EVENT, drop_last_turns
from .rollout_file import bounded_lines, open_regular

#: The head of a line as both we and the reference write it: its kind is
#: known without parsing the line.
_LINE_HEAD: Final = re.compile(
    rb'\{"timestamp":"[^"\\]*","type":"([a-z_]+)","payload":(?:\{"type":"([a-z_]+)")?'
)
_USED_KINDS: Final = frozenset({b"session_meta", b"response_item", b"event_msg", b"compacted"})
_ROLLED_BACK: Final = ROLLED_BACK_EVENT.encode()


class RolloutReadError(Exception):
    """The file cannot be resumed; the message says why (the reference's words)."""


@dataclass
class RecordedConversation:
    """What a resume needs of a rollout file."""

    path: Path
    meta: SessionMeta
    """The first ``session_meta``: whose id the conversation keeps."""
    preview: str
    """The first user message ("" when there is none)."""
    response_items: History = field(default_factory=History)
    """The model's history, without the turns rolled back, and compacted
    where a compaction was recorded (kept encoded: see `History`)."""
    event_msgs: list[EventMsg] = field(default_factory=list)
    """The recorded events, shown again when the conversation is resumed
    (empty when they were not asked for)."""
    last_turn_context_line: bytes | None = None

    @property
    def last_turn_context(self) -> TurnContextItem | None:
        if self.last_turn_context_line is None:
            return None
        try:
            record = TurnContextLine.model_validate_json(self.last_turn_context_line, strict=True)
        except ValidationError:
            return None
        return record.payload


EventKinds = bool | frozenset[str]
"""Which recorded events a reader keeps: all (True), none (False), or those
of these kinds."""


def parse_rollout(path: Path, data: bytes, *, events: EventKinds = True) -> RecordedConversation:
    """What a rollout file's content records."""
    return parse_rollout_lines(path, data.split(b"\n"), events=events)


def parse_rollout_lines(
    path: Path, lines: Iterable[bytes], *, events: EventKinds = True
) -> RecordedConversation:
    """What a rollout file's lines record, with the ``events`` asked for."""
    adapter = rollout_line_adapter() if events is not False else history_line_adapter()
    meta: SessionMeta | None = None
    items = History()
    event_msgs: list[EventMsg] = []
    last_context: bytes | None = None
    preview: str | None = None
    empty = True
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        empty = False
        if _ROLLED_BACK in line:
            turns = _rolled_back_turns(line)
            if turns is not None:
                items = drop_last_turns(items, turns)
                continue
        head = _LINE_HEAD.match(line)
        if head is not None:
            kind = head.group(1)
            if kind == b"turn_context":
                last_context = line  # validated if ever used
                continue
            if (
                kind not in _USED_KINDS
                or (kind == b"session_meta" and meta is not None)
                or (
                    kind == b"event_msg"
                    and not _wanted(events, head.group(2))
                    and not (preview is None and head.group(2) in (b"user_message", None))
                )
            ):
                continue
        try:
            record = adapter.validate_json(line, strict=True)
        except ValidationError:
            continue
        if isinstance(record, ResponseItemLine):
            items.append_compact(record.payload)
        elif isinstance(record, CompactedLine):
            compacted = record.payload
            rebuilt = rebuilt_history(items, compacted.message, compacted.replacement_history)
            items = History()
            for item in rebuilt:
                items.append_compact(item)
        elif isinstance(record, EventMsgLine | UserMessageLine):
            event = record.payload
            if preview is None and isinstance(event, UserMessageEvent):
                preview = event.message
            if events is True or (events and event.type in events):
                event_msgs.append(event)
        elif isinstance(record, TurnContextLine):
            last_context = line
        elif isinstance(record, SessionMetaLine) and meta is None:
            meta = record.payload
    if empty:
        raise RolloutReadError("empty session file")
    if meta is None:
        raise RolloutReadError("failed to parse thread ID from rollout file")
    return RecordedConversation(path, meta, preview or "", items, event_msgs, last_context)


def _wanted(events: EventKinds, kind: bytes | None) -> bool:
    """Whether an event of that kind (None: not known yet) may be kept."""
    if isinstance(events, bool):
        return events
    return kind is None or kind.decode() in events


def _rolled_back_turns(line: bytes) -> int | None:
    """The number of turns a ``thread_rolled_back`` event line drops."""
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


def read_rollout(path: Path, *, events: EventKinds = True) -> RecordedConversation:
    """Read and parse a rollout file, a line at a time (a line longer than
    `MAX_ROLLOUT_LINE_BYTES` is skipped), with the ``events`` asked for.
    Blocking."""
    try:
        fd, _ = open_regular(path)
    except OSError as exc:
        raise RolloutReadError(os_error_message(exc)) from None
    try:
        with os.fdopen(fd, "rb") as file, collector_paused():
            return parse_rollout_lines(path, bounded_lines(file), events=events)
    except OSError as exc:
        raise RolloutReadError(os_error_message(exc)) from None
