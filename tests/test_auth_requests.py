"""The auth requests in-process: replies, notifications and their order,
restrictions, a broken config."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.auth_helpers import ACCESS_TOKEN, chatgpt_auth_json, write_auth_json
from tests.harness.inprocess import in_process_daemon

pytestmark = pytest.mark.anyio

CUSTOM_PROVIDER = """model_provider = "mock"
[model_providers.mock]
name = "Mock"
base_url = "http://127.0.0.1:9/v1"
"""


@pytest.fixture(autouse=True)
def api_keys_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    monkeypatch.setenv("CODEX_API_KEY", "sk-codex-from-the-environment")


#: getAuthStatus signed out: 0.107 writes the nulls.
SIGNED_OUT = {"authMethod": None, "authToken": None, "requiresOpenaiAuth": True}


async def test_login_then_status_then_logout(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        # The environment's keys are not a sign-in.
        assert await client.call("getAuthStatus", {}) == SIGNED_OUT
        assert await client.call("getAuthStatus", {"includeToken": True}) == SIGNED_OUT

        response = await client.request("loginApiKey", {"apiKey": "sk-test-key"})
        assert response["result"] == {}
        note = await client.wait_for(lambda m: m.get("method") == "authStatusChange")
        assert note == {"method": "authStatusChange", "params": {"authMethod": "apikey"}}
        assert client.messages.index(response) < client.messages.index(note)

        path = codex_home / "auth.json"
        assert path.read_bytes() == b'{\n  "OPENAI_API_KEY": "sk-test-key"\n}'
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

        assert await client.call("getAuthStatus", {"includeToken": True}) == {
            "authMethod": "apikey",
            "authToken": "sk-test-key",
            "requiresOpenaiAuth": True,
        }
        assert await client.call("getAuthStatus", {"includeToken": None}) == {
            "authMethod": "apikey",
            "authToken": None,
            "requiresOpenaiAuth": True,
        }
        assert await client.call("getAuthStatus", {"includeToken": True, "refreshToken": True}) == {
            "authMethod": "apikey",
            "authToken": "sk-test-key",
            "requiresOpenaiAuth": True,
        }
        assert await client.call("userInfo") == {"allegedUserEmail": None}
        assert await client.call("account/read", {}) == {
            "account": {"type": "apiKey"},
            "requiresOpenaiAuth": True,
        }

        start = len(client.messages)
        response = await client.request("logoutChatGpt", None, omit_params=True)
        assert response["result"] == {}
        note = await client.wait_for(lambda m: m.get("method") == "authStatusChange", start=start)
        assert note["params"] == {"authMethod": None}
        assert client.messages.index(response) < client.messages.index(note)
        assert not path.exists()
        assert await client.call("getAuthStatus", {}) == SIGNED_OUT
        assert await client.call("account/read", {"refreshToken": False}) == {
            "account": None,
            "requiresOpenaiAuth": True,
        }


async def test_logout_when_signed_out_still_notifies(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        assert await client.call("logoutChatGpt", {}) == {}
        note = await client.wait_for(lambda m: m.get("method") == "authStatusChange")
        assert note["params"] == {"authMethod": None}


async def test_an_empty_key_is_saved_but_counts_as_signed_out(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        assert await client.call("loginApiKey", {"apiKey": ""}) == {}
        note = await client.wait_for(lambda m: m.get("method") == "authStatusChange")
        assert note["params"] == {"authMethod": "apikey"}
        assert (codex_home / "auth.json").read_text() == '{\n  "OPENAI_API_KEY": ""\n}'
        assert await client.call("getAuthStatus", {"includeToken": True}) == SIGNED_OUT


async def test_pipelined_requests_see_the_login_before_them(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        await client.send({"id": 101, "method": "loginApiKey", "params": {"apiKey": "sk-pipe"}})
        await client.send({"id": 102, "method": "getAuthStatus", "params": {"includeToken": True}})
        await client.send({"id": 103, "method": "account/read", "params": {}})
        await client.send({"id": 104, "method": "logoutChatGpt"})
        await client.send({"id": 105, "method": "getAuthStatus", "params": {}})
        status = await client.wait_for(lambda m: m.get("id") == 102)
        assert status["result"]["authToken"] == "sk-pipe"
        account = (await client.wait_for(lambda m: m.get("id") == 103))["result"]["account"]
        assert account == {"type": "apiKey"}
        last = await client.wait_for(lambda m: m.get("id") == 105)
        assert last["result"] == SIGNED_OUT


async def test_account_login_and_logout(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        result = await client.call("account/login/start", {"type": "apiKey", "apiKey": "sk-acct"})
        assert result == {"type": "apiKey"}
        # v2 logins report through v2's notifications (as 0.107 does).
        note = await client.wait_for(lambda m: m.get("method") == "account/updated")
        assert note["params"] == {"authMode": "apikey"}
        assert json.loads((codex_home / "auth.json").read_text()) == {"OPENAI_API_KEY": "sk-acct"}
        account = await client.call("account/read", {})
        assert account == {"account": {"type": "apiKey"}, "requiresOpenaiAuth": True}
        assert "sk-acct" not in json.dumps(account)

        start = len(client.messages)
        assert await client.call("account/logout") == {}
        note = await client.wait_for(lambda m: m.get("method") == "account/updated", start=start)
        assert note["params"] == {"authMode": None}
        assert not (codex_home / "auth.json").exists()

        started = await client.call("account/login/start", {"type": "chatgpt"})
        assert set(started) == {"type", "loginId", "authUrl"}
        assert started["type"] == "chatgpt"
        assert started["authUrl"].startswith("http://127.0.0.1:9/oauth/authorize?")
        start = len(client.messages)
        assert await client.call("cancelLoginChatGpt", {"loginId": started["loginId"]}) == {}
        # The login reports as it was started (v2), whichever way it is cancelled.
        note = await client.wait_for(
            lambda m: m.get("method") == "account/login/completed", start=start
        )
        assert note["params"] == {
            "loginId": started["loginId"],
            "success": False,
            "error": "Login server error: Login was not completed",
        }


async def test_chatgpt_credentials(codex_home: Path) -> None:
    write_auth_json(codex_home, chatgpt_auth_json(email="me@example.com"))
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        assert await client.call("userInfo") == {"allegedUserEmail": "me@example.com"}
        assert await client.call("getAuthStatus", {"includeToken": True}) == {
            "authMethod": "chatgpt",
            "authToken": ACCESS_TOKEN,
            "requiresOpenaiAuth": True,
        }
        assert await client.call("account/read", {}) == {
            "account": {"type": "chatgpt", "email": "me@example.com", "planType": "pro"},
            "requiresOpenaiAuth": True,
        }
        # The refresh fails (nothing answers at the token URL): the saved
        # token is reported as it is.
        assert (await client.call("getAuthStatus", {"includeToken": True, "refreshToken": True}))[
            "authToken"
        ] == ACCESS_TOKEN
        # Signed in elsewhere with another account: noticed at once.
        write_auth_json(codex_home, chatgpt_auth_json(email="you@example.com"))
        assert await client.call("userInfo") == {"allegedUserEmail": "you@example.com"}
        (codex_home / "auth.json").unlink()
        assert await client.call("userInfo") == {"allegedUserEmail": None}


async def test_a_custom_provider_does_not_need_openai_auth(codex_home: Path) -> None:
    (codex_home / "config.toml").write_text(CUSTOM_PROVIDER)
    write_auth_json(codex_home, {"OPENAI_API_KEY": "sk-saved"})
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        assert await client.call("getAuthStatus", {"includeToken": True}) == {
            "authMethod": None,
            "authToken": None,
            "requiresOpenaiAuth": False,
        }


async def test_forced_chatgpt_login_refuses_api_keys(codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('forced_login_method = "chatgpt"\n')
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        for method, params in (
            ("loginApiKey", {"apiKey": "sk-refused"}),
            ("account/login/start", {"type": "apiKey", "apiKey": "sk-refused"}),
        ):
            error = await client.call_error(method, params)
            assert error == {
                "code": -32600,
                "message": "API key login is disabled. Use ChatGPT login instead.",
            }
        assert not (codex_home / "auth.json").exists()
        assert not any(m.get("method") == "authStatusChange" for m in client.messages)
        # A key saved before the restriction is not used (nor deleted).
        write_auth_json(codex_home, {"OPENAI_API_KEY": "sk-old"})
        assert await client.call("getAuthStatus", {"includeToken": True}) == SIGNED_OUT
        assert (await client.call("account/read", {}))["account"] is None
        assert (codex_home / "auth.json").exists()


async def test_forced_api_login_refuses_chatgpt(codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('forced_login_method = "api"\n')
    write_auth_json(codex_home, chatgpt_auth_json())
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        error = await client.call_error("account/login/start", {"type": "chatgpt"})
        assert error == {
            "code": -32600,
            "message": "ChatGPT login is disabled. Use API key login instead.",
        }
        assert await client.call("getAuthStatus", {}) == SIGNED_OUT
        assert await client.call("loginApiKey", {"apiKey": "sk-allowed"}) == {}
        assert (await client.call("getAuthStatus", {}))["authMethod"] == "apikey"


async def test_forced_workspace(codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('forced_chatgpt_workspace_id = "ws-corp"\n')
    write_auth_json(codex_home, chatgpt_auth_json(account_id="ws-personal"))
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        assert await client.call("getAuthStatus", {"includeToken": True}) == SIGNED_OUT
        write_auth_json(codex_home, chatgpt_auth_json(account_id="ws-corp"))
        assert (await client.call("getAuthStatus", {}))["authMethod"] == "chatgpt"


async def test_a_broken_config_is_a_clear_error_and_the_daemon_goes_on(codex_home: Path) -> None:
    config = codex_home / "config.toml"
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        config.write_text('approval_policy = "sometimes"\n')
        for method, params in (
            ("getAuthStatus", {}),
            ("loginApiKey", {"apiKey": "sk-not-saved"}),
            ("getUserSavedConfig", None),
            ("account/read", {}),
        ):
            error = await client.call_error(method, params)
            assert error["code"] == -32603, method
            assert f"{config}:1" in error["message"] and "approval_policy" in error["message"]
            assert "Traceback" not in error["message"] and "sk-not-saved" not in error["message"]
        config.write_text("[broken\n")
        error = await client.call_error("getUserSavedConfig")
        assert str(config) in error["message"] and f"{config}:1:" in error["message"]
        # Requests that need no config still work.
        assert await client.call("userInfo") == {"allegedUserEmail": None}
        assert await client.call("logoutChatGpt", {}) == {}
        config.write_text('model = "fixed"\n')
        assert (await client.call("getUserSavedConfig"))["config"]["model"] == "fixed"


async def test_params_are_checked(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        assert (await client.call_error("getAuthStatus"))["code"] == -32600
        assert (await client.call_error("getAuthStatus", {"includeToken": "yes"}))["code"] == -32600
        assert (await client.call_error("userInfo", {"x": 1}))["code"] == -32600
        assert (await client.call_error("loginApiKey", {}))["code"] == -32600
        error = await client.call_error("account/login/start", {"type": "password"})
        assert error["code"] == -32600


async def test_account_login_cancel(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        started = await client.call("account/login/start", {"type": "chatgpt"})
        start = len(client.messages)
        cancel = {"loginId": started["loginId"]}
        assert await client.call("account/login/cancel", cancel) == {"status": "canceled"}
        note = await client.wait_for(
            lambda m: m.get("method") == "account/login/completed", start=start
        )
        assert note["params"]["success"] is False
        assert await client.call("account/login/cancel", cancel) == {"status": "notFound"}
        assert await client.call_error("account/login/cancel", {"loginId": "nope"}) == {
            "code": -32600,
            "message": "invalid login id: nope",
        }
        tokens = {"type": "chatgptAuthTokens", "accessToken": "a", "chatgptAccountId": "b"}
        error = await client.call_error("account/login/start", tokens)
        assert error["code"] == -32603
        assert error["message"].startswith("failed to set external auth: ")
