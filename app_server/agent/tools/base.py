"""What every tool shares: the call as the model made it, the result the model
reads back, and the interface a tool implements."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from app_server_protocol.items import (
    FunctionCallOutputContentItem,
    FunctionCallOutputPayload,
    ResponseItem,
    ResponseItemCustomToolCall,
    ResponseItemCustomToolCallOutput,
    ResponseItemFunctionCall,
    ResponseItemFunctionCallOutput,
    ResponseItemLocalShellCall,
)

if TYPE_CHECKING:
    from pydantic import ValidationError

    from ..scope import TurnScope

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    """One call the model made."""

    call_id: str
    name: str
    arguments: str
    """The JSON text of a function call's arguments, or a free-form tool's input."""
    freeform: bool = False
    """A free-form (custom) tool call: its output is a plain custom_tool_call_output."""
    local_shell: ResponseItemLocalShellCall | None = None
    """The provider's built-in local shell call, when that is what the model used."""

    @classmethod
    def from_item(cls, item: ResponseItem) -> ToolCall | None:
        """The call an output item asks for, or None when it is not a call."""
        if isinstance(item, ResponseItemFunctionCall):
            return cls(item.call_id, item.name, item.arguments)
        if isinstance(item, ResponseItemCustomToolCall):
            return cls(item.call_id, item.name, item.input, freeform=True)
        if isinstance(item, ResponseItemLocalShellCall):
            call_id = item.call_id or item.id or ""
            return cls(call_id, "local_shell", "", local_shell=item)
        return None

    def output(self, result: ToolResult) -> ResponseItem:
        """The item that gives the model the call's result."""
        if self.freeform:
            return ResponseItemCustomToolCallOutput(call_id=self.call_id, output=result.output)
        return ResponseItemFunctionCallOutput(
            call_id=self.call_id,
            output=FunctionCallOutputPayload(
                body=result.output if result.content_items is None else result.content_items,
                success=result.success,
            ),
        )


@dataclass(frozen=True)
class ToolResult:
    """What the model reads back."""

    output: str
    success: bool | None = None
    content_items: list[FunctionCallOutputContentItem] | None = None
    """The output as text and images, when it has images (what the model then gets)."""
    follow_up: tuple[ResponseItem, ...] = ()
    """Items to add to the conversation after the output (an attached image, ...)."""


class Tool(Protocol):
    """A tool the model may call."""

    @property
    def name(self) -> str: ...

    def spec(self, scope: TurnScope) -> JsonObject:
        """The tool's description for the model (Responses API shape)."""
        ...

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        """Run the call. Failures the model should know about are results, not
        exceptions; an exception is reported to the model as a failure."""
        ...


def bad_arguments(problem: str) -> ToolResult:
    """What the model reads when a call's arguments do not parse."""
    return ToolResult(f"failed to parse function arguments: {problem}", success=False)


def describe_arguments_error(error: ValidationError) -> str:
    """The first problem with the arguments, in a sentence."""
    first = error.errors(include_url=False)[0]
    kind, where = first["type"], ".".join(str(part) for part in first["loc"])
    if kind == "json_invalid":
        return f"invalid JSON: {first['ctx'].get('error', first['msg'])}"
    if kind == "missing":
        return f"missing field `{where}`"
    if kind == "model_type":
        return f"invalid type: {_json_kind(first['input'])}, expected an object"
    return f"invalid value for `{where}`: {first['msg']}"


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{json.dumps(value)}`"
    if isinstance(value, int | float):
        return f"number `{value}`"
    if isinstance(value, str):
        return f"string {json.dumps(value)}"
    return "an array" if isinstance(value, list) else "a value"
