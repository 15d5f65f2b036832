"""`web_search`: the provider's own search tool. The daemon only offers it;
the provider runs the searches (the model's ``web_search_call`` items)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from app_server_protocol.common import SandboxPolicyDangerFullAccess

from .base import JsonObject, ToolCall, ToolResult

if TYPE_CHECKING:
    from ..scope import TurnScope


#: config.toml's ``web_search``.
WebSearchMode = Literal["disabled", "cached", "live"]


class WebSearchTool:
    name = "web_search"

    def __init__(self, mode: WebSearchMode | None) -> None:
        self.mode = mode

    def spec(self, scope: TurnScope) -> JsonObject:
        # Live results (not only the provider's cache) when asked for, and
        # always for a turn without a sandbox, as Codex 0.107.0 does.
        live = self.mode == "live" or isinstance(
            scope.settings.sandbox_policy, SandboxPolicyDangerFullAccess
        )
        return {"type": "web_search", "external_web_access": live}

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        return ToolResult("web_search runs at the model provider", success=False)
