"""ChatGPT login end to end through the real daemon: a fake identity provider
on loopback, a "browser" that follows ``authUrl`` to the callback, then
status, rate limits and refresh against local servers; and no token in the
daemon's log, even at debug level."""

from __future__ import annotations

import json
import socket
import stat
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.fake_oauth_server import FakeOAuthServer
from tests.harness.stdio import DaemonClient
from tests.mock_model_server import MockModelServer

Spawn = Callable[..., DaemonClient]


@pytest.fixture
def identity() -> Iterator[FakeOAuthServer]:
    with FakeOAuthServer() as server:
        yield server


def _env(identity: FakeOAuthServer, **extra: str) -> dict[str, str | None]:
    env: dict[str, str | None] = {
        "CODEX_APP_SERVER_LOGIN_ISSUER": identity.url,
        "CODEX_REFRESH_TOKEN_URL_OVERRIDE": f"{identity.url}/oauth/token",
        "RUST_LOG": "debug",
    }
    env.update(extra)
    return env


def follow(url: str) -> tuple[int, str, str]:
    """Open ``url`` as a browser would (redirects followed): status, final URL, body."""
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, response.url, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.url, error.read().decode()


def callback_port(auth_url: str) -> int:
    redirect = parse_qs(urlsplit(auth_url).query)["redirect_uri"][0]
    port = urlsplit(redirect).port
    assert port is not None
    return port


