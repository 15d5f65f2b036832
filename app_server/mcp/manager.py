"""The MCP servers of one conversation: started with it, in parallel, and
stopped when it ends; their tools by the name the model knows them by; calls
and resource requests routed to the right server.

A server that fails to start is reported (`failures`) and left out; when it
is ``required``, the conversation is not created (`McpStartupError`). The
SDK is imported (in a worker thread) only when there is a server to start.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from anyio.abc import TaskGroup

from app_server_protocol.mcp import (
    CallToolResult,
    EmbeddedResourceResource,
    Resource,
    ResourceTemplate,
)

from ..config.mcp import McpCredentialsStore, McpServerConfig
from ..config.model import Config
from ..errors import InternalError
from ..logs import log
from .names import qualify
from .schema import UnsupportedSchema, tool_parameters

if TYPE_CHECKING:
    from .client import ListPage, McpServer

T = TypeVar("T")

JsonObject = dict[str, Any]


class McpStartupError(Exception):
    """A required server failed to start (the message names it and says why)."""


class McpRequestError(Exception):
    """A tool call or resource request failed (the message says why)."""


@dataclass(frozen=True)
class McpToolEntry:
    """An MCP tool as the model is offered it."""

    name: str
    """The qualified name (``mcp__server__tool``)."""
    server: str
    tool: str
    spec: JsonObject


class McpConnections:
    """The running servers of a conversation (none when nothing is configured)."""

    def __init__(self, servers: Mapping[str, McpServer] | None = None) -> None:
        self.servers: dict[str, McpServer] = dict(servers or {})
        self.failures: dict[str, str] = {}
        """Servers that failed to start, with why (already logged)."""
        self.tools: dict[str, McpToolEntry] = {}

    @classmethod
    async def start(
        cls,
        servers: Mapping[str, McpServerConfig],
        *,
        task_group: TaskGroup,
        codex_home: Path,
        credentials_store: McpCredentialsStore,
        enforce_required: bool = True,
    ) -> McpConnections:
        """Start the enabled servers, in parallel. Raises `McpStartupError`
        (having stopped the others) when a required one fails, unless
        ``enforce_required`` is false (to list what the servers offer)."""
        enabled = {name: config for name, config in servers.items() if config.enabled}
        connections = cls()
        if not enabled:
            return connections
        client = await anyio.to_thread.run_sync(importlib.import_module, "app_server.mcp.client")
        from .oauth.store import TokenStore

        store = TokenStore(codex_home, credentials_store)
        started: dict[str, McpServer] = {}
        reasons: dict[str, str] = {}

        async def start_one(name: str, config: McpServerConfig) -> None:
            server: McpServer = client.McpServer(
                name, config, task_group=task_group, token_store=store
            )
            try:
                await server.start()
            except client.StartError as exc:
                message = f"MCP client for `{name}` failed to start: {exc}"
                log.warning("%s", message)
                connections.failures[name] = message
                reasons[name] = exc.summary
                await server.aclose()
            else:
                started[name] = server

        async with anyio.create_task_group() as starting:
            for name, config in enabled.items():
                starting.start_soon(start_one, name, config)
        connections.servers = {name: started[name] for name in sorted(started)}
        connections.failures = {
            name: connections.failures[name] for name in sorted(connections.failures)
        }
        required = [name for name in connections.failures if enabled[name].required]
        if required and enforce_required:
            await connections.aclose()
            raise McpStartupError(
                "Fatal error: Failed to initialize session: required MCP servers failed to "
                "initialize: " + "; ".join(f"{name}: {reasons[name]}" for name in required)
            )
        connections.tools = _offered_tools(connections.servers)
        return connections

    async def aclose(self) -> None:
        """Stop every server (in parallel)."""
        servers, self.servers = self.servers, {}
        self.tools = {}
        async with anyio.create_task_group() as stopping:
            for server in servers.values():
                stopping.start_soon(server.aclose)

    def _server(self, name: str, what: str) -> McpServer:
        server = self.servers.get(name)
        if server is None:
            raise McpRequestError(f"{what} failed: unknown MCP server '{name}'")
        return server

    async def call_tool(
        self,
        server_name: str,
        tool: str,
        arguments: dict[str, Any] | None,
        on_progress: Callable[[str], Awaitable[None]] | None = None,
    ) -> CallToolResult:
        """Call a server's tool. ``on_progress`` is told each progress
        notification of the call as a line of text (the v2 face's
        ``item/mcpToolCall/progress``; 0.107.0 asks for progress but only logs it)."""
        from .client import CallError

        server = self._server(server_name, "tool call")
        try:
            return await server.call_tool(tool, arguments, on_progress)
        except CallError as exc:
            raise McpRequestError(
                f"tool call error: tool call failed for `{server_name}/{tool}`: {exc}"
            ) from None

    async def list_resources(
        self, server_name: str | None, cursor: str | None
    ) -> tuple[list[tuple[str, Resource]], str | None]:
        """One page of a server's resources, or all of every server's."""
        return await self._listing(
            server_name, cursor, "resources/list", "resources", lambda s: s.list_resources
        )

    async def list_resource_templates(
        self, server_name: str | None, cursor: str | None
    ) -> tuple[list[tuple[str, ResourceTemplate]], str | None]:
        """One page of a server's resource templates, or all of every server's."""
        return await self._listing(
            server_name,
            cursor,
            "resources/templates/list",
            "resource templates",
            lambda s: s.list_resource_templates,
        )

    async def _listing(
        self,
        server_name: str | None,
        cursor: str | None,
        method: str,
        what: str,
        lister: Callable[[McpServer], ListPage[T]],
    ) -> tuple[list[tuple[str, T]], str | None]:
        from .client import CallError, all_pages

        if server_name is not None:
            server = self._server(server_name, method)
            try:
                page, next_cursor = await lister(server)(cursor)
            except CallError as exc:
                raise McpRequestError(
                    f"{method} failed: {method} failed for `{server_name}`: {exc}"
                ) from None
            return [(server_name, item) for item in page], next_cursor
        found: list[tuple[str, T]] = []
        for name, server in self.servers.items():
            try:
                found += [(name, item) for item in await all_pages(lister(server))]
            except CallError as exc:
                log.warning("Failed to list %s for MCP server '%s': %s", what, name, exc)
        return found, None

    async def read_resource(self, server_name: str, uri: str) -> list[EmbeddedResourceResource]:
        from .client import CallError

        server = self._server(server_name, "resources/read")
        try:
            return await server.read_resource(uri)
        except CallError as exc:
            raise McpRequestError(
                f"resources/read failed: resources/read failed for `{server_name}` ({uri}): {exc}"
            ) from None


async def start_servers(
    config: Config, *, task_group: TaskGroup, codex_home: Path, failing_as: str
) -> McpConnections:
    """The MCP servers of a thread or conversation being created or resumed,
    started. When a required one fails the request fails, as the reference's
    does: an internal error reading ``{failing_as}: Fatal error: Failed to
    initialize session: required MCP servers failed to initialize: NAME:
    REASON; ...`` (``failing_as`` is e.g. ``error creating thread``)."""
    try:
        return await McpConnections.start(
            config.mcp_servers,
            task_group=task_group,
            codex_home=codex_home,
            credentials_store=config.mcp_oauth_credentials_store,
        )
    except McpStartupError as exc:
        raise InternalError(f"{failing_as}: {exc}") from None


def _offered_tools(servers: Mapping[str, McpServer]) -> dict[str, McpToolEntry]:
    """The tools of every server the model is offered, sorted by name."""
    pairs = [
        (name, tool.name)
        for name, server in servers.items()
        for tool in sorted(server.tools, key=lambda tool: tool.name)
        if server.config.offers_tool(tool.name)
    ]
    schemas = {(name, tool.name): tool for name, server in servers.items() for tool in server.tools}
    entries: dict[str, McpToolEntry] = {}
    for qualified, (server, tool_name) in sorted(qualify(pairs).items()):
        tool = schemas[(server, tool_name)]
        try:
            parameters = tool_parameters(dict(tool.inputSchema))
        except UnsupportedSchema as exc:
            log.error("MCP tool %s is not offered: its input schema: %s", qualified, exc)
            continue
        spec: JsonObject = {
            "type": "function",
            "name": qualified,
            "description": tool.description or "",
            "strict": False,
            "parameters": parameters,
        }
        entries[qualified] = McpToolEntry(qualified, server, tool_name, spec)
    return entries
