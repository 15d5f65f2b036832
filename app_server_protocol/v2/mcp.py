"""MCP servers: their status, tools and resources, OAuth login, reloading."""

from enum import StrEnum
from typing import Annotated

from .._base import TS_BIGINT, CamelModel, UInt32
from .shared import Resource, ResourceTemplate, Tool


class McpAuthStatus(StrEnum):
    """How the daemon authenticates to an MCP server."""

    UNSUPPORTED = "unsupported"
    NOT_LOGGED_IN = "notLoggedIn"
    BEARER_TOKEN = "bearerToken"
    O_AUTH = "oAuth"


class McpServerStatus(CamelModel):
    """An MCP server's tools (by name), resources and authentication."""

    name: str
    tools: dict[str, Tool]
    resources: list[Resource]
    resource_templates: list[ResourceTemplate]
    auth_status: McpAuthStatus


class ListMcpServerStatusParams(CamelModel):
    """List the configured MCP servers, a page at a time."""

    cursor: str | None = None
    limit: UInt32 | None = None


class ListMcpServerStatusResponse(CamelModel):
    """A page of servers; `nextCursor` is null on the last page."""

    data: list[McpServerStatus]
    next_cursor: str | None = None


class McpServerOauthLoginParams(CamelModel):
    """Start an OAuth login to an MCP server; `mcpServer/oauthLogin/completed` follows."""

    name: str
    scopes: list[str] | None = None
    timeout_secs: Annotated[int, TS_BIGINT] | None = None


class McpServerOauthLoginResponse(CamelModel):
    """The URL the user opens to log in."""

    authorization_url: str


class McpServerRefreshResponse(CamelModel):
    """The MCP servers are reloaded from the configuration."""

    pass
