"""The ``[mcp_servers.NAME]`` tables of `config.toml`: how to reach each MCP server.

A server is either a program the daemon runs and talks to over stdio
(`StdioServerConfig`, with ``command``) or a streamable HTTP endpoint
(`HttpServerConfig`, with ``url``). A table that mixes the two transports'
fields is refused with a message naming the server and the fields, rather
than one set of fields being silently ignored.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator
from pydantic_core import PydanticCustomError

#: How long a server may take to start and list its tools, by default.
DEFAULT_STARTUP_TIMEOUT_SEC: Final = 10.0
#: How long one tool call may take, by default.
DEFAULT_TOOL_TIMEOUT_SEC: Final = 60.0

#: Fields only a stdio server has.
STDIO_FIELDS: Final = ("command", "args", "env", "env_vars", "cwd")
#: Fields only a streamable HTTP server has.
HTTP_FIELDS: Final = (
    "url",
    "bearer_token_env_var",
    "http_headers",
    "env_http_headers",
    "scopes",
)


class McpCredentialsStore(StrEnum):
    """Where OAuth tokens of MCP servers are kept (``mcp_oauth_credentials_store``)."""

    AUTO = "auto"
    """The system keyring when there is one, else ``CODEX_HOME/.credentials.json``."""
    FILE = "file"
    KEYRING = "keyring"


class _ServerBase(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    enabled: bool = True
    """A disabled server is not started (and its tools are not offered)."""
    required: bool = False
    """A conversation cannot be created when this server fails to start."""
    startup_timeout_sec: float | None = Field(default=None, ge=0)
    startup_timeout_ms: int | None = Field(
        default=None, ge=0, description="Older spelling of startup_timeout_sec, in milliseconds."
    )
    tool_timeout_sec: float | None = Field(default=None, ge=0)
    enabled_tools: list[str] | None = None
    """Only these tools are offered (all when absent)."""
    disabled_tools: list[str] | None = None
    """These tools are never offered."""

    @property
    def startup_timeout(self) -> float:
        if self.startup_timeout_sec is not None:
            return self.startup_timeout_sec
        if self.startup_timeout_ms is not None:
            return self.startup_timeout_ms / 1000
        return DEFAULT_STARTUP_TIMEOUT_SEC

    @property
    def tool_timeout(self) -> float:
        return DEFAULT_TOOL_TIMEOUT_SEC if self.tool_timeout_sec is None else self.tool_timeout_sec

    def offers_tool(self, name: str) -> bool:
        if self.enabled_tools is not None and name not in self.enabled_tools:
            return False
        return not (self.disabled_tools is not None and name in self.disabled_tools)


class StdioServerConfig(_ServerBase):
    """A server the daemon runs as a child process and talks to over stdio."""

    transport: Literal["stdio"] = "stdio"
    command: str
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] | None = None
    """Variables set for the server (over the few passed through by default)."""
    env_vars: list[str] = Field(default_factory=list)
    """Names of the daemon's own variables passed through to the server."""
    cwd: str | None = None


class HttpServerConfig(_ServerBase):
    """A server reached over the streamable HTTP transport."""

    transport: Literal["streamable_http"] = "streamable_http"
    url: str
    bearer_token_env_var: str | None = None
    """The variable holding a bearer token for this server (read at each request)."""
    http_headers: dict[str, str] | None = None
    env_http_headers: dict[str, str] | None = None
    """Header name -> the variable holding its value (read at each request)."""
    scopes: list[str] | None = None
    """OAuth scopes asked for at login."""


def _parse_server(raw: Any) -> StdioServerConfig | HttpServerConfig:
    if isinstance(raw, StdioServerConfig | HttpServerConfig):
        return raw
    if isinstance(raw, dict) and "url" in raw and "command" not in raw:
        return HttpServerConfig.model_validate(raw)
    return StdioServerConfig.model_validate(raw)


McpServerConfig = Annotated[StdioServerConfig | HttpServerConfig, PlainValidator(_parse_server)]
"""One ``[mcp_servers.NAME]`` table (`check_transports` has vetted its fields)."""


def check_transports(servers: Any) -> Any:
    """Refuse tables that mix the fields of the two transports, naming the
    server and the fields (run before the tables are parsed)."""
    if not isinstance(servers, dict):
        return servers
    for name, table in servers.items():
        if not isinstance(table, dict):
            continue
        where = f"MCP server `{name}`"
        if "bearer_token" in table:
            raise PydanticCustomError(
                "mcp_server_fields",
                "{where} uses unsupported `bearer_token`; set `bearer_token_env_var` to the name "
                "of an environment variable holding the token",
                {"where": where},
            )
        stdio = [key for key in STDIO_FIELDS if key in table]
        http = [key for key in HTTP_FIELDS if key in table]
        if "command" in table and http:
            raise PydanticCustomError(
                "mcp_server_fields",
                "{where} mixes transports: {fields} cannot be used with `command` (a stdio "
                "server); use either `command` or `url`",
                {"where": where, "fields": _names(http)},
            )
        if "url" in table and stdio:
            raise PydanticCustomError(
                "mcp_server_fields",
                "{where} mixes transports: {fields} cannot be used with `url` (a streamable HTTP "
                "server); use either `command` or `url`",
                {"where": where, "fields": _names(stdio)},
            )
        if "command" not in table and "url" not in table:
            fields = stdio or http
            detail = f" (it has {_names(fields)})" if fields else ""
            raise PydanticCustomError(
                "mcp_server_fields",
                "{where} needs `command` (a stdio server) or `url` (a streamable HTTP "
                "server){detail}",
                {"where": where, "detail": detail},
            )
    return servers


def _names(fields: list[str]) -> str:
    return ", ".join(f"`{field}`" for field in fields)
