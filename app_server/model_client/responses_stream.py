"""Turning the Responses API's SSE events into `ModelEvent`s.

Each event's ``data`` is a JSON object whose ``type`` says what it is (the
SSE ``event:`` name is not needed). Unknown types, and data that is not a
JSON object with a ``type``, are skipped.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from app_server_protocol.items import ResponseItem
from app_server_protocol.usage import TokenUsage

from ..logs import log
from .errors import CLOSED_EARLY_REASON, ContextWindowExceeded, ModelError, StreamDisconnected
from .events import (
    Completed,
    Created,
    ModelEvent,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    ReasoningContentDelta,
    ReasoningSummaryDelta,
    ReasoningSummaryPartAdded,
)
from .retry import retry_hint_in_message

_item_adapter: TypeAdapter[ResponseItem] | None = None

_DELTAS: dict[str, type[OutputTextDelta | ReasoningSummaryDelta | ReasoningContentDelta]] = {
    "response.output_text.delta": OutputTextDelta,
    "response.reasoning_summary_text.delta": ReasoningSummaryDelta,
    "response.reasoning_text.delta": ReasoningContentDelta,
}


class ResponsesStreamParser:
    """One response's events, in order. `done` turns True at ``response.completed``."""

    def __init__(self) -> None:
        self.done = False

    def feed(self, data: str) -> list[ModelEvent]:
        """The event ``data`` stands for, if any; raises `ModelError` when the
        response failed."""
        event = self._event(data)
        return [] if event is None else [event]

    def finish(self) -> list[ModelEvent]:
        """The body ended: fine after ``response.completed``, an error otherwise."""
        if not self.done:
            raise StreamDisconnected(CLOSED_EARLY_REASON)
        return []

    def _event(self, data: str) -> ModelEvent | None:
        try:
            event = json.loads(data)
        except ValueError:
            log.debug("skipping an SSE event that is not JSON: %.200s", data)
            return None
        if not isinstance(event, dict):
            return None
        kind = event.get("type")
        delta_type = _DELTAS.get(kind) if isinstance(kind, str) else None
        if delta_type is not None:
            delta = event.get("delta")
            return delta_type(delta) if isinstance(delta, str) else None
        if kind in ("response.output_item.done", "response.output_item.added"):
            item = _response_item(event.get("item"))
            if item is None:
                return None
            return (
                OutputItemDone(item)
                if kind == "response.output_item.done"
                else (OutputItemAdded(item))
            )
        if kind == "response.reasoning_summary_part.added":
            item_id, index = event.get("item_id"), event.get("summary_index")
            return ReasoningSummaryPartAdded(
                item_id if isinstance(item_id, str) else "",
                index if type(index) is int else 0,
            )
        if kind == "response.created":
            return Created() if event.get("response") is not None else None
        if kind == "response.completed":
            self.done = True
            return _completed(event.get("response"))
        if kind == "response.failed":
            response = event.get("response")
            if response is not None:
                raise _failure(response)
            return None
        if kind == "response.incomplete":
            raise _incomplete(event.get("response"))
        return None


def item_adapter() -> TypeAdapter[ResponseItem]:
    """The validator of the output items a model streams (made on first use)."""
    global _item_adapter
    if _item_adapter is None:
        _item_adapter = TypeAdapter(ResponseItem)
    return _item_adapter


def _response_item(value: Any) -> ResponseItem | None:
    if not isinstance(value, dict):
        return None
    try:
        return item_adapter().validate_python(value)
    except ValidationError as error:
        log.debug("skipping an output item that does not parse: %s", error)
        return None


def _completed(response: Any) -> Completed:
    if not isinstance(response, dict):
        response = {}
    response_id = response.get("id")
    return Completed(
        response_id=response_id if isinstance(response_id, str) else "",
        token_usage=_token_usage(response.get("usage")),
    )


def _token_usage(usage: Any) -> TokenUsage | None:
    if not isinstance(usage, dict):
        return None
    counts = [usage.get("input_tokens"), usage.get("output_tokens"), usage.get("total_tokens")]
    if not all(_is_int(count) for count in counts):
        log.warning("ignoring the usage of a response: it does not parse")
        return None
    return TokenUsage(
        input_tokens=usage["input_tokens"],
        cached_input_tokens=_detail(usage, "input_tokens_details", "cached_tokens"),
        output_tokens=usage["output_tokens"],
        reasoning_output_tokens=_detail(usage, "output_tokens_details", "reasoning_tokens"),
        total_tokens=usage["total_tokens"],
    )


def _detail(usage: dict[str, Any], group: str, name: str) -> int:
    details = usage.get(group)
    value: Any = details.get(name) if isinstance(details, dict) else None
    return int(value) if _is_int(value) else 0


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _failure(response: Any) -> ModelError:
    error = response.get("error") if isinstance(response, dict) else None
    if error is None:
        return StreamDisconnected("response.failed event received")
    if not isinstance(error, dict):
        return StreamDisconnected("failed to parse ErrorResponse: the error is not an object")
    code = error.get("code")
    message = error.get("message")
    code = code if isinstance(code, str) else None
    message = message if isinstance(message, str) else ""
    if code == "context_length_exceeded":
        return ContextWindowExceeded()
    return StreamDisconnected(message, retry_after=retry_hint_in_message(code, message))


def _incomplete(response: Any) -> ModelError:
    reason = None
    if isinstance(response, dict) and isinstance(response.get("incomplete_details"), dict):
        reason = response["incomplete_details"].get("reason")
    return StreamDisconnected(f"Incomplete response returned, reason: {reason or 'unknown'}")
