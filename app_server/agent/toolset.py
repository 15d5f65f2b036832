"""Which tools a turn offers, in the order the reference offers them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .tools.base import Tool
from .tools.mcp import ListMcpResourcesTool, McpTool, ReadMcpResourceTool
from .tools.plan import UpdatePlanTool
from .tools.registry import ToolRegistry
from .tools.view_image import ViewImageTool

if TYPE_CHECKING:
    from .turn import TurnScope


def build_registry(scope: TurnScope) -> ToolRegistry:
    mcp = scope.conversation.mcp
    tools: list[Tool] = [
        ListMcpResourcesTool(mcp),
        ListMcpResourcesTool(mcp, templates=True),
        ReadMcpResourceTool(mcp),
        UpdatePlanTool(),
    ]
    if scope.config.tools_view_image:
        tools.append(ViewImageTool())
    # The configured servers' tools come last, sorted by name.
    tools += [McpTool(entry, mcp) for entry in mcp.tools.values()]
    return ToolRegistry(tools)
