"""The turns of a plain recorded thread as wire JSON, with the standard
library only, for the early stage's `thread/read` (see `app_server.early`).

"Plain" means turns of text messages only: ``task_started`` /
``task_complete`` (or ``turn_*``), ``user_message`` without images or text
elements, ``agent_message`` without a phase. Anything else that
`thread_history` turns into items or statuses (reasoning, tools, errors,
aborts, rollbacks, compactions) makes `plain_turns` give up (None), and the
full server, with `thread_history`, answers. The rules below are those of
`thread_history.ThreadHistoryBuilder` for the events they share; a test
checks that both give the same turns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from .ids import uuid7

#: Every event type `thread_history` reads (a test checks it against its table).
HISTORY_EVENT_TYPES: Final = frozenset(
    {
        "task_started",
        "turn_started",
        "task_complete",
        "turn_complete",
        "turn_aborted",
        "error",
        "thread_rolled_back",
        "user_message",
        "agent_message",
        "agent_reasoning",
        "agent_reasoning_raw_content",
        "exec_command_end",
        "patch_apply_end",
        "mcp_tool_call_end",
        "web_search_end",
        "view_image_tool_call",
        "context_compacted",
        "entered_review_mode",
        "exited_review_mode",
    }
)
#: The kinds of rollout lines `thread_history` reads (``feed_line``).
HISTORY_LINE_KINDS: Final = frozenset({"event_msg", "compacted"})
_STARTED: Final = frozenset({"task_started", "turn_started"})
_COMPLETED: Final = frozenset({"task_complete", "turn_complete"})


class _NotPlain(Exception):
    """The thread holds what only `thread_history` can render."""


class _Turn:
    __slots__ = ("explicit", "id", "items", "status")

    def __init__(self, turn_id: str, status: str, explicit: bool) -> None:
        self.id = turn_id
        self.items: list[dict[str, Any]] = []
        self.status = status
        self.explicit = explicit

    def wire(self) -> dict[str, Any]:
        return {"id": self.id, "items": self.items, "status": self.status, "error": None}


class _Builder:
    def __init__(self) -> None:
        self.turns: list[_Turn] = []
        self.current: _Turn | None = None
        self.next_item = 1

    def feed(self, record: Mapping[str, Any]) -> None:
        payload = record.get("payload")
        if not isinstance(payload, dict):
            return
        kind = record.get("type")
        if kind == "compacted":
            raise _NotPlain
        if kind != "event_msg":
            return
        event_type = str(payload.get("type"))
        if event_type not in HISTORY_EVENT_TYPES:
            return
        if event_type in _STARTED:
            self._started(payload)
        elif event_type in _COMPLETED:
            self._completed(payload)
        elif event_type == "user_message":
            self._user_message(payload)
        elif event_type == "agent_message":
            self._agent_message(payload)
        else:
            raise _NotPlain

    def finish(self) -> list[dict[str, Any]]:
        self._finish_current()
        return [turn.wire() for turn in self.turns]

    def _finish_current(self) -> None:
        turn, self.current = self.current, None
        if turn is not None and (turn.items or turn.explicit):
            self.turns.append(turn)

    def _ensure_turn(self) -> _Turn:
        if self.current is None:
            self.current = _Turn(str(uuid7()), "completed", explicit=False)
        return self.current

    def _by_id(self, turn_id: object) -> _Turn | None:
        if not isinstance(turn_id, str) or not turn_id:
            return None
        if self.current is not None and self.current.id == turn_id:
            return self.current
        for turn in self.turns:
            if turn.id == turn_id:
                return turn
        return None

    def _item_id(self) -> str:
        item_id = f"item-{self.next_item}"
        self.next_item += 1
        return item_id

    def _started(self, event: Mapping[str, Any]) -> None:
        self._finish_current()
        turn_id = event.get("turn_id")
        if not isinstance(turn_id, str) or not turn_id:
            turn_id = str(uuid7())
        self.current = _Turn(turn_id, "inProgress", explicit=True)

    def _completed(self, event: Mapping[str, Any]) -> None:
        turn = self._by_id(event.get("turn_id")) or self.current
        if turn is None:
            return
        # Only completed and in-progress turns exist here (no abort, no error).
        turn.status = "completed"
        if turn is self.current:
            self._finish_current()

    def _user_message(self, event: Mapping[str, Any]) -> None:
        if "message" not in event:
            return
        message = event["message"]
        if not isinstance(message, str):
            return
        if event.get("text_elements") or event.get("images") or event.get("local_images"):
            raise _NotPlain
        if self.current is not None and not self.current.explicit:
            self._finish_current()
        turn = self._ensure_turn()
        content = (
            [{"type": "text", "text": message, "text_elements": []}] if message.strip() else []
        )
        turn.items.append({"type": "userMessage", "id": self._item_id(), "content": content})

    def _agent_message(self, event: Mapping[str, Any]) -> None:
        if "message" not in event:
            return
        text = event["message"]
        if not isinstance(text, str) or not text:
            return
        if event.get("phase") is not None:
            raise _NotPlain
        item = {"type": "agentMessage", "id": self._item_id(), "text": text, "phase": None}
        self._ensure_turn().items.append(item)


def plain_turns(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]] | None:
    """The wire turns of a thread's rollout lines (parsed JSON objects), or
    None when the thread is not plain."""
    builder = _Builder()
    try:
        for record in records:
            builder.feed(record)
    except _NotPlain:
        return None
    return builder.finish()
