"""`request_user_input`: questions to the user, which Codex 0.107.0 only puts
in Plan mode. The daemon's turns all run in the default collaboration mode,
so a call gets the answer the reference gives there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..tool_specs import REQUEST_USER_INPUT
from .base import JsonObject, ToolCall, ToolResult

if TYPE_CHECKING:
    from ..scope import TurnScope

UNAVAILABLE: str = "request_user_input is unavailable in Default mode"


class RequestUserInputTool:
    name = "request_user_input"

    def spec(self, scope: TurnScope) -> JsonObject:
        return REQUEST_USER_INPUT

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        return ToolResult(UNAVAILABLE, success=False)
