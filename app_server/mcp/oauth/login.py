"""Logging in to a streamable HTTP MCP server with OAuth (``codex-app-server
mcp login NAME``): the authorization code flow with PKCE, the browser coming
back to a loopback callback.

The daemon itself never starts a login (it has nobody to show a browser to);
it uses the tokens saved here and refreshes them. The steps: discover the
authorization server (`discovery`), register a client (RFC 7591), listen on
``http://127.0.0.1:<port>/callback``, send the user to the authorization URL
(printed, and opened in a browser when one can be), wait for the callback
with the code and the same ``state``, exchange the code with the PKCE
verifier, and save the tokens (`TokenStore`).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode, urlsplit

import anyio
from anyio.abc import SocketListener

from ...auth import callback_server as http
from ...auth.oauth import Pkce, new_state
from ...config.mcp import HttpServerConfig
from .discovery import OAuthError, discover, http_client, register_client, request_tokens
from .store import StoredTokens, TokenStore

CALLBACK_PATH: Final = "/callback"
#: How long the user has to complete the login in the browser.
DEFAULT_LOGIN_TIMEOUT_SECONDS: Final = 300.0
SUCCESS_PAGE: Final = "Authentication complete. You may close this window."


@dataclass
class _Callback:
    """What the browser brought back to the callback."""

    state: str
    code: str | None = None
    error: str | None = None

    async def answer(self, request: http.Request) -> http.Page:
        """One request to the loopback server; the page is final once the
        browser brings a code or an error with the right state."""
        if request.path != CALLBACK_PATH:
            return _text(404, "Not found.")
        query = request.query
        if not hmac.compare_digest(query.get("state", "").encode(), self.state.encode()):
            return _text(400, "This sign-in link is not the one expected.")
        if query.get("error"):
            description = query.get("error_description")
            self.error = f"{query['error']}: {description}" if description else query["error"]
            return http.final(_text(400, f"Authentication failed: {self.error}"))
        if not query.get("code"):
            return _text(400, "The callback has no authorization code.")
        self.code = query["code"]
        return http.final(_text(200, SUCCESS_PAGE))


def _text(status: int, text: str) -> http.Page:
    return http.Page(status, text.encode(), content_type="text/plain; charset=utf-8")


async def login(
    name: str,
    config: HttpServerConfig,
    store: TokenStore,
    *,
    scopes: Sequence[str] | None = None,
    show_url: Callable[[str], None],
    timeout: float = DEFAULT_LOGIN_TIMEOUT_SECONDS,
    require_metadata: bool = False,
) -> str:
    """Log in to the server ``name``; returns where the tokens were saved.
    ``show_url`` is given the authorization URL the user must open. Scopes
    not given (None) are the config's ``scopes``. With ``require_metadata``,
    a server that publishes no OAuth metadata is refused (rather than its
    endpoints assumed). `OAuthError` says why it failed."""
    listener = await http.bind(0)
    try:
        tokens = await _authorize(
            name, config, listener, scopes, show_url, timeout, require_metadata
        )
    finally:
        await listener.aclose()
    return await anyio.to_thread.run_sync(store.save, tokens)


async def _authorize(
    name: str,
    config: HttpServerConfig,
    listener: SocketListener,
    scopes: Sequence[str] | None,
    show_url: Callable[[str], None],
    timeout: float,
    require_metadata: bool,
) -> StoredTokens:
    redirect_uri = f"http://{http.LOOPBACK}:{http.bound_port(listener)}{CALLBACK_PATH}"
    callback = _Callback(state=new_state())
    async with http_client() as client:
        server = await discover(client, config.url)
        if require_metadata and not server.discovered:
            raise OAuthError("No authorization support detected")
        client_id, client_secret = await register_client(client, server, redirect_uri)
        pkce = Pkce.new()
        wanted = list(scopes) if scopes is not None else list(config.scopes or [])
        query = {
            "response_type": "code",
            "client_id": client_id,
            "state": callback.state,
            "code_challenge": pkce.challenge,
            "code_challenge_method": "S256",
            "redirect_uri": redirect_uri,
        }
        if wanted:
            query["scope"] = " ".join(wanted)
        if server.resource is not None:
            query["resource"] = server.resource
        separator = "&" if urlsplit(server.authorization_endpoint).query else "?"
        show_url(f"{server.authorization_endpoint}{separator}{urlencode(query)}")
        with anyio.move_on_after(timeout):
            await http.serve(listener, callback.answer)  # until the browser comes back
        if callback.code is None:
            if callback.error is None:
                raise OAuthError("timed out waiting for OAuth callback")
            raise OAuthError(f"the authorization failed: {callback.error}")
        response = await request_tokens(
            client,
            server,
            {
                "grant_type": "authorization_code",
                "code": callback.code,
                "code_verifier": pkce.verifier,
                "redirect_uri": redirect_uri,
            },
            client_id,
            client_secret,
        )
    return StoredTokens(
        server_name=name,
        url=config.url,
        client_id=client_id,
        access_token=response.access_token,
        refresh_token=response.refresh_token,
        expires_at=StoredTokens.expiry_from(response.expires_in),
        scopes=response.scope.split() if response.scope else wanted,
        client_secret=client_secret,
    )
