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

import base64
import contextlib
import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
from anyio.abc import SocketStream

from ...config.mcp import HttpServerConfig
from .discovery import OAuthError, discover, http_client, register_client, request_tokens
from .store import StoredTokens, TokenStore

CALLBACK_PATH: Final = "/callback"
#: How long the user has to complete the login in the browser.
DEFAULT_LOGIN_TIMEOUT_SECONDS: Final = 300.0
SUCCESS_PAGE: Final = "Authentication complete. You may close this window."
_MAX_REQUEST_HEAD: Final = 16 * 1024


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def generate(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        return cls(verifier, challenge)


@dataclass
class _Callback:
    state: str
    code: str | None = None
    error: str | None = None
    done: anyio.Event | None = None


async def login(
    name: str,
    config: HttpServerConfig,
    store: TokenStore,
    *,
    scopes: Sequence[str] | None = None,
    show_url: Callable[[str], None],
    timeout: float = DEFAULT_LOGIN_TIMEOUT_SECONDS,
) -> str:
    """Log in to the server ``name``; returns where the tokens were saved.
    ``show_url`` is given the authorization URL the user must open.
    `OAuthError` says why it failed."""
    callback = _Callback(state=secrets.token_urlsafe(16), done=anyio.Event())
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    redirect_uri = f"http://127.0.0.1:{port}{CALLBACK_PATH}"
    outcome: list[StoredTokens] = []
    failure: list[Exception] = []
    async with listener, anyio.create_task_group() as tasks:
        tasks.start_soon(listener.serve, lambda stream: _answer_callback(stream, callback))
        try:
            outcome.append(
                await _authorize(name, config, callback, redirect_uri, scopes, show_url, timeout)
            )
        except Exception as exc:
            failure.append(exc)
        finally:
            tasks.cancel_scope.cancel()
    if failure:
        raise failure[0]
    return await anyio.to_thread.run_sync(store.save, outcome[0])


async def _authorize(
    name: str,
    config: HttpServerConfig,
    callback: _Callback,
    redirect_uri: str,
    scopes: Sequence[str] | None,
    show_url: Callable[[str], None],
    timeout: float,
) -> StoredTokens:
    async with http_client() as client:
        server = await discover(client, config.url)
        client_id, client_secret = await register_client(client, server, redirect_uri)
        pkce = Pkce.generate()
        wanted = list(scopes) if scopes else list(config.scopes or [])
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
        assert callback.done is not None
        with anyio.move_on_after(timeout):
            await callback.done.wait()
        if not callback.done.is_set():
            raise OAuthError(f"timed out waiting for the OAuth callback ({timeout:g}s)")
        if callback.code is None:
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


async def _answer_callback(stream: SocketStream, callback: _Callback) -> None:
    """One HTTP request to the loopback listener."""
    async with stream:
        head = b""
        with anyio.move_on_after(10):
            while b"\r\n\r\n" not in head and len(head) < _MAX_REQUEST_HEAD:
                try:
                    head += await stream.receive()
                except (anyio.EndOfStream, anyio.BrokenResourceError):
                    break
        parts = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
        target = parts[1] if len(parts) >= 2 else ""
        url = urlsplit(target)
        if url.path != CALLBACK_PATH:
            await _respond(stream, 404, "Not found.")
            return
        params = {key: values[0] for key, values in parse_qs(url.query).items()}
        if params.get("state") != callback.state:
            await _respond(stream, 400, "This sign-in link is not the one expected.")
            return
        error = params.get("error")
        if error is not None:
            description = params.get("error_description")
            callback.error = f"{error}: {description}" if description else error
            await _respond(stream, 400, f"Authentication failed: {callback.error}")
        elif "code" in params:
            callback.code = params["code"]
            await _respond(stream, 200, SUCCESS_PAGE)
        else:
            await _respond(stream, 400, "The callback has no authorization code.")
            return
        assert callback.done is not None
        callback.done.set()


async def _respond(stream: SocketStream, status: int, text: str) -> None:
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
    body = text.encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
        await stream.send(head + body)