def port_is_free(port: int) -> bool:
    """Nothing listens on ``port`` and a new server may take it (connections
    left in TIME_WAIT do not count, as for any server using SO_REUSEADDR)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
    return True


def test_login_end_to_end(
    spawn: Spawn, codex_home: Path, identity: FakeOAuthServer, mock_model: MockModelServer
) -> None:
    (codex_home / "config.toml").write_text(f'chatgpt_base_url = "{mock_model.url}/backend-api/"\n')
    client = spawn(env=_env(identity))
    started = client.call("loginChatGpt")
    assert started["authUrl"].startswith(f"{identity.url}/oauth/authorize?")
    mark = client.mark()

    status, final_url, page = follow(started["authUrl"])
    assert status == 200 and "Signed in to Codex" in page
    assert urlsplit(final_url).path == "/auth/callback"

    done = client.wait_notification("loginChatGptComplete", start=mark)
    assert done["params"] == {"loginId": started["loginId"], "success": True, "error": None}
    change = client.wait_notification("authStatusChange", start=mark)
    assert change["params"] == {"authMethod": "chatgpt"}
    assert identity.grants() == [
        "authorization_code",
        "urn:ietf:params:oauth:grant-type:token-exchange",
    ]

    path = codex_home / "auth.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    access = saved["tokens"]["access_token"]
    assert access in identity.issued and saved["tokens"]["account_id"] == "acct-e2e"
    assert client.call("getAuthStatus", {"includeToken": True}) == {
        "authMethod": "chatgpt",
        "authToken": access,
        "requiresOpenaiAuth": True,
    }
    assert client.call("userInfo") == {"allegedUserEmail": "e2e@example.com"}
    assert port_is_free(callback_port(started["authUrl"]))

    # Rate limits, read from the mock usage endpoint with the new login.
    limits = client.call("account/rateLimits/read")
    assert limits["rateLimits"]["primary"] == {
        "usedPercent": 25,
        "windowDurationMins": 300,
        "resetsAt": 1_900_000_000,
    }
    assert limits["rateLimitsByLimitId"] == {"codex": limits["rateLimits"]}
    usage = [r for r in mock_model.requests if r.path.endswith("/wham/usage")]
    assert usage and usage[-1].header("authorization") == f"Bearer {access}"
    assert usage[-1].header("chatgpt-account-id") == "acct-e2e"

    # Refresh on request: new tokens from the fake provider, saved.
    refreshed = client.call("getAuthStatus", {"includeToken": True, "refreshToken": True})
    assert refreshed["authToken"] != access and refreshed["authToken"] in identity.issued
    assert json.loads(path.read_text())["tokens"]["access_token"] == refreshed["authToken"]
    assert identity.grants()[-1] == "refresh_token"

    # Sign out; then nothing secret was ever logged, at debug level.
    assert client.call("logoutChatGpt") == {}
    client.close_stdin()
    assert client.wait_exit() == 0
    log = client.stderr_text()
    assert "DEBUG" in log
    leaked = [secret for secret in identity.issued if secret in log]
    assert leaked == []
    for part in (secret.split(".")[1] for secret in identity.issued if secret.count(".") == 2):
        assert part not in log  # not even the payload of an ID token


def test_an_exchanged_api_key_is_saved_and_used(
    spawn: Spawn, codex_home: Path, identity: FakeOAuthServer
) -> None:
    identity.api_key = "sk-from-the-exchange-0123456789"
    client = spawn(env=_env(identity))
    started = client.call("loginChatGpt")
    status, _, _ = follow(started["authUrl"])
    assert status == 200
    assert client.wait_notification("authStatusChange")["params"] == {"authMethod": "apikey"}
    saved = json.loads((codex_home / "auth.json").read_text())
    assert saved["OPENAI_API_KEY"] == identity.api_key
    client.close_stdin()
    client.wait_exit()
    assert identity.api_key not in client.stderr_text()


def test_a_wrong_state_is_refused(
    spawn: Spawn, codex_home: Path, identity: FakeOAuthServer
) -> None:
    client = spawn(env=_env(identity))
    started = client.call("loginChatGpt")
    port = callback_port(started["authUrl"])
    forged = f"http://localhost:{port}/auth/callback?" + urlencode(
        {"code": "stolen-code", "state": "not-the-state"}
    )
    status, _, page = follow(forged)
    assert status == 400 and "State mismatch" in page
    assert identity.token_calls() == []
    assert not (codex_home / "auth.json").exists()
    assert not any(m.get("method") == "loginChatGptComplete" for m in client.messages)
    # The real redirect still works afterwards.
    status, _, _ = follow(started["authUrl"])
    assert status == 200
    assert client.wait_notification("loginChatGptComplete")["params"]["success"] is True


def test_cancel(spawn: Spawn, identity: FakeOAuthServer) -> None:
    client = spawn(env=_env(identity))
    started = client.call("loginChatGpt")
    mark = client.mark()
    assert client.call("cancelLoginChatGpt", {"loginId": started["loginId"]}) == {}
    done = client.wait_notification("loginChatGptComplete", start=mark)
    assert done["params"] == {
        "loginId": started["loginId"],
        "success": False,
        "error": "Login server error: Login was not completed",
    }
    assert port_is_free(callback_port(started["authUrl"]))
    error = client.call_error("cancelLoginChatGpt", {"loginId": started["loginId"]})
    assert error == {"code": -32600, "message": f"login id not found: {started['loginId']}"}


def test_a_timed_out_login_frees_its_port(spawn: Spawn, identity: FakeOAuthServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = spawn(
        env=_env(
            identity,
            CODEX_APP_SERVER_LOGIN_PORT=str(port),
            CODEX_APP_SERVER_LOGIN_TIMEOUT_SECS="0.5",
        )
    )
    started = client.call("loginChatGpt")
    assert callback_port(started["authUrl"]) == port
    assert not port_is_free(port)
    done = client.wait_notification("loginChatGptComplete")
    assert done["params"] == {
        "loginId": started["loginId"],
        "success": False,
        "error": "Login timed out",
    }
    assert port_is_free(port)
    # The same port serves the next login.
    again = client.call("loginChatGpt")
    assert callback_port(again["authUrl"]) == port


def test_the_daemon_exits_with_a_login_under_way(spawn: Spawn, identity: FakeOAuthServer) -> None:
    client = spawn(env=_env(identity))
    started = client.call("loginChatGpt")
    client.close_stdin()
    assert client.wait_exit(timeout=5) == 0
    assert port_is_free(callback_port(started["authUrl"]))


def test_a_401_from_the_model_refreshes_the_tokens_once(
    spawn: Spawn, codex_home: Path, identity: FakeOAuthServer, mock_model: MockModelServer
) -> None:
    from tests.auth_helpers import ACCESS_TOKEN, chatgpt_auth_json, write_auth_json
    from tests.mock_model_server import HttpError, assistant_message, write_mock_config

    write_mock_config(codex_home, mock_model)
    write_auth_json(codex_home, chatgpt_auth_json(account_id="acct-turn"))
    mock_model.enqueue(HttpError(401, {"error": {"message": "token expired"}}))
    mock_model.enqueue(assistant_message("after the refresh"))
    client = spawn(env=_env(identity))
    cid = client.call("newConversation", {})["conversationId"]
    client.call("addConversationListener", {"conversationId": cid})
    items = [{"type": "text", "data": {"text": "hi"}}]
    client.call("sendUserMessage", {"conversationId": cid, "items": items})
    done = client.wait_event("task_complete", cid)
    assert done["params"]["msg"]["last_agent_message"] == "after the refresh"
    sent = [r.header("authorization") for r in mock_model.model_requests]
    renewed = json.loads((codex_home / "auth.json").read_text())["tokens"]["access_token"]
    assert sent == [f"Bearer {ACCESS_TOKEN}", f"Bearer {renewed}"]
    assert renewed in identity.issued and identity.grants() == ["refresh_token"]
    assert all(r.header("chatgpt-account-id") == "acct-turn" for r in mock_model.model_requests)
