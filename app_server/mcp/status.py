"""``mcpServerStatus/list``: what each configured MCP server offers (its
tools, resources and resource templates) and how the daemon authenticates to it.

Every configured server is listed, sorted by name, a page at a time. The
servers of a page are started for the listing (in parallel) and stopped
after it; a disabled server, or one that fails to start, is listed with
nothing (a required one that fails is no error here). The authentication
status: ``unsupported`` for a stdio server, ``bearerToken`` for a streamable
HTTP server with ``bearer_token_env_var``, ``oAuth`` when OAuth tokens are
saved for it, else ``notLoggedIn`` when the server publishes OAuth metadata
and ``unsupported`` when it does not (or cannot be reached). The tools are
those offered to the model (``enabled_tools``, ``disabled_tools``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import anyio
import httpx
from anyio.abc import TaskGroup

from app_server_protocol.mcp import Tool
from app_server_protocol.v2.mcp import McpAuthStatus, McpServerStatus

from ..config.mcp import HttpServerConfig, McpCredentialsStore, McpServerConfig
from ..config.model import Config
from ..logs import log
from .manager import McpConnections

#: How long finding out whether a server supports OAuth may take.
DISCOVERY_TIMEOUT_SECONDS: Final = 5.0


async def server_statuses(
    config: Config, names: list[str], *, task_group: TaskGroup, codex_home: Path
) -> list[McpServerStatus]:
    """The status of the servers ``names`` (configured ones), in that order."""
    servers = {name: config.mcp_servers[name] for name in names}
    connections = await McpConnections.start(
        servers,
        task_group=task_group,
        codex_home=codex_home,
        credentials_store=config.mcp_oauth_credentials_store,
        enforce_required=False,
    )
    statuses: dict[str, McpServerStatus] = {}
    try:

        async def describe(name: str) -> None:
            statuses[name] = await _status(
                name, servers[name], connections, codex_home, config.mcp_oauth_credentials_store
            )

        async with anyio.create_task_group() as describing:
            for name in names:
                describing.start_soon(describe, name)
    finally:
        await connections.aclose()
    return [statuses[name] for name in names]


async def _status(
    name: str,
    config: McpServerConfig,
    connections: McpConnections,
    codex_home: Path,
    credentials_store: McpCredentialsStore,
) -> McpServerStatus:
    from .client import CallError, all_pages

    tools: dict[str, Tool] = {}
    resources = []
    templates = []
    server = connections.servers.get(name)
    if server is not None:
        for tool in server.tools:
            if not config.offers_tool(tool.name):
                continue
            tools[tool.name] = Tool.model_validate(
                tool.model_dump(by_alias=True, mode="json", exclude_none=True)
            )
        try:
            resources = await all_pages(server.list_resources)
        except CallError as exc:
            log.warning("Failed to list resources for MCP server '%s': %s", name, exc)
        try:
            templates = await all_pages(server.list_resource_templates)
        except CallError as exc:
            log.warning("Failed to list resource templates for MCP server '%s': %s", name, exc)
    return McpServerStatus(
        name=name,
        tools=tools,
        resources=resources,
        resource_templates=templates,
        auth_status=await auth_status(name, config, codex_home, credentials_store),
    )


async def auth_status(
    name: str, config: McpServerConfig, codex_home: Path, credentials_store: McpCredentialsStore
) -> McpAuthStatus:
    """How the daemon authenticates to the server ``name``."""
    if not isinstance(config, HttpServerConfig):
        return McpAuthStatus.UNSUPPORTED
    if config.bearer_token_env_var is not None:
        return McpAuthStatus.BEARER_TOKEN
    from .oauth.discovery import OAuthError, discover, http_client
    from .oauth.store import TokenStore, TokenStoreError

    store = TokenStore(codex_home, credentials_store)
    try:
        if await anyio.to_thread.run_sync(store.load, name, config.url) is not None:
            return McpAuthStatus.O_AUTH
    except TokenStoreError as exc:
        log.warning("Cannot read the OAuth tokens of MCP server '%s': %s", name, exc)
    try:
        with anyio.fail_after(DISCOVERY_TIMEOUT_SECONDS):
            async with http_client() as client:
                found = await discover(client, config.url)
    except (OAuthError, httpx.HTTPError, TimeoutError):
        return McpAuthStatus.UNSUPPORTED
    return McpAuthStatus.NOT_LOGGED_IN if found.discovered else McpAuthStatus.UNSUPPORTED
