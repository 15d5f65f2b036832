"""Which tools a turn offers, in the order the reference offers them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .tools.apply_patch import ApplyPatchTool
from .tools.base import Tool
from .tools.mcp import ListMcpResourcesTool, McpTool, ReadMcpResourceTool
from .tools.plan import UpdatePlanTool
from .tools.registry import ToolRegistry
from .tools.shell import LocalShellTool, ShellCommandTool, ShellTool
from .tools.view_image import ViewImageTool

if TYPE_CHECKING:
    from ..config.model import Config
    from ..mcp.manager import McpConnections
    from .model_family import ModelFamily


def build_registry(family: ModelFamily, config: Config, mcp: McpConnections) -> ToolRegistry:
    """The tools of a thread's turns made with a model of ``family``."""
    shell: Tool
    other_shell: Tool
    if family.local_shell:
        shell, other_shell = LocalShellTool(), ShellTool()
    else:
        shell, other_shell = ShellTool(), LocalShellTool()
    tools: list[Tool] = [
        shell,
        ListMcpResourcesTool(mcp),
        ListMcpResourcesTool(mcp, templates=True),
        ReadMcpResourceTool(mcp),
        UpdatePlanTool(),
    ]
    apply_patch = family.apply_patch_tool
    if apply_patch is None and config.include_apply_patch_tool:
        apply_patch = "freeform"
    if apply_patch is not None:
        tools.append(ApplyPatchTool(freeform=apply_patch == "freeform"))
    if config.tools_view_image:
        tools.append(ViewImageTool())
    # The configured servers' tools come last, sorted by name.
    tools += [McpTool(entry, mcp) for entry in mcp.tools.values()]
    # Both shells answer: models trained on one sometimes call the other.
    return ToolRegistry(tools, unlisted=[other_shell, ShellCommandTool()])
