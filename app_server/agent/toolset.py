"""Which tools a turn offers, in the order the reference offers them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .tools.base import Tool
from .tools.plan import UpdatePlanTool
from .tools.registry import ToolRegistry
from .tools.view_image import ViewImageTool

if TYPE_CHECKING:
    from .turn import TurnScope


def build_registry(scope: TurnScope) -> ToolRegistry:
    tools: list[Tool] = [UpdatePlanTool()]
    if scope.config.tools_view_image:
        tools.append(ViewImageTool())
    return ToolRegistry(tools)
