"""The headers and credentials of one streamable HTTP server's requests.

Each server has its own HTTP client with one of these as its auth: the
configured ``http_headers``, the ``env_http_headers`` and the bearer token
(``bearer_token_env_var``) read from the environment at each request, or its
stored OAuth token, refreshed when expired and once more when the server
answers 401. Nothing of one server's goes to another: headers are added to
that server's requests only, and OAuth token requests use a client of their own.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, Mapping

import httpx

from ..config.mcp import HttpServerConfig
from ..logs import register_secret
from .oauth.credentials import OAuthCredentials


class McpAuthError(Exception):
    """A request cannot be authenticated (the message says why)."""


def bearer_token(name: str, config: HttpServerConfig, environ: Mapping[str, str]) -> str | None:
    """The bearer token from ``bearer_token_env_var`` (None when not configured)."""
    variable = config.bearer_token_env_var
    if variable is None:
        return None
    value = environ.get(variable)
    if value is None:
        raise McpAuthError(f"Environment variable {variable} for MCP server '{name}' is not set")
    if not value.strip():
        raise McpAuthError(f"Environment variable {variable} for MCP server '{name}' is empty")
    register_secret(value)
    return value


class ServerAuth(httpx.Auth):
    def __init__(
        self,
        name: str,
        config: HttpServerConfig,
        oauth: OAuthCredentials | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.oauth = oauth
        self._environ = os.environ if environ is None else environ

    def headers(self) -> dict[str, str]:
        """The headers of a request sent now (the bearer token's included)."""
        headers = dict(self.config.http_headers or {})
        for header, variable in (self.config.env_http_headers or {}).items():
            value = self._environ.get(variable)
            if value:
                headers[header] = value
        token = bearer_token(self.name, self.config, self._environ)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers.update(self.headers())
        oauth = self.oauth
        if oauth is None or self.config.bearer_token_env_var is not None:
            yield request
            return
        token = await oauth.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and oauth.can_refresh:
            fresh = await oauth.refresh(token)
            if fresh is not None and fresh != token:
                request.headers["Authorization"] = f"Bearer {fresh}"
                yield request
