"""The identity provider's calls (respx), token refresh in the manager, and the
model client's 401 → refresh → retry through the `AuthManager`."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlsplit

import anyio
import httpx
import pytest
import respx

from app_server.agent.credentials import AuthCredentials
from app_server.auth import (
    AuthManager,
    ChatGptTokens,
    FileCredentialStore,
    LoginRestrictions,
    RefreshError,
)
from app_server.auth.manager import OAuthTokenRefresher
from app_server.auth.oauth import (
    CLIENT_ID,
    OAuthError,
    OAuthSettings,
    Pkce,
    authorize_url,
    exchange_code,
    exchange_for_api_key,
    new_state,
    redirect_uri,
    refresh_tokens,
)
from app_server.model_client import AuthRefreshFailed
from tests.auth_helpers import (
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    chatgpt_auth_json,
    id_token,
    write_auth_json,
)
from tests.model_client_support import RESPONSES_URL, client, collect, ok_response, provider

pytestmark = pytest.mark.anyio

ISSUER = "http://issuer.test"
SETTINGS = OAuthSettings(issuer=ISSUER, refresh_url=f"{ISSUER}/oauth/token")
TOKEN_URL = f"{ISSUER}/oauth/token"
STALE = "2020-01-01T00:00:00Z"


def test_settings_defaults_and_overrides() -> None:
    default = OAuthSettings.from_env({})
    assert (default.issuer, default.callback_port, default.login_timeout_s) == (
        "https://auth.openai.com",
        1455,
        600.0,
    )
    assert default.refresh_url == "https://auth.openai.com/oauth/token"
    assert default.client_id == CLIENT_ID == "app_EMoamEEZ73f0CkXaXp7hrann"
    moved = OAuthSettings.from_env(
        {
            "CODEX_APP_SERVER_LOGIN_ISSUER": "http://127.0.0.1:5000/",
            "CODEX_REFRESH_TOKEN_URL_OVERRIDE": "http://127.0.0.1:5001/token",
            "CODEX_APP_SERVER_LOGIN_PORT": "0",
            "CODEX_APP_SERVER_LOGIN_TIMEOUT_SECS": "2.5",
        }
    )
    assert (moved.issuer, moved.refresh_url, moved.callback_port, moved.login_timeout_s) == (
        "http://127.0.0.1:5000",
        "http://127.0.0.1:5001/token",
        0,
        2.5,
    )
    assert moved.token_url == "http://127.0.0.1:5000/oauth/token"
    assert OAuthSettings.from_env({"CODEX_APP_SERVER_LOGIN_PORT": "nope"}).callback_port == 1455


def test_pkce_and_state() -> None:
    pkce = Pkce.new()
    assert len(pkce.verifier) == 86 and len(new_state()) == 43
    digest = base64.urlsafe_b64encode(hashlib.sha256(pkce.verifier.encode()).digest())
    assert pkce.challenge == digest.rstrip(b"=").decode()
    assert Pkce.new().verifier != pkce.verifier and new_state() != new_state()


def test_authorize_url_has_the_references_parameters_in_order() -> None:
    pkce = Pkce("verifier", "challenge-abc")
    url = authorize_url(
        OAuthSettings(), redirect_uri(1455), pkce, "state-xyz", "codex_cli_rs", "ws-1"
    )
    assert url == (
        "https://auth.openai.com/oauth/authorize?response_type=code"
        "&client_id=app_EMoamEEZ73f0CkXaXp7hrann"
        "&redirect_uri=http%3A%2F%2Flocalhost%3A1455%2Fauth%2Fcallback"
        "&scope=openid%20profile%20email%20offline_access"
        "&code_challenge=challenge-abc&code_challenge_method=S256"
        "&id_token_add_organizations=true&codex_cli_simplified_flow=true"
        "&state=state-xyz&originator=codex_cli_rs&allowed_workspace_id=ws-1"
    )
    plain = authorize_url(OAuthSettings(), redirect_uri(1), pkce, "s", "o")
    assert "allowed_workspace_id" not in parse_qs(urlsplit(plain).query)


async def test_code_exchange() -> None:
    pkce = Pkce.new()
    with respx.mock() as router:
        route = router.post(TOKEN_URL).respond(
            json={"id_token": "id.tok.en", "access_token": "acc-1234", "refresh_token": "ref-1234"}
        )
        tokens = await exchange_code(SETTINGS, "the code", "http://localhost:1/auth/callback", pkce)
    assert (tokens.id_token, tokens.access_token, tokens.refresh_token) == (
        "id.tok.en",
        "acc-1234",
        "ref-1234",
    )
    sent = route.calls[0].request
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(sent.content.decode()) == [
        ("grant_type", "authorization_code"),
        ("code", "the code"),
        ("redirect_uri", "http://localhost:1/auth/callback"),
        ("client_id", CLIENT_ID),
        ("code_verifier", pkce.verifier),
    ]


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(400, json={}), "token endpoint returned status 400 Bad Request"),
        (httpx.Response(200, text="<html>"), "error decoding response body: not JSON"),
        (httpx.Response(200, json={"access_token": "a"}), "error decoding response body"),
    ],
)
async def test_code_exchange_failures(response: httpx.Response, message: str) -> None:
    with respx.mock() as router:
        router.post(TOKEN_URL).mock(return_value=response)
        with pytest.raises(OAuthError, match=message):
            await exchange_code(SETTINGS, "c", "r", Pkce.new())


async def test_api_key_exchange() -> None:
    with respx.mock() as router:
        route = router.post(TOKEN_URL).respond(json={"access_token": "sk-exchanged-1234"})
        assert await exchange_for_api_key(SETTINGS, "id.tok.en") == "sk-exchanged-1234"
        route.respond(401)
        with pytest.raises(OAuthError, match="api key exchange failed with status 401"):
            await exchange_for_api_key(SETTINGS, "id.tok.en")
    assert dict(parse_qsl(route.calls[0].request.content.decode())) == {
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "client_id": CLIENT_ID,
        "requested_token": "openai-api-key",
        "subject_token": "id.tok.en",
        "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
    }


def _tokens() -> ChatGptTokens:
    return ChatGptTokens.create(id_token(), ACCESS_TOKEN, REFRESH_TOKEN, "acct-1")


async def test_refresh_request_and_partial_answers() -> None:
    new_id = id_token(email="renewed@example.com")
    with respx.mock() as router:
        route = router.post(TOKEN_URL).respond(
            json={"id_token": new_id, "access_token": "acc-new-1234", "refresh_token": None}
        )
        renewed = await refresh_tokens(SETTINGS, _tokens())
    sent = route.calls[0].request
    assert json.loads(sent.content) == {
        "client_id": CLIENT_ID,
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
        "scope": "openid profile email",
    }
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["originator"]
    assert (renewed.access_token, renewed.refresh_token, renewed.account_id) == (
        "acc-new-1234",
        REFRESH_TOKEN,
        "acct-1",
    )
    assert renewed.claims.email == "renewed@example.com"


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            httpx.Response(401, json={"error": "invalid_grant"}),
            "Failed to refresh token: 401 Unauthorized",
        ),
        (httpx.Response(200, text="nope"), "error decoding response body: not JSON"),
        (httpx.Response(200, json={"id_token": "not-a-jwt"}), "invalid ID token format"),
        (httpx.ConnectError("refused"), f"error sending request for url ({TOKEN_URL}): refused"),
    ],
)
async def test_refresh_failures(response: httpx.Response | Exception, message: str) -> None:
    with respx.mock() as router:
        if isinstance(response, Exception):
            router.post(TOKEN_URL).mock(side_effect=response)
        else:
            router.post(TOKEN_URL).mock(return_value=response)
        with pytest.raises(RefreshError) as caught:
            await refresh_tokens(SETTINGS, _tokens())
    assert str(caught.value) == message


# -- the manager's refresh ----------------------------------------------------------


class CountingRefresher:
    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail
        self.release = anyio.Event()

    async def refresh(self, tokens: ChatGptTokens) -> ChatGptTokens:
        self.calls += 1
        await self.release.wait()
        if self.fail:
            raise RefreshError("Failed to refresh token: 401 Unauthorized")
        return ChatGptTokens.create(tokens.id_token, "acc-renewed", "ref-renewed", "acct-1")


@pytest.mark.parametrize("fail", [False, True])
async def test_concurrent_refreshes_collapse_into_one(codex_home: Path, fail: bool) -> None:
    write_auth_json(codex_home, chatgpt_auth_json())
    refresher = CountingRefresher(fail)
    manager = AuthManager(FileCredentialStore(codex_home), refresher)
    outcomes: list[bool | str] = []

    async def refresh() -> None:
        try:
            outcomes.append(await manager.refresh())
        except RefreshError as exc:
            outcomes.append(str(exc))

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(refresh)
        await anyio.sleep(0.05)
        refresher.release.set()
    assert refresher.calls == 1
    expected: bool | str = "Failed to refresh token: 401 Unauthorized" if fail else True
    assert outcomes == [expected] * 5
    refresher.release = anyio.Event()
    refresher.release.set()
    await refresh()  # a later refresh is a new one
    assert refresher.calls == 2


async def test_getauthstatus_refresh_through_the_token_endpoint(codex_home: Path) -> None:
    from tests.harness.inprocess import in_process_daemon

    write_auth_json(codex_home, chatgpt_auth_json())
    async with in_process_daemon(codex_home) as daemon:
        await daemon.initialize()
        with respx.mock() as router:
            route = router.post("http://127.0.0.1:9/oauth/token").respond(
                json={"access_token": "acc-after-refresh", "refresh_token": "ref-after-refresh"}
            )
            status = await daemon.call(
                "getAuthStatus", {"includeToken": True, "refreshToken": True}
            )
        assert route.call_count == 1
        assert status["authToken"] == "acc-after-refresh"
        saved = json.loads((codex_home / "auth.json").read_text())
        assert saved["tokens"]["refresh_token"] == "ref-after-refresh"
        assert saved["tokens"]["account_id"] == "acct-123"

        # Stale tokens that cannot be refreshed: reported as signed out.
        write_auth_json(codex_home, chatgpt_auth_json(last_refresh=STALE))
        with respx.mock() as router:
            router.post("http://127.0.0.1:9/oauth/token").respond(400)
            status = await daemon.call("getAuthStatus", {"includeToken": True})
        assert status == {"authMethod": None, "authToken": None, "requiresOpenaiAuth": True}


# -- the model client ---------------------------------------------------------------


async def test_model_401_refreshes_through_the_manager_and_retries(codex_home: Path) -> None:
    write_auth_json(codex_home, chatgpt_auth_json(account_id="acct-5"))
    manager = AuthManager(FileCredentialStore(codex_home), OAuthTokenRefresher())
    source = AuthCredentials(manager, LoginRestrictions())
    with respx.mock() as router:
        token = router.post("http://127.0.0.1:9/oauth/token").respond(
            json={"access_token": "acc-after-401"}
        )
        model = router.post(RESPONSES_URL).mock(
            side_effect=[httpx.Response(401, json={}), ok_response()]
        )
        _, error = await collect(client(provider(requires_openai_auth=True), credentials=source))
    assert error is None and token.call_count == 1
    sent = [call.request.headers for call in model.calls]
    assert [h["authorization"] for h in sent] == [f"Bearer {ACCESS_TOKEN}", "Bearer acc-after-401"]
    assert sent[1]["chatgpt-account-id"] == "acct-5"


async def test_a_failed_refresh_is_the_models_error(codex_home: Path) -> None:
    write_auth_json(codex_home, chatgpt_auth_json())
    source = AuthCredentials(
        AuthManager(FileCredentialStore(codex_home), OAuthTokenRefresher()), LoginRestrictions()
    )
    with respx.mock() as router:
        router.post("http://127.0.0.1:9/oauth/token").respond(401)
        with pytest.raises(AuthRefreshFailed, match=r"^Failed to refresh token: 401 Unauthorized$"):
            await source.refresh()
        # Stale tokens that cannot be refreshed are still tried as they are.
        write_auth_json(codex_home, chatgpt_auth_json(last_refresh=STALE))
        current = await source.current()
        assert current is not None and current.bearer_token == ACCESS_TOKEN
