"""The tools of a turn, by name; every call goes through `ToolRegistry.call`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ...logs import log
from .base import JsonObject, Tool, ToolCall, ToolResult

if TYPE_CHECKING:
    from ..turn import TurnScope


class ToolRegistry:
    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools = {tool.name: tool for tool in tools}

    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self, scope: TurnScope) -> list[JsonObject]:
        return [tool.spec(scope) for tool in self._tools.values()]

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        """Run a call; an unknown tool or a failing one gives the model an error
        result it can read, never an exception."""
        tool = self._tools.get(call.name)
        if tool is None:
            return ToolResult(f"unsupported call: {call.name}", success=False)
        try:
            return await tool.call(call, scope)
        except Exception as exc:
            log.exception("tool %s failed", call.name)
            return ToolResult(f"{call.name} failed: {exc}", success=False)
