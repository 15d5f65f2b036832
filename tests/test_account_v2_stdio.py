"""v2 accounts through the real daemon: `account/login/start` (API key and
the ChatGPT browser flow), `account/login/cancel`, `account/logout` and
`account/read`, reporting through `account/login/completed` and
`account/updated` (never v1's `loginChatGptComplete`/`authStatusChange`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.fake_oauth_server import FakeOAuthServer
from tests.harness.stdio import DaemonClient
from tests.mock_model_server import MockModelServer
from tests.test_chatgpt_login_stdio import _env, follow

Spawn = Callable[..., DaemonClient]
V1_REPORTS = ("loginChatGptComplete", "authStatusChange")
OPENAI_MODEL = 'model = "gpt-5"\n'


@pytest.fixture
def identity() -> Iterator[FakeOAuthServer]:
    with FakeOAuthServer() as server:
        yield server


def _methods(client: DaemonClient, mark: int) -> list[str]:
    return [m["method"] for m in client.since(mark) if "method" in m and "id" not in m]


def test_api_key_login_and_logout_report_through_v2(spawn: Spawn, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text(OPENAI_MODEL)
    client = spawn()
    assert client.call("account/read", {}) == {"account": None, "requiresOpenaiAuth": True}
    mark = client.mark()
    answer = client.call("account/login/start", {"type": "apiKey", "apiKey": "sk-v2-test"})
    assert answer == {"type": "apiKey"}
    completed = client.wait_notification("account/login/completed", start=mark)
    assert completed["params"] == {"loginId": None, "success": True, "error": None}
    updated = client.wait_notification("account/updated", start=mark)
    assert updated["params"] == {"authMode": "apikey"}
    assert client.call("account/read", {"refreshToken": True}) == {
        "account": {"type": "apiKey"},
        "requiresOpenaiAuth": True,
    }
    mark = client.mark()
    assert client.call("account/logout") == {}
    assert client.wait_notification("account/updated", start=mark)["params"] == {"authMode": None}
    assert client.call("account/read", {}) == {"account": None, "requiresOpenaiAuth": True}
    assert not any(m in V1_REPORTS for m in _methods(client, 0))


def test_chatgpt_login_completes_through_v2(
    spawn: Spawn, codex_home: Path, identity: FakeOAuthServer
) -> None:
    (codex_home / "config.toml").write_text(OPENAI_MODEL)
    client = spawn(env=_env(identity))
    started = client.call("account/login/start", {"type": "chatgpt"})
    assert started["type"] == "chatgpt"
    assert started["authUrl"].startswith(f"{identity.url}/oauth/authorize?")
    mark = client.mark()
    status, final_url, _page = follow(started["authUrl"])
    assert status == 200 and urlsplit(final_url).path == "/auth/callback"
    completed = client.wait_notification("account/login/completed", start=mark)
    assert completed["params"] == {
        "loginId": started["loginId"],
        "success": True,
        "error": None,
    }
    updated = client.wait_notification("account/updated", start=mark)
    assert updated["params"] == {"authMode": "chatgpt"}
    account = client.call("account/read", {})["account"]
    assert account == {
        "type": "chatgpt",
        "email": "e2e@example.com",
        "planType": account["planType"],
    }
    assert not any(m in V1_REPORTS for m in _methods(client, 0))


def test_cancel_reports_the_login_as_not_completed(spawn: Spawn, identity: FakeOAuthServer) -> None:
    client = spawn(env=_env(identity))
    started = client.call("account/login/start", {"type": "chatgpt"})
    mark = client.mark()
    assert client.call("account/login/cancel", {"loginId": started["loginId"]}) == {
        "status": "canceled"
    }
    completed = client.wait_notification("account/login/completed", start=mark)
    assert completed["params"] == {
        "loginId": started["loginId"],
        "success": False,
        "error": "Login server error: Login was not completed",
    }
    assert client.call("account/login/cancel", {"loginId": started["loginId"]}) == {
        "status": "notFound"
    }
    error = client.call_error("account/login/cancel", {"loginId": "not-a-uuid"})
    assert error == {"code": -32600, "message": "invalid login id: not-a-uuid"}


def test_v1_logins_still_report_through_v1(spawn: Spawn) -> None:
    client = spawn()
    mark = client.mark()
    client.call("loginApiKey", {"apiKey": "sk-v1"})
    change = client.wait_notification("authStatusChange", start=mark)
    assert change["params"] == {"authMethod": "apikey"}
    assert "account/updated" not in _methods(client, mark)


def _client_tokens(email: str, plan: str, account: str) -> dict[str, str]:
    from tests.auth_helpers import id_token

    return {
        "type": "chatgptAuthTokens",
        "accessToken": id_token(email=email, plan=plan, account_id=account),
        "chatgptAccountId": account,
    }


def test_client_supplied_tokens_are_used_in_memory_only(spawn: Spawn, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text(OPENAI_MODEL)
    client = spawn()
    mark = client.mark()
    params = _client_tokens("client@example.com", "plus", "acct-client")
    assert client.call("account/login/start", params) == {"type": "chatgptAuthTokens"}
    completed = client.wait_notification("account/login/completed", start=mark)
    assert completed["params"] == {"loginId": None, "success": True, "error": None}
    updated = client.wait_notification("account/updated", start=mark)
    assert updated["params"] == {"authMode": "chatgptAuthTokens"}
    expected = {
        "account": {"type": "chatgpt", "email": "client@example.com", "planType": "plus"},
        "requiresOpenaiAuth": True,
    }
    assert client.call("account/read", {}) == expected
    # Refreshing on read leaves client-supplied tokens to the client.
    assert client.call("account/read", {"refreshToken": True}) == expected
    status = client.call("getAuthStatus", {"includeToken": True})
    assert status == {
        "authMethod": "chatgptAuthTokens",
        "authToken": params["accessToken"],
        "requiresOpenaiAuth": True,
    }
    assert not (codex_home / "auth.json").exists()
    assert client.call("account/logout") == {}
    assert client.call("account/read", {}) == {"account": None, "requiresOpenaiAuth": True}


def test_unusable_client_tokens_are_refused(spawn: Spawn) -> None:
    client = spawn()
    error = client.call_error(
        "account/login/start",
        {"type": "chatgptAuthTokens", "accessToken": "a.b.c", "chatgptAccountId": "x"},
    )
    assert error["code"] == -32603
    assert error["message"].startswith("failed to set external auth: ")


def test_a_401_asks_the_client_for_fresh_tokens(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    from tests.mock_model_server import HttpError, assistant_message, write_mock_config

    write_mock_config(codex_home, mock_model, provider_extra={"requires_openai_auth": True})
    mock_model.enqueue(HttpError(401, {"error": {"message": "token expired"}}))
    mock_model.enqueue(assistant_message("after the refresh"))
    client = spawn()
    first = _client_tokens("client@example.com", "pro", "acct-old")
    client.call("account/login/start", first)
    cid = client.call("newConversation", {})["conversationId"]
    client.call("addConversationListener", {"conversationId": cid})
    items = [{"type": "text", "data": {"text": "hi"}}]
    client.call("sendUserMessage", {"conversationId": cid, "items": items})
    asked = client.wait_server_request("account/chatgptAuthTokens/refresh")
    assert asked["params"] == {"reason": "unauthorized", "previousAccountId": "acct-old"}
    fresh = _client_tokens("client@example.com", "pro", "acct-new")
    client.respond(
        asked["id"],
        {
            "accessToken": fresh["accessToken"],
            "chatgptAccountId": "acct-new",
            "chatgptPlanType": None,
        },
    )
    done = client.wait_event("task_complete", cid)
    assert done["params"]["msg"]["last_agent_message"] == "after the refresh"
    sent = [
        (r.header("authorization"), r.header("chatgpt-account-id"))
        for r in mock_model.model_requests
    ]
    assert sent == [
        (f"Bearer {first['accessToken']}", "acct-old"),
        (f"Bearer {fresh['accessToken']}", "acct-new"),
    ]
    assert not (codex_home / "auth.json").exists()
