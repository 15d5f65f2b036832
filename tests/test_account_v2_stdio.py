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
