"""The turns of a recorded thread, rebuilt from its rollout lines.

This is what 0.107.0's `thread/read` (with `includeTurns`), `thread/resume`,
`thread/fork` and `thread/rollback` return as `Thread.turns`. The rules are
the reference's, checked against its binary:

* a ``task_started`` event opens a turn with its ``turn_id`` (status in
  progress until ``task_complete``); a ``user_message`` outside an explicitly
  opened turn starts a new implicit turn (a fresh UUID v7 id, completed);
* items come from events, not from response items: ``user_message``,
  ``agent_message``, ``agent_reasoning`` / ``agent_reasoning_raw_content``
  (consecutive ones merge into one reasoning item), and the ``*_end`` events
  of commands, patches, MCP calls and web searches when the rollout holds
  them; ``context_compacted`` gives a compaction item;
* items made from messages are numbered ``item-1``, ``item-2``... across the
  whole thread; tool items keep their call id;
* ``turn_aborted`` marks a turn interrupted, ``error`` marks it failed,
  ``thread_rolled_back`` drops the last N turns;
* an implicit turn left without items is dropped.

Lines are read as plain JSON (both our rollouts and 0.107.0's, whose event
shapes differ in details); a payload that lacks what an item needs is skipped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from pydantic import TypeAdapter, ValidationError

from app_server_protocol.v2.items import (
    CommandAction,
    CommandExecutionStatus,
    FileUpdateChange,
    McpToolCallError,
    McpToolCallResult,
    McpToolCallStatus,
    PatchApplyStatus,
    PatchChangeKindAdd,
    PatchChangeKindDelete,
    PatchChangeKindUpdate,
    ThreadItem,
    ThreadItemAgentMessage,
    ThreadItemCommandExecution,
    ThreadItemContextCompaction,
    ThreadItemEnteredReviewMode,
    ThreadItemExitedReviewMode,
    ThreadItemFileChange,
    ThreadItemImageView,
    ThreadItemMcpToolCall,
    ThreadItemReasoning,
    ThreadItemUserMessage,
    ThreadItemWebSearch,
    UserInput,
    UserInputImage,
    UserInputLocalImage,
    UserInputText,
)
from app_server_protocol.v2.turns import Turn, TurnError, TurnStatus

from ..tools.shell_syntax import join_words
from .ids import uuid7
from .v2_errors import turn_error

_COMMAND_ACTION: Final[TypeAdapter[CommandAction]] = TypeAdapter(CommandAction)
_EXEC_STATUS: Final = {
    "completed": CommandExecutionStatus.COMPLETED,
    "failed": CommandExecutionStatus.FAILED,
    "declined": CommandExecutionStatus.DECLINED,
}


class _PendingTurn:
    __slots__ = ("error", "explicit", "id", "items", "status")

    def __init__(self, turn_id: str, status: TurnStatus, explicit: bool) -> None:
        self.id = turn_id
        self.items: list[ThreadItem] = []
        self.status = status
        self.error: TurnError | None = None
        self.explicit = explicit

    @property
    def item_count(self) -> int:
        return len(self.items)

    def to_turn(self) -> Turn:
        return Turn(id=self.id, items=list(self.items), status=self.status, error=self.error)

    @classmethod
    def of_turn(cls, turn: Turn, explicit: bool) -> _PendingTurn:
        pending = cls(turn.id, turn.status, explicit)
        pending.items = list(turn.items)
        pending.error = turn.error
        return pending


class _EncodedTurn:
    """A finished turn kept as its JSON (see `ThreadHistoryBuilder`)."""

    __slots__ = ("data", "explicit", "id", "item_count")

    def __init__(self, turn: _PendingTurn, data: bytes) -> None:
        self.id = turn.id
        self.explicit = turn.explicit
        self.item_count = len(turn.items)
        self.data = data


#: Finished turns kept as models (the last ones, which later lines most
#: likely change) when the others are encoded as they go.
_RECENT_TURNS: Final = 2


class ThreadHistoryBuilder:
    """Feed it rollout lines (parsed JSON objects) in order; `finish` gives the turns.

    Given ``encode`` (and ``decode``, its inverse), the builder keeps the
    finished turns (but the last few) as their JSON, and `finish_encoded`
    gives the JSON array of all of them: a long thread's turns are then
    never all in memory as models at once. A later line that changes an
    encoded turn (rare: its late end, or an item of it) decodes it again.
    """

    def __init__(
        self,
        encode: Callable[[Turn], bytes] | None = None,
        decode: Callable[[bytes], Turn] | None = None,
    ) -> None:
        self._turns: list[_PendingTurn | _EncodedTurn] = []
        self._current: _PendingTurn | None = None
        self._next_item = 1
        self._encode = encode
        self._decode = decode
        self._encoded = 0
        """How many of the first turns were encoded (some may be decoded since)."""

    # -- feeding ----------------------------------------------------------------

    def feed_line(self, record: Mapping[str, Any]) -> None:
        kind = record.get("type")
        payload = record.get("payload")
        if not isinstance(payload, dict):
            return
        if kind == "event_msg":
            self.feed_event(payload)
        elif kind == "compacted":
            self._ensure_turn()

    def feed_event(self, event: Mapping[str, Any]) -> None:
        handler = _HANDLERS.get(str(event.get("type")))
        if handler is not None:
            # A payload without what its item needs gives no item.
            with contextlib.suppress(KeyError, TypeError, ValueError, ValidationError):
                handler(self, event)

    def finish(self) -> list[Turn]:
        self._finish_current()
        return [self._pending(index).to_turn() for index in range(len(self._turns))]

    def finish_encoded(self) -> bytes:
        """The turns as a JSON array, each written by ``encode``."""
        encode = self._encode
        assert encode is not None
        self._finish_current()
        parts = [
            turn.data if isinstance(turn, _EncodedTurn) else encode(turn.to_turn())
            for turn in self._turns
        ]
        return b"[" + b",".join(parts) + b"]"

    # -- turns --------------------------------------------------------------------

    def _finish_current(self) -> None:
        turn = self._current
        self._current = None
        if turn is not None and (turn.items or turn.explicit):
            self._turns.append(turn)
            self._encode_older()

    def _encode_older(self) -> None:
        encode = self._encode
        if encode is None:
            return
        while len(self._turns) - self._encoded > _RECENT_TURNS:
            turn = self._turns[self._encoded]
            if isinstance(turn, _PendingTurn):
                self._turns[self._encoded] = _EncodedTurn(turn, encode(turn.to_turn()))
            self._encoded += 1

    def _pending(self, index: int) -> _PendingTurn:
        """The turn at ``index``, decoded again if it was encoded."""
        turn = self._turns[index]
        if isinstance(turn, _EncodedTurn):
            assert self._decode is not None
            turn = _PendingTurn.of_turn(self._decode(turn.data), turn.explicit)
            self._turns[index] = turn
        return turn

    def _ensure_turn(self) -> _PendingTurn:
        if self._current is None:
            self._current = _PendingTurn(str(uuid7()), TurnStatus.COMPLETED, explicit=False)
        return self._current

    def _turn_by_id(self, turn_id: object) -> _PendingTurn | None:
        if not isinstance(turn_id, str) or not turn_id:
            return None
        if self._current is not None and self._current.id == turn_id:
            return self._current
        for index, turn in enumerate(self._turns):
            if turn.id == turn_id:
                return self._pending(index)
        return None

    def _item_id(self) -> str:
        item_id = f"item-{self._next_item}"
        self._next_item += 1
        return item_id

    def _upsert(self, item: ThreadItem, turn_id: object = None) -> None:
        turn = self._turn_by_id(turn_id) or self._ensure_turn()
        for index, existing in enumerate(turn.items):
            if existing.id == item.id:
                turn.items[index] = item
                return
        turn.items.append(item)

    # -- events -------------------------------------------------------------------

    def _task_started(self, event: Mapping[str, Any]) -> None:
        self._finish_current()
        turn_id = event.get("turn_id")
        if not isinstance(turn_id, str) or not turn_id:
            turn_id = str(uuid7())
        self._current = _PendingTurn(turn_id, TurnStatus.IN_PROGRESS, explicit=True)

    def _task_complete(self, event: Mapping[str, Any]) -> None:
        turn = self._turn_by_id(event.get("turn_id"))
        if turn is None:
            turn = self._current
        if turn is None:
            return
        if turn.status in (TurnStatus.COMPLETED, TurnStatus.IN_PROGRESS):
            turn.status = TurnStatus.COMPLETED
        if turn is self._current:
            self._finish_current()

    def _turn_aborted(self, event: Mapping[str, Any]) -> None:
        turn = self._turn_by_id(event.get("turn_id")) or self._current
        if turn is not None:
            turn.status = TurnStatus.INTERRUPTED
        if turn is not None and turn is self._current and not turn.explicit:
            self._finish_current()

    def _error(self, event: Mapping[str, Any]) -> None:
        turn = self._current
        if turn is None:
            return
        turn.status = TurnStatus.FAILED
        info = event.get("codex_error_info")
        turn.error = turn_error(str(event["message"]), info)

    def _rolled_back(self, event: Mapping[str, Any]) -> None:
        self._finish_current()
        count = event["num_turns"]
        if not isinstance(count, int) or count < 0:
            return
        del self._turns[max(0, len(self._turns) - count) :]
        self._encoded = min(self._encoded, len(self._turns))
        self._next_item = 1 + sum(turn.item_count for turn in self._turns)

    def _user_message(self, event: Mapping[str, Any]) -> None:
        message = event["message"]
        if not isinstance(message, str):
            return
        if self._current is not None and not self._current.explicit:
            self._finish_current()
        turn = self._ensure_turn()
        content: list[UserInput] = []
        if message.strip():
            elements = event.get("text_elements") or []
            content.append(
                UserInputText.model_validate({"text": message, "text_elements": elements})
            )
        for url in event.get("images") or []:
            content.append(UserInputImage(url=str(url)))
        for path in event.get("local_images") or []:
            content.append(UserInputLocalImage(path=str(path)))
        turn.items.append(ThreadItemUserMessage(id=self._item_id(), content=content))

    def _agent_message(self, event: Mapping[str, Any]) -> None:
        text = event["message"]
        if not isinstance(text, str) or not text:
            return
        item = ThreadItemAgentMessage.model_validate(
            {"id": self._item_id(), "text": text, "phase": event.get("phase")}
        )
        self._ensure_turn().items.append(item)

    def _reasoning(self, event: Mapping[str, Any], *, raw: bool) -> None:
        text = event["text"]
        if not isinstance(text, str) or not text:
            return
        turn = self._ensure_turn()
        last = turn.items[-1] if turn.items else None
        if isinstance(last, ThreadItemReasoning):
            (last.content if raw else last.summary).append(text)
            return
        item = ThreadItemReasoning(
            id=self._item_id(), summary=[] if raw else [text], content=[text] if raw else []
        )
        turn.items.append(item)

    def _exec_end(self, event: Mapping[str, Any]) -> None:
        command = [str(part) for part in event["command"]]
        output = event.get("aggregated_output") or ""
        exit_code = event.get("exit_code")
        status = _EXEC_STATUS.get(str(event.get("status")))
        if status is None:
            status = (
                CommandExecutionStatus.COMPLETED
                if exit_code == 0
                else CommandExecutionStatus.FAILED
            )
        item = ThreadItemCommandExecution(
            id=str(event["call_id"]),
            command=join_words(command),
            cwd=str(event.get("cwd") or ""),
            process_id=event.get("process_id"),
            status=status,
            command_actions=_command_actions(event.get("parsed_cmd")),
            aggregated_output=output or None,
            exit_code=exit_code if isinstance(exit_code, int) else None,
            duration_ms=_duration_ms(event.get("duration")),
        )
        self._upsert(item, event.get("turn_id"))

    def _patch_end(self, event: Mapping[str, Any]) -> None:
        success = event.get("success")
        status = event.get("status")
        if status in ("completed", "failed", "declined"):
            patch_status = PatchApplyStatus(status)
        else:
            patch_status = PatchApplyStatus.COMPLETED if success else PatchApplyStatus.FAILED
        item = ThreadItemFileChange(
            id=str(event["call_id"]),
            changes=_patch_changes(event.get("changes") or {}),
            status=patch_status,
        )
        self._upsert(item, event.get("turn_id"))

    def _mcp_end(self, event: Mapping[str, Any]) -> None:
        invocation = event["invocation"]
        outcome = event.get("result")
        result: McpToolCallResult | None = None
        error: McpToolCallError | None = None
        ok = False
        if isinstance(outcome, dict) and "Ok" in outcome:
            value = outcome["Ok"]
            result = McpToolCallResult(
                content=list(value.get("content") or []),
                structured_content=value.get("structured_content", value.get("structuredContent")),
            )
            ok = not value.get("is_error", value.get("isError", False))
        elif isinstance(outcome, dict) and "Err" in outcome:
            error = McpToolCallError(message=str(outcome["Err"]))
        item = ThreadItemMcpToolCall(
            id=str(event["call_id"]),
            server=str(invocation["server"]),
            tool=str(invocation["tool"]),
            status=McpToolCallStatus.COMPLETED if ok else McpToolCallStatus.FAILED,
            arguments=invocation.get("arguments"),
            result=result,
            error=error,
            duration_ms=_duration_ms(event.get("duration")),
        )
        self._upsert(item)

    def _web_search_end(self, event: Mapping[str, Any]) -> None:
        item = ThreadItemWebSearch.model_validate(
            {
                "id": str(event["call_id"]),
                "query": str(event["query"]),
                "action": event.get("action"),
            }
        )
        self._upsert(item)

    def _view_image(self, event: Mapping[str, Any]) -> None:
        self._upsert(ThreadItemImageView(id=str(event["call_id"]), path=str(event["path"])))

    def _compacted(self, event: Mapping[str, Any]) -> None:
        self._ensure_turn().items.append(ThreadItemContextCompaction(id=self._item_id()))

    def _entered_review(self, event: Mapping[str, Any]) -> None:
        hint = event.get("user_facing_hint") or ""
        item = ThreadItemEnteredReviewMode(id=self._item_id(), review=str(hint))
        self._ensure_turn().items.append(item)

    def _exited_review(self, event: Mapping[str, Any]) -> None:
        output = event.get("review_output")
        text = ""
        if isinstance(output, dict):
            text = str(output.get("overall_explanation") or "").strip()
        item = ThreadItemExitedReviewMode(
            id=self._item_id(), review=text or "Reviewer failed to output a response."
        )
        self._ensure_turn().items.append(item)


_HANDLERS: Final[dict[str, Any]] = {
    "task_started": ThreadHistoryBuilder._task_started,
    "turn_started": ThreadHistoryBuilder._task_started,
    "task_complete": ThreadHistoryBuilder._task_complete,
    "turn_complete": ThreadHistoryBuilder._task_complete,
    "turn_aborted": ThreadHistoryBuilder._turn_aborted,
    "error": ThreadHistoryBuilder._error,
    "thread_rolled_back": ThreadHistoryBuilder._rolled_back,
    "user_message": ThreadHistoryBuilder._user_message,
    "agent_message": ThreadHistoryBuilder._agent_message,
    "agent_reasoning": lambda self, event: self._reasoning(event, raw=False),
    "agent_reasoning_raw_content": lambda self, event: self._reasoning(event, raw=True),
    "exec_command_end": ThreadHistoryBuilder._exec_end,
    "patch_apply_end": ThreadHistoryBuilder._patch_end,
    "mcp_tool_call_end": ThreadHistoryBuilder._mcp_end,
    "web_search_end": ThreadHistoryBuilder._web_search_end,
    "view_image_tool_call": ThreadHistoryBuilder._view_image,
    "context_compacted": ThreadHistoryBuilder._compacted,
    "entered_review_mode": ThreadHistoryBuilder._entered_review,
    "exited_review_mode": ThreadHistoryBuilder._exited_review,
}


def build_turns(records: Iterable[Mapping[str, Any]]) -> list[Turn]:
    """The turns of a thread from its rollout lines (parsed JSON objects), in order."""
    builder = ThreadHistoryBuilder()
    for record in records:
        builder.feed_line(record)
    return builder.finish()


def _duration_ms(value: object) -> int | None:
    """A duration as the reference serialises it (``{"secs", "nanos"}``), or
    a number of milliseconds."""
    if isinstance(value, dict):
        secs = value.get("secs", 0)
        nanos = value.get("nanos", 0)
        if isinstance(secs, int) and isinstance(nanos, int):
            return secs * 1000 + nanos // 1_000_000
        return None
    if isinstance(value, int):
        return value
    return None


_ACTION_TYPES: Final = {
    "read": "read",
    "list_files": "listFiles",
    "search": "search",
    "unknown": "unknown",
}


def _command_actions(parsed: object) -> list[CommandAction]:
    """The v2 reading of a command's parts (``parsed_cmd`` of the rollout)."""
    if not isinstance(parsed, list):
        return []
    actions: list[CommandAction] = []
    for part in parsed:
        if not isinstance(part, dict):
            continue
        kind = _ACTION_TYPES.get(str(part.get("type")), "unknown")
        fields = {k: v for k, v in part.items() if k not in ("type", "cmd")}
        value = {"type": kind, "command": str(part.get("cmd", "")), **fields}
        if kind == "unknown":
            value = {"type": kind, "command": value["command"]}
        actions.append(_COMMAND_ACTION.validate_python(value))
    return actions


def _patch_changes(changes: object) -> list[FileUpdateChange]:
    if not isinstance(changes, dict):
        return []
    converted: list[FileUpdateChange] = []
    for path, change in changes.items():
        if not isinstance(change, dict):
            continue
        kind = change.get("type")
        if kind == "add" or "add" in change:
            body = change.get("add", change)
            converted.append(
                FileUpdateChange(
                    path=str(path), kind=PatchChangeKindAdd(), diff=str(body.get("content", ""))
                )
            )
        elif kind == "delete" or "delete" in change:
            body = change.get("delete", change)
            converted.append(
                FileUpdateChange(
                    path=str(path), kind=PatchChangeKindDelete(), diff=str(body.get("content", ""))
                )
            )
        else:
            body = change.get("update", change)
            move_path = body.get("move_path")
            diff = str(body.get("unified_diff", ""))
            if move_path:
                diff = f"{diff}\n\nMoved to: {move_path}"
            converted.append(
                FileUpdateChange(
                    path=str(path), kind=PatchChangeKindUpdate(move_path=move_path), diff=diff
                )
            )
    converted.sort(key=lambda change: change.path)
    return converted
