"""Finding an MCP server's authorization server, and talking to its token endpoint.

Discovery first asks the server for its protected resource metadata
(RFC 9728), which names the authorization server; without it the server's
own URL is taken as the issuer. The authorization server's metadata
(RFC 8414) is then looked for at the well-known URLs: the path-aware
``/.well-known/oauth-authorization-server/<path>``, the form some servers
use (``<path>/.well-known/oauth-authorization-server``), the root one, and
the OpenID Connect equivalents. When no metadata is found, the endpoints are
assumed at the server's origin (``/authorize``, ``/token``, ``/register``),
as the reference does.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import httpx

from ...logs import register_secret

PROTOCOL_VERSION_HEADER: Final = "MCP-Protocol-Version"
PROTOCOL_VERSION: Final = "2025-06-18"
#: Each discovery or token request may take this long.
REQUEST_TIMEOUT_SECONDS: Final = 30.0


class OAuthError(Exception):
    """Discovery, registration or a token request failed (the message says why)."""


@dataclass(frozen=True)
class AuthorizationServer:
    authorization_endpoint: str
    token_endpoint: str
    registration_endpoint: str | None = None
    scopes_supported: tuple[str, ...] = ()
    resource: str | None = None
    """The resource to ask tokens for (RFC 8707), when the server published
    protected resource metadata."""
    discovered: bool = True
    """False: no metadata was found and the default endpoints are assumed."""


@dataclass(frozen=True)
class TokenResponse:
    access_token: str
    refresh_token: str | None
    expires_in: float | None
    scope: str | None


def http_client() -> httpx.AsyncClient:
    """A client for discovery and token requests (nothing of the MCP
    server's own headers or credentials goes with them)."""
    return httpx.AsyncClient(timeout=REQUEST_TIMEOUT_SECONDS, follow_redirects=True)


async def discover(client: httpx.AsyncClient, server_url: str) -> AuthorizationServer:
    """The authorization server of the MCP server at ``server_url``."""
    issuer = server_url
    resource: str | None = None
    for url in _protected_resource_urls(server_url):
        document = await _get_json(client, url)
        servers = document.get("authorization_servers") if document else None
        if isinstance(servers, list) and servers and isinstance(servers[0], str):
            issuer = servers[0]
            declared = document.get("resource") if document else None
            resource = declared if isinstance(declared, str) else server_url
            break
    for url in _metadata_urls(issuer):
        document = await _get_json(client, url)
        if document is None:
            continue
        authorize = document.get("authorization_endpoint")
        token = document.get("token_endpoint")
        if not isinstance(authorize, str) or not isinstance(token, str):
            continue
        registration = document.get("registration_endpoint")
        scopes = document.get("scopes_supported")
        return AuthorizationServer(
            authorization_endpoint=authorize,
            token_endpoint=token,
            registration_endpoint=registration if isinstance(registration, str) else None,
            scopes_supported=tuple(s for s in scopes if isinstance(s, str))
            if isinstance(scopes, list)
            else (),
            resource=resource,
        )
    origin = _origin(issuer)
    return AuthorizationServer(
        authorization_endpoint=f"{origin}/authorize",
        token_endpoint=f"{origin}/token",
        registration_endpoint=f"{origin}/register",
        resource=resource,
        discovered=False,
    )


async def register_client(
    client: httpx.AsyncClient, server: AuthorizationServer, redirect_uri: str
) -> tuple[str, str | None]:
    """Dynamic client registration (RFC 7591): the client id (and secret, if any)."""
    if server.registration_endpoint is None:
        raise OAuthError("the authorization server does not support dynamic client registration")
    body = {
        "client_name": "Codex",
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "none",
        "response_types": ["code"],
    }
    try:
        response = await client.post(server.registration_endpoint, json=body)
    except httpx.HTTPError as exc:
        raise OAuthError(f"client registration failed: {_http_error(exc)}") from None
    if response.status_code not in (200, 201):
        raise OAuthError(
            f"client registration failed: {server.registration_endpoint} answered "
            f"{response.status_code}{_error_detail(response)}"
        )
    data = _json_object(response)
    client_id = data.get("client_id") if data else None
    if not isinstance(client_id, str) or not client_id:
        raise OAuthError("client registration failed: the answer has no client_id")
    secret = data.get("client_secret") if data else None
    return client_id, secret if isinstance(secret, str) and secret else None


async def request_tokens(
    client: httpx.AsyncClient,
    server: AuthorizationServer,
    form: dict[str, str],
    client_id: str,
    client_secret: str | None = None,
) -> TokenResponse:
    """A token request (authorization code or refresh)."""
    data = dict(form, client_id=client_id)
    headers = {"Accept": "application/json"}
    if client_secret is not None:
        pair = f"{client_id}:{client_secret}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    if server.resource is not None:
        data.setdefault("resource", server.resource)
    try:
        response = await client.post(server.token_endpoint, data=data, headers=headers)
    except httpx.HTTPError as exc:
        raise OAuthError(f"the token request failed: {_http_error(exc)}") from None
    if response.status_code != 200:
        raise OAuthError(
            f"the token endpoint answered {response.status_code}{_error_detail(response)}"
        )
    body = _json_object(response)
    access = body.get("access_token") if body else None
    if body is None or not isinstance(access, str) or not access:
        raise OAuthError("the token endpoint's answer has no access_token")
    register_secret(access)
    refresh = body.get("refresh_token")
    register_secret(refresh if isinstance(refresh, str) else None)
    expires_in = body.get("expires_in")
    scope = body.get("scope")
    return TokenResponse(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        expires_in=float(expires_in) if isinstance(expires_in, int | float) else None,
        scope=scope if isinstance(scope, str) else None,
    )


# -- helpers -------------------------------------------------------------------


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def _path(url: str) -> str:
    return urlsplit(url).path.rstrip("/")


def _protected_resource_urls(server_url: str) -> list[str]:
    origin, path = _origin(server_url), _path(server_url)
    urls = [f"{origin}/.well-known/oauth-protected-resource{path}"] if path else []
    urls.append(f"{origin}/.well-known/oauth-protected-resource")
    return urls


def _metadata_urls(issuer: str) -> list[str]:
    origin, path = _origin(issuer), _path(issuer)
    urls: list[str] = []
    if path:
        urls += [
            f"{origin}/.well-known/oauth-authorization-server{path}",
            f"{origin}{path}/.well-known/oauth-authorization-server",
            f"{origin}/.well-known/openid-configuration{path}",
            f"{origin}{path}/.well-known/openid-configuration",
        ]
    urls += [
        f"{origin}/.well-known/oauth-authorization-server",
        f"{origin}/.well-known/openid-configuration",
    ]
    return urls


async def _get_json(client: httpx.AsyncClient, url: str) -> dict[str, Any] | None:
    try:
        response = await client.get(url, headers={PROTOCOL_VERSION_HEADER: PROTOCOL_VERSION})
    except httpx.HTTPError as exc:
        raise OAuthError(f"OAuth discovery failed: {_http_error(exc)}") from None
    if response.status_code != 200:
        return None
    return _json_object(response)


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _error_detail(response: httpx.Response) -> str:
    body = _json_object(response)
    if not body:
        return ""
    error = body.get("error")
    description = body.get("error_description")
    parts = [str(part) for part in (error, description) if part]
    return f" ({': '.join(parts)})" if parts else ""


def _http_error(exc: httpx.HTTPError) -> str:
    try:
        where = f" ({exc.request.url})"
    except RuntimeError:
        where = ""
    text = str(exc) or type(exc).__name__
    return f"{text}{where}"
