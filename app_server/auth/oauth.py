"""The OpenAI identity provider: authorization URL with PKCE, code exchange,
API-key exchange and token refresh, as the reference (codex 0.50.0) does them.

* authorization: ``{issuer}/oauth/authorize`` with the Codex client id, the
  scopes ``openid profile email offline_access``, an S256 PKCE challenge, a
  random state, ``id_token_add_organizations``, ``codex_cli_simplified_flow``,
  the originator and, when the administrator forces one, ``allowed_workspace_id``;
* code exchange: a form POST to ``{issuer}/oauth/token``
  (``grant_type=authorization_code``), answering ID, access and refresh tokens;
* API-key exchange (best effort, right after): the same endpoint with the
  token-exchange grant, trading the ID token for an API key;
* refresh: a JSON POST to ``https://auth.openai.com/oauth/token``
  (``grant_type=refresh_token``, scopes ``openid profile email``), within 60 s.

The issuer and the refresh URL can be moved (tests point them at a local
server) with ``CODEX_APP_SERVER_LOGIN_ISSUER`` and
``CODEX_REFRESH_TOKEN_URL_OVERRIDE``, the variables later reference versions
read; ``CODEX_APP_SERVER_LOGIN_PORT`` and ``CODEX_APP_SERVER_LOGIN_TIMEOUT_SECS``
are ours, for tests.

Error texts are the reference's; none quotes a token. httpx is imported only
when a request is made.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from ..logs import log, register_secret
from .credentials import ChatGptTokens, RefreshError
from .tokens import InvalidIdToken, parse_id_token

if TYPE_CHECKING:
    import httpx

DEFAULT_ISSUER: Final = "https://auth.openai.com"
CLIENT_ID: Final = "app_EMoamEEZ73f0CkXaXp7hrann"
DEFAULT_REFRESH_URL: Final = "https://auth.openai.com/oauth/token"
DEFAULT_CALLBACK_PORT: Final = 1455
LOGIN_TIMEOUT: Final = timedelta(minutes=10)
#: How long a token refresh may take, as with the reference.
REFRESH_TIMEOUT_S: Final = 60.0
#: How long one request to the token endpoint may take during a login.
EXCHANGE_TIMEOUT_S: Final = 30.0

LOGIN_SCOPES: Final = "openid profile email offline_access"
REFRESH_SCOPES: Final = "openid profile email"

ISSUER_ENV: Final = "CODEX_APP_SERVER_LOGIN_ISSUER"
REFRESH_URL_ENV: Final = "CODEX_REFRESH_TOKEN_URL_OVERRIDE"
CALLBACK_PORT_ENV: Final = "CODEX_APP_SERVER_LOGIN_PORT"
LOGIN_TIMEOUT_ENV: Final = "CODEX_APP_SERVER_LOGIN_TIMEOUT_SECS"


class OAuthError(Exception):
    """A call to the identity provider failed; the message is safe to show."""


@dataclass(frozen=True)
class OAuthSettings:
    issuer: str = DEFAULT_ISSUER
    client_id: str = CLIENT_ID
    refresh_url: str = DEFAULT_REFRESH_URL
    callback_port: int = DEFAULT_CALLBACK_PORT
    """The loopback port the login callback server listens on (0: any free port)."""
    login_timeout_s: float = LOGIN_TIMEOUT.total_seconds()

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/oauth/token"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OAuthSettings:
        env = os.environ if environ is None else environ
        port = _number(env, CALLBACK_PORT_ENV, 0, 65535)
        timeout = _number(env, LOGIN_TIMEOUT_ENV, 0.001, 86400.0)
        return cls(
            issuer=(env.get(ISSUER_ENV) or DEFAULT_ISSUER).rstrip("/"),
            refresh_url=env.get(REFRESH_URL_ENV) or DEFAULT_REFRESH_URL,
            callback_port=DEFAULT_CALLBACK_PORT if port is None else int(port),
            login_timeout_s=LOGIN_TIMEOUT.total_seconds() if timeout is None else timeout,
        )


def _number(env: Mapping[str, str], name: str, low: float, high: float) -> float | None:
    text = env.get(name)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        log.warning("ignoring %s=%r: not a number from %g to %g", name, text, low, high)
        return None
    return value


# -- authorization ----------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str
    """``BASE64URL(SHA256(verifier))`` (the S256 method)."""

    @classmethod
    def new(cls) -> Pkce:
        verifier = _b64url(secrets.token_bytes(64))
        return cls(verifier, _b64url(hashlib.sha256(verifier.encode("ascii")).digest()))


def new_state() -> str:
    return _b64url(secrets.token_bytes(32))


def redirect_uri(port: int) -> str:
    return f"http://localhost:{port}/auth/callback"


def authorize_url(
    settings: OAuthSettings,
    redirect_to: str,
    pkce: Pkce,
    state: str,
    originator: str,
    workspace_id: str | None = None,
) -> str:
    """The page the user opens to sign in (parameters in the reference's order)."""
    params = [
        ("response_type", "code"),
        ("client_id", settings.client_id),
        ("redirect_uri", redirect_to),
        ("scope", LOGIN_SCOPES),
        ("code_challenge", pkce.challenge),
        ("code_challenge_method", "S256"),
        ("id_token_add_organizations", "true"),
        ("codex_cli_simplified_flow", "true"),
        ("state", state),
        ("originator", originator),
    ]
    if workspace_id is not None:
        params.append(("allowed_workspace_id", workspace_id))
    query = "&".join(f"{key}={quote(value, safe='')}" for key, value in params)
    return f"{settings.issuer}/oauth/authorize?{query}"


# -- token endpoint ---------------------------------------------------------------


@dataclass(frozen=True)
class TokenSet:
    id_token: str
    access_token: str
    refresh_token: str


async def exchange_code(
    settings: OAuthSettings,
    code: str,
    redirect_to: str,
    pkce: Pkce,
    client: httpx.AsyncClient | None = None,
) -> TokenSet:
    """Trade the authorization code for tokens; raises `OAuthError`."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_to,
        "client_id": settings.client_id,
        "code_verifier": pkce.verifier,
    }
    response = await _post(settings.token_url, client, data=form, timeout=EXCHANGE_TIMEOUT_S)
    if not response.is_success:
        raise OAuthError(f"token endpoint returned status {_status(response.status_code)}")
    document = _json_object(response)
    values = [document.get(key) for key in ("id_token", "access_token", "refresh_token")]
    for value in values:
        if isinstance(value, str):
            register_secret(value)
    if not all(isinstance(value, str) for value in values):
        raise OAuthError(
            "error decoding response body: the token endpoint did not answer "
            "`id_token`, `access_token` and `refresh_token`"
        )
    id_token, access_token, refresh_token = (str(value) for value in values)
    return TokenSet(id_token, access_token, refresh_token)


async def exchange_for_api_key(
    settings: OAuthSettings, id_token: str, client: httpx.AsyncClient | None = None
) -> str:
    """Trade the ID token for an API key (token-exchange grant); raises `OAuthError`."""
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "client_id": settings.client_id,
        "requested_token": "openai-api-key",
        "subject_token": id_token,
        "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
    }
    response = await _post(settings.token_url, client, data=form, timeout=EXCHANGE_TIMEOUT_S)
    if not response.is_success:
        raise OAuthError(f"api key exchange failed with status {_status(response.status_code)}")
    api_key = _json_object(response).get("access_token")
    if not isinstance(api_key, str):
        raise OAuthError("error decoding response body: no `access_token`")
    register_secret(api_key)
    return api_key


async def refresh_tokens(
    settings: OAuthSettings, tokens: ChatGptTokens, client: httpx.AsyncClient | None = None
) -> ChatGptTokens:
    """New tokens for ``tokens``; the account id is kept. Raises `RefreshError`."""
    import anyio

    body = {
        "client_id": settings.client_id,
        "grant_type": "refresh_token",
        "refresh_token": tokens.refresh_token,
        "scope": REFRESH_SCOPES,
    }
    try:
        with anyio.fail_after(REFRESH_TIMEOUT_S):
            response = await _post(settings.refresh_url, client, json=body, headers=_identity())
            if not response.is_success:
                raise RefreshError(f"Failed to refresh token: {_status(response.status_code)}")
            document = _json_object(response)
    except TimeoutError:
        raise RefreshError("timed out while refreshing OpenAI API key") from None
    except OAuthError as exc:
        raise RefreshError(str(exc)) from None
    new = {}
    for key in ("id_token", "access_token", "refresh_token"):
        value = document.get(key)
        if value is not None and not isinstance(value, str):
            raise RefreshError(f"error decoding response body: `{key}` is not a string")
        register_secret(value)
        new[key] = value
    id_token = new["id_token"] or tokens.id_token
    try:
        claims = parse_id_token(id_token) if new["id_token"] else tokens.claims
    except InvalidIdToken as exc:
        raise RefreshError(str(exc)) from None
    return ChatGptTokens(
        id_token=id_token,
        access_token=new["access_token"] or tokens.access_token,
        refresh_token=new["refresh_token"] or tokens.refresh_token,
        account_id=tokens.account_id,
        claims=claims,
    )


# -- plumbing ---------------------------------------------------------------------


def _identity() -> dict[str, str]:
    from ..user_agent import base_user_agent, originator

    return {"originator": originator(), "user-agent": base_user_agent()}


async def _post(
    url: str, client: httpx.AsyncClient | None, *, timeout: float | None = None, **kw: Any
) -> httpx.Response:
    import httpx

    from ..model_client.transport import shared_client

    client = client or shared_client()
    log.debug("POST %s", url)
    try:
        return await client.post(url, timeout=timeout, **kw)
    except httpx.TimeoutException:
        raise OAuthError(f"error sending request for url ({url}): timed out") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise OAuthError(f"error sending request for url ({url}): {exc}") from None


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        raise OAuthError("error decoding response body: not JSON") from None
    if not isinstance(document, dict):
        raise OAuthError("error decoding response body: not a JSON object")
    return document


def _status(code: int) -> str:
    from ..model_client.errors import status_text

    return status_text(code)
