"""Turning a Chat Completions stream into `ModelEvent`s.

Chunks carry deltas of the assistant's text (``content``), of its reasoning
(``reasoning``, a string or ``{"text"|"content": ...}``, on some providers)
and of tool calls (``tool_calls``: the first delta of a call has its ``id``
and ``name``, the following ones pieces of its ``arguments``; calls are told
apart by ``index``). The response ends at the first ``finish_reason``, at
``data: [DONE]`` or when the body ends; then the assembled items come out:
the reasoning, the assistant message, the function calls in index order,
then `Completed`.

By default the deltas are not forwarded (only the assembled items), which is
what the reference does for Chat Completions; ``stream_deltas=True``
forwards them as they come.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app_server_protocol.items import (
    ContentItemOutputText,
    ReasoningItemContentReasoningText,
    ResponseItemFunctionCall,
    ResponseItemMessage,
    ResponseItemReasoning,
)

from ..logs import log
from .events import Completed, ModelEvent, OutputItemDone, OutputTextDelta, ReasoningContentDelta


@dataclass
class _ToolCall:
    call_id: str = ""
    name: str = ""
    arguments: str = ""


class ChatStreamParser:
    """One chat response's chunks, in order. `done` turns True once it is complete."""

    def __init__(self, *, stream_deltas: bool = False) -> None:
        self.stream_deltas = stream_deltas
        self.done = False
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._calls: dict[int, _ToolCall] = {}

    def feed(self, data: str) -> list[ModelEvent]:
        """The events this chunk gives (the assembled items once it is the last)."""
        if data.strip() == "[DONE]":
            return self.finish()
        try:
            chunk = json.loads(data)
        except ValueError:
            log.debug("skipping a chat chunk that is not JSON: %.200s", data)
            return []
        choices = chunk.get("choices") if isinstance(chunk, dict) else None
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            return []
        choice = choices[0]
        events: list[ModelEvent] = []
        delta = choice.get("delta")
        if isinstance(delta, dict):
            content = delta.get("content")
            if isinstance(content, str) and content:
                self._text.append(content)
                if self.stream_deltas:
                    events.append(OutputTextDelta(content))
            self._add_reasoning(delta.get("reasoning"), events)
            tool_calls = delta.get("tool_calls")
            if isinstance(tool_calls, list):
                for call in tool_calls:
                    if isinstance(call, dict):
                        self._add_tool_call(call)
        message = choice.get("message")
        if isinstance(message, dict):
            self._add_reasoning(message.get("reasoning"), events)
        if choice.get("finish_reason") is not None:
            events += self.finish()
        return events

    def finish(self) -> list[ModelEvent]:
        """The assembled items and `Completed` (once; nothing after that)."""
        if self.done:
            return []
        self.done = True
        events: list[ModelEvent] = []
        if self._reasoning:
            text = "".join(self._reasoning)
            reasoning = ResponseItemReasoning(
                summary=[], content=[ReasoningItemContentReasoningText(text=text)]
            )
            events.append(OutputItemDone(reasoning))
        if self._text:
            message = ResponseItemMessage(
                role="assistant", content=[ContentItemOutputText(text="".join(self._text))]
            )
            events.append(OutputItemDone(message))
        for index in sorted(self._calls):
            call = self._calls[index]
            events.append(
                OutputItemDone(
                    ResponseItemFunctionCall(
                        name=call.name, arguments=call.arguments, call_id=call.call_id
                    )
                )
            )
        events.append(Completed(response_id="", token_usage=None))
        return events

    def _add_reasoning(self, value: Any, events: list[ModelEvent]) -> None:
        if isinstance(value, dict):
            value = value.get("text") or value.get("content")
        if isinstance(value, str) and value:
            self._reasoning.append(value)
            if self.stream_deltas:
                events.append(ReasoningContentDelta(value))

    def _add_tool_call(self, delta: dict[str, Any]) -> None:
        index = delta.get("index")
        call = self._calls.setdefault(index if isinstance(index, int) else 0, _ToolCall())
        call_id = delta.get("id")
        if isinstance(call_id, str) and call_id and not call.call_id:
            call.call_id = call_id
        function = delta.get("function")
        if isinstance(function, dict):
            name = function.get("name")
            if isinstance(name, str) and name and not call.name:
                call.name = name
            arguments = function.get("arguments")
            if isinstance(arguments, str):
                call.arguments += arguments
