"""The v2 MCP methods: ``mcpServerStatus/list``, ``config/mcpServer/reload``,
``mcpServer/oauth/login`` (then ``mcpServer/oauthLogin/completed``) and
``configRequirements/read``.

Pagination of ``mcpServerStatus/list`` is the reference's: the servers sorted
by name, the cursor the index of the first server of the page (decimal), the
page size (``limit``) the whole list by default and at least one, and
``nextCursor`` null on the last page; a cursor that is not a number, or lies
beyond the end, is an error, one exactly at the end gives an empty page.
"""

from __future__ import annotations

import anyio

from app_server_protocol import methods
from app_server_protocol.v2.config import ConfigRequirementsReadResponse
from app_server_protocol.v2.mcp import (
    ListMcpServerStatusParams,
    ListMcpServerStatusResponse,
    McpServerOauthLoginParams,
    McpServerOauthLoginResponse,
    McpServerRefreshResponse,
)
from app_server_protocol.v2.notifications import McpServerOauthLoginCompletedNotification

from ..app import RequestContext
from ..config.layers import ConfigError
from ..config.mcp import HttpServerConfig, McpCredentialsStore
from ..config.model import Config
from ..errors import InternalError, InvalidRequest
from .paging import page
from .registry import handles


async def _config(ctx: RequestContext) -> Config:
    try:
        return await anyio.to_thread.run_sync(ctx.app.config.resolve)
    except ConfigError as exc:
        raise InternalError(f"failed to load configuration: {exc}") from None


@handles(methods.MCP_SERVER_STATUS_LIST)
async def list_server_status(
    params: ListMcpServerStatusParams, ctx: RequestContext
) -> ListMcpServerStatusResponse:
    from ..mcp.status import server_statuses

    config = await _config(ctx)
    names, next_cursor = page(
        sorted(config.mcp_servers), params.cursor, params.limit, "MCP servers"
    )
    statuses = await server_statuses(
        config, names, task_group=ctx.app.task_group, codex_home=ctx.app.codex_home
    )
    return ListMcpServerStatusResponse(data=statuses, next_cursor=next_cursor)


@handles(methods.CONFIG_MCP_SERVER_RELOAD)
async def reload_servers(params: None, ctx: RequestContext) -> McpServerRefreshResponse:
    # Each conversation starts its servers from the configuration as it then
    # is, and mcpServerStatus/list reads it afresh: what is left is to check
    # that it can be read.
    await _config(ctx)
    return McpServerRefreshResponse()


@handles(methods.CONFIG_REQUIREMENTS_READ)
async def read_requirements(params: None, ctx: RequestContext) -> ConfigRequirementsReadResponse:
    from ..config.requirements import load_requirements

    try:
        requirements = await anyio.to_thread.run_sync(load_requirements)
    except ConfigError as exc:
        raise InternalError(f"failed to read configuration layers: {exc}") from None
    return ConfigRequirementsReadResponse(
        requirements=None if requirements is None else requirements.for_client()
    )


@handles(methods.MCP_SERVER_OAUTH_LOGIN)
async def oauth_login(
    params: McpServerOauthLoginParams, ctx: RequestContext
) -> McpServerOauthLoginResponse:
    """Answers with the URL to open once the login is under way; its end is
    told by ``mcpServer/oauthLogin/completed``."""
    from ..mcp.oauth.login import DEFAULT_LOGIN_TIMEOUT_SECONDS, login
    from ..mcp.oauth.store import TokenStore

    config = await _config(ctx)
    server = config.mcp_servers.get(params.name)
    if server is None:
        raise InvalidRequest(f"No MCP server named '{params.name}' found.")
    if not isinstance(server, HttpServerConfig):
        raise InvalidRequest("OAuth login is only supported for streamable HTTP servers.")
    store = TokenStore(
        ctx.app.codex_home, config.mcp_oauth_credentials_store or McpCredentialsStore.AUTO
    )
    timeout = float(params.timeout_secs) if params.timeout_secs else DEFAULT_LOGIN_TIMEOUT_SECONDS
    name = params.name
    shown = anyio.Event()
    url: list[str] = []
    failure: list[str] = []

    def show_url(authorization_url: str) -> None:
        url.append(authorization_url)
        shown.set()

    async def completed(error: str | None) -> None:
        await ctx.app.clients.notify(
            methods.MCP_SERVER_OAUTH_LOGIN_COMPLETED,
            McpServerOauthLoginCompletedNotification(name=name, success=error is None, error=error),
        )

    async def run() -> None:
        try:
            await login(
                name,
                server,
                store,
                scopes=params.scopes,
                show_url=show_url,
                timeout=timeout,
                require_metadata=True,
            )
        except Exception as exc:  # every failure is the client's to hear of
            message = str(exc) or type(exc).__name__
            if not shown.is_set():
                failure.append(message)
                shown.set()
                return
            await completed(message)
            return
        await completed(None)

    ctx.app.task_group.start_soon(run)
    await shown.wait()
    if failure:
        raise InternalError(f"failed to login to MCP server '{name}': {failure[0]}")
    return McpServerOauthLoginResponse(authorization_url=url[0])
