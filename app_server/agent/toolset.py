"""Which tools a turn offers, in the order the reference offers them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config.features import APPLY_PATCH_FREEFORM, SHELL_TOOL, UNIFIED_EXEC
from .model_catalog import experimental_tools
from .tools.apply_patch import ApplyPatchTool
from .tools.base import Tool
from .tools.grep_files import GrepFilesTool
from .tools.list_dir import ListDirTool
from .tools.mcp import ListMcpResourcesTool, McpTool, ReadMcpResourceTool
from .tools.plan import UpdatePlanTool
from .tools.read_file import ReadFileTool
from .tools.registry import ToolRegistry
from .tools.shell import LocalShellTool, ShellCommandTool, ShellTool
from .tools.unified_exec import ExecCommandTool, UnifiedExecSessions, WriteStdinTool
from .tools.view_image import ViewImageTool

if TYPE_CHECKING:
    from ..config.model import Config
    from ..mcp.manager import McpConnections
    from .model_family import ModelFamily


def build_registry(
    family: ModelFamily, config: Config, mcp: McpConnections, *, model: str | None = None
) -> ToolRegistry:
    """The tools of a thread's turns made with ``model``, of ``family``."""
    shell: Tool
    other_shell: Tool
    if family.local_shell:
        shell, other_shell = LocalShellTool(), ShellTool()
    else:
        shell, other_shell = ShellTool(), LocalShellTool()
    # Models trained on one shell sometimes call another: every shell answers.
    unlisted: list[Tool] = [other_shell]
    shells: list[Tool] = []
    if UNIFIED_EXEC in config.features:
        sessions = UnifiedExecSessions()
        shells = [ExecCommandTool(sessions), WriteStdinTool(sessions)]
        unlisted.append(shell)
    elif SHELL_TOOL in config.features:
        shells = [shell]
    else:
        unlisted.append(shell)
    tools: list[Tool] = [
        *shells,
        ListMcpResourcesTool(mcp),
        ListMcpResourcesTool(mcp, templates=True),
        ReadMcpResourceTool(mcp),
        UpdatePlanTool(),
    ]
    apply_patch = family.apply_patch_tool
    if apply_patch is None and (
        config.include_apply_patch_tool or APPLY_PATCH_FREEFORM in config.features
    ):
        apply_patch = "freeform"
    if apply_patch is not None:
        tools.append(ApplyPatchTool(freeform=apply_patch == "freeform"))
    # The file tools, for the models whose catalog entry lists them.
    listed = experimental_tools(config, model or family.slug)
    tools += [
        tool for tool in (GrepFilesTool(), ReadFileTool(), ListDirTool()) if tool.name in listed
    ]
    if config.tools_view_image:
        tools.append(ViewImageTool())
    # The configured servers' tools come last, sorted by name.
    tools += [McpTool(entry, mcp) for entry in mcp.tools.values()]
    return ToolRegistry(tools, unlisted=[*unlisted, ShellCommandTool()])
