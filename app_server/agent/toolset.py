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
from .tools.request_user_input import RequestUserInputTool
from .tools.shell import LocalShellTool, ShellCommandTool, ShellTool
from .tools.unified_exec import ExecCommandTool, UnifiedExecSessions, WriteStdinTool
from .tools.view_image import ViewImageTool
from .tools.web_search import WebSearchTool

if TYPE_CHECKING:
    from ..config.model import Config
    from ..mcp.manager import McpConnections
    from .model_family import ModelFamily


def build_registry(
    family: ModelFamily, config: Config, mcp: McpConnections, *, model: str | None = None
) -> ToolRegistry:
    """The tools of a thread's turns made with ``model``, of ``family``."""
    shell: Tool
    if family.local_shell:
        shell = LocalShellTool()
    elif family.shell_tool == "shell_command":
        shell = ShellCommandTool()
    else:
        shell = ShellTool()
    # Models trained on one shell sometimes call another: every shell answers,
    # and so does apply_patch when it is not offered.
    unlisted: list[Tool] = [
        other
        for other in (ShellTool(), LocalShellTool(), ShellCommandTool())
        if other.name != shell.name
    ]
    shells: list[Tool] = []
    if UNIFIED_EXEC in config.features:
        sessions = UnifiedExecSessions()
        shells = [ExecCommandTool(sessions), WriteStdinTool(sessions)]
        unlisted.append(shell)
    elif SHELL_TOOL in config.features:
        shells = [shell]
    else:
        unlisted.append(shell)
    tools: list[Tool] = list(shells)
    # The resource tools only with MCP servers to ask.
    if mcp.servers:
        tools += [
            ListMcpResourcesTool(mcp),
            ListMcpResourcesTool(mcp, templates=True),
            ReadMcpResourceTool(mcp),
        ]
    tools += [UpdatePlanTool(), RequestUserInputTool()]
    apply_patch = family.apply_patch_tool
    if apply_patch is None and (
        config.include_apply_patch_tool or APPLY_PATCH_FREEFORM in config.features
    ):
        apply_patch = "freeform"
    if apply_patch is not None:
        tools.append(ApplyPatchTool(freeform=apply_patch == "freeform"))
    else:
        unlisted.append(ApplyPatchTool(freeform=False))
    # The file tools, for the models whose catalog entry lists them.
    listed = experimental_tools(config, model or family.slug)
    tools += [
        tool for tool in (GrepFilesTool(), ReadFileTool(), ListDirTool()) if tool.name in listed
    ]
    web_search = config.toml.web_search
    if web_search != "disabled":
        tools.append(WebSearchTool(web_search))
    if config.tools_view_image:
        tools.append(ViewImageTool())
    # The configured servers' tools come last, sorted by name.
    tools += [McpTool(entry, mcp) for entry in mcp.tools.values()]
    return ToolRegistry(tools, unlisted=unlisted)
