"""The tools of a turn, by name; every call goes through `ToolRegistry.call`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ...logs import log
from .base import JsonObject, Tool, ToolCall, ToolResult

if TYPE_CHECKING:
    from ..scope import TurnScope


class ToolRegistry:
    def __init__(self, tools: Iterable[Tool], *, unlisted: Iterable[Tool] = ()) -> None:
        """``tools`` are offered to the model; ``unlisted`` ones are not, but
        their calls are answered too (the provider's built-in ``local_shell``
        when the model was offered the ``shell`` function, for instance)."""
        self._offered = [tool.name for tool in tools]
        self._tools = {tool.name: tool for tool in unlisted}
        self._tools.update((tool.name, tool) for tool in tools)

    def specs(self, scope: TurnScope) -> list[JsonObject]:
        return [self._tools[name].spec(scope) for name in self._offered]

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        """Run a call; an unknown tool or a failing one gives the model an error
        result it can read, never an exception."""
        events = scope.host.telemetry
        if events is None:
            return await self._call(call, scope)
        started = events.tool_started(call.call_id, call.name)
        result = await self._call(call, scope)
        # A tool that does not say (None) succeeded: it returned normally.
        success = result.success is not False
        events.tool_result(call.call_id, call.name, call.arguments, started, success, result.output)
        return result

    async def _call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        tool = self._tools.get(call.name)
        if tool is None:
            kind = "custom tool call" if call.freeform else "call"
            return ToolResult(f"unsupported {kind}: {call.name}", success=False)
        try:
            return await tool.call(call, scope)
        except Exception as exc:
            log.exception("tool %s failed", call.name)
            return ToolResult(f"{call.name} failed: {exc}", success=False)
