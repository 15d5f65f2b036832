"""ChatGPT login in-process: the callback server is real (loopback), the token
endpoint is mocked with respx, the browser is a raw socket client."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote, urlsplit

import anyio
import httpx
import pytest
import respx

from tests.auth_helpers import id_token
from tests.harness.inprocess import InProcessClient, in_process_daemon

pytestmark = pytest.mark.anyio

TOKEN_URL = "http://127.0.0.1:9/oauth/token"  # the issuer of the tests' environment
ID_TOKEN = id_token(email="new@example.com", plan="plus", account_id="acct-new")
ACCESS = "login-access-token-0123456789"
REFRESH = "login-refresh-token-0123456789"


class Login:
    """A started login, as the client sees it."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.id: str = result["loginId"]
        self.url: str = result["authUrl"]
        self.params = {k: v[0] for k, v in parse_qs(urlsplit(self.url).query).items()}
        self.state = self.params["state"]
        redirect = urlsplit(self.params["redirect_uri"])
        assert (redirect.hostname, redirect.path) == ("localhost", "/auth/callback")
        assert redirect.port is not None
        self.port: int = redirect.port

    def callback(self, **query: str) -> str:
        return "/auth/callback?" + "&".join(f"{k}={quote(v)}" for k, v in query.items())


async def browse(port: int, target: str) -> tuple[int, str]:
    """GET ``target`` from the callback server: status and body."""
    async with await anyio.connect_tcp("127.0.0.1", port) as stream:
        await stream.send(f"GET {target} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n".encode())
        data = b""
        with anyio.fail_after(10):
            while True:
                try:
                    data += await stream.receive()
                except anyio.EndOfStream:
                    break
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    assert b"Connection: close" in head
    return status, body.decode()


async def port_is_free(port: int) -> bool:
    try:
        async with await anyio.connect_tcp("127.0.0.1", port):
            return False
    except OSError:
        return True


@contextmanager
def token_endpoint(api_key: str | None = None, code_status: int = 200) -> Iterator[respx.Route]:
    def answer(request: httpx.Request) -> httpx.Response:
        form = dict(parse_qsl(request.content.decode()))
        if form["grant_type"] == "authorization_code":
            if code_status != 200:
                return httpx.Response(code_status, json={"error": "invalid_grant"})
            tokens = {"id_token": ID_TOKEN, "access_token": ACCESS, "refresh_token": REFRESH}
            return httpx.Response(200, json=tokens)
        if api_key is None:
            return httpx.Response(401, json={"error": "no platform organization"})
        return httpx.Response(200, json={"access_token": api_key})

    with respx.mock() as router:
        yield router.post(TOKEN_URL).mock(side_effect=answer)


async def start(client: InProcessClient, method: str = "loginChatGpt") -> Login:
    if method == "loginChatGpt":
        return Login(await client.call("loginChatGpt"))
    return Login(await client.call("account/login/start", {"type": "chatgpt"}))


async def completion(client: InProcessClient, login: Login, start: int = 0) -> dict[str, Any]:
    note = await client.wait_for(
        lambda m: m.get("method") == "loginChatGptComplete" and m["params"]["loginId"] == login.id,
        start=start,
    )
    params: dict[str, Any] = note["params"]
    return params


async def test_a_whole_login(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        login = await start(client)
        assert login.params["client_id"] == "app_EMoamEEZ73f0CkXaXp7hrann"
        assert login.params["code_challenge_method"] == "S256"
        with token_endpoint() as route:
            # A wrong state is refused, and the login goes on waiting.
            status, body = await browse(login.port, login.callback(code="c", state="forged"))
            assert status == 400 and "State mismatch" in body
            status, body = await browse(login.port, login.callback(state=login.state))
            assert status == 400 and "Missing authorization code" in body
            assert route.call_count == 0
            status, body = await browse(login.port, "/favicon.ico")
            assert status == 404
            mark = len(client.messages)
            status, body = await browse(
                login.port, login.callback(code="the-code", state=login.state)
            )
        assert status == 200 and "Signed in to Codex" in body
        assert ACCESS not in body and REFRESH not in body
        exchange = dict(parse_qsl(route.calls[0].request.content.decode()))
        assert exchange["code"] == "the-code"
        assert exchange["redirect_uri"] == login.params["redirect_uri"]
        verifier = exchange["code_verifier"].encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        assert challenge.decode() == login.params["code_challenge"]
        assert route.call_count == 2  # the API-key exchange was tried (and refused)

        assert await completion(client, login, mark) == {
            "loginId": login.id,
            "success": True,
            "error": None,
        }
        status_note = await client.wait_for(
            lambda m: m.get("method") == "authStatusChange", start=mark
        )
        assert status_note["params"] == {"authMethod": "chatgpt"}
        order = [m.get("method") for m in client.messages[mark:] if "method" in m]
        assert order == ["loginChatGptComplete", "authStatusChange"]

        path = codex_home / "auth.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        saved = json.loads(path.read_text())
        assert saved["OPENAI_API_KEY"] is None
        assert saved["tokens"] == {
            "id_token": ID_TOKEN,
            "access_token": ACCESS,
            "refresh_token": REFRESH,
            "account_id": "acct-new",
        }
        assert saved["last_refresh"].endswith("Z")
        assert await client.call("getAuthStatus", {"includeToken": True}) == {
            "authMethod": "chatgpt",
            "authToken": ACCESS,
            "requiresOpenaiAuth": True,
        }
        assert await client.call("account/read", {}) == {
            "account": {"type": "chatgpt", "email": "new@example.com", "planType": "plus"},
            "requiresOpenaiAuth": True,
        }
        # The flow is over: its port is free and its id unknown.
        assert await port_is_free(login.port)
        error = await client.call_error("cancelLoginChatGpt", {"loginId": login.id})
        assert error == {"code": -32600, "message": f"login id not found: {login.id}"}


async def test_an_api_key_from_the_exchange_takes_precedence(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        login = await start(client, "account/login/start")
        with token_endpoint(api_key="sk-exchanged-0123456789"):
            status, _ = await browse(login.port, login.callback(code="c", state=login.state))
        assert status == 200
        # A login started through v2 reports through v2's notifications.
        done = await client.wait_for(lambda m: m.get("method") == "account/login/completed")
        assert done["params"] == {"loginId": login.id, "success": True, "error": None}
        note = await client.wait_for(lambda m: m.get("method") == "account/updated")
        assert note["params"] == {"authMode": "apikey"}
        saved = json.loads((codex_home / "auth.json").read_text())
        assert saved["OPENAI_API_KEY"] == "sk-exchanged-0123456789"
        assert saved["tokens"]["access_token"] == ACCESS


async def test_a_failed_exchange_can_be_retried(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        login = await start(client)
        with token_endpoint(code_status=400):
            status, body = await browse(login.port, login.callback(code="c", state=login.state))
        assert status == 500
        assert "Token exchange failed: token endpoint returned status 400 Bad Request" in body
        assert not (codex_home / "auth.json").exists()
        with token_endpoint():
            status, _ = await browse(login.port, login.callback(code="c2", state=login.state))
        assert status == 200 and (await completion(client, login))["success"] is True


async def test_a_forced_workspace(codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('forced_chatgpt_workspace_id = "ws-corp"\n')
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        login = await start(client)
        assert login.params["allowed_workspace_id"] == "ws-corp"
        with token_endpoint() as route:
            status, body = await browse(login.port, login.callback(code="c", state=login.state))
        assert status == 403 and "Login is restricted to workspace id ws-corp." in body
        assert route.call_count == 1  # no API key is asked for
        assert await completion(client, login) == {
            "loginId": login.id,
            "success": False,
            "error": "Login server error: Login is restricted to workspace id ws-corp.",
        }
        assert not (codex_home / "auth.json").exists()
        assert await port_is_free(login.port)


async def test_an_error_from_the_provider_ends_the_login(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        login = await start(client)
        target = login.callback(state=login.state, error="access_denied", error_description="No")
        status, body = await browse(login.port, target)
        assert status == 403 and "access_denied" in body
        assert (await completion(client, login))["error"] == (
            "Login server error: Sign-in failed: access_denied: No"
        )


async def test_a_new_login_replaces_the_old_one(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        first = await start(client)
        second = await start(client)
        assert second.id != first.id and second.state != first.state
        assert await completion(client, first) == {
            "loginId": first.id,
            "success": False,
            "error": "Login server error: Login cancelled",
        }
        assert await port_is_free(first.port) or first.port == second.port
        error = await client.call_error("cancelLoginChatGpt", {"loginId": first.id})
        assert error["message"] == f"login id not found: {first.id}"
        # The first login's state is no good on the second's server.
        status, _ = await browse(second.port, second.callback(code="c", state=first.state))
        assert status == 400


async def test_cancel(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        login = await start(client)
        mark = len(client.messages)
        assert await client.call("cancelLoginChatGpt", {"loginId": login.id}) == {}
        assert await completion(client, login, mark) == {
            "loginId": login.id,
            "success": False,
            "error": "Login server error: Login was not completed",
        }
        # The answer comes first, then the notification (as with the reference).
        kinds = [("result" in m, m.get("method")) for m in client.messages[mark:]]
        assert kinds[0] == (True, None) and kinds[1] == (False, "loginChatGptComplete")
        assert await port_is_free(login.port)
        error = await client.call_error("cancelLoginChatGpt", {"loginId": login.id})
        assert error == {"code": -32600, "message": f"login id not found: {login.id}"}


async def test_an_api_key_login_or_a_logout_stops_the_browser_login(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        for method, params in (
            ("loginApiKey", {"apiKey": "sk-typed-0123456"}),
            ("logoutChatGpt", None),
        ):
            login = await start(client)
            await client.call(method, params)
            assert (await completion(client, login))["error"] == (
                "Login server error: Login was not completed"
            )
            assert await port_is_free(login.port)


async def test_the_cancel_path_frees_the_port_for_another_server(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        login = await start(client)
        status, body = await browse(login.port, "/cancel")
        assert status == 200 and "cancelled" in body
        assert (await completion(client, login))["error"] == "Login server error: Login cancelled"


async def test_a_login_that_is_never_completed_times_out(
    codex_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEX_APP_SERVER_LOGIN_TIMEOUT_SECS", "0.3")
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        login = await start(client)
        assert await completion(client, login) == {
            "loginId": login.id,
            "success": False,
            "error": "Login timed out",
        }
        assert await port_is_free(login.port)


async def test_a_busy_port_is_asked_to_cancel_then_reported(
    codex_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    requests: list[bytes] = []

    async def squatter(stream: anyio.abc.SocketStream) -> None:
        async with stream:
            requests.append(await stream.receive())

    async with await anyio.create_tcp_listener(local_host="127.0.0.1") as listener:
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        monkeypatch.setenv("CODEX_APP_SERVER_LOGIN_PORT", str(port))
        async with anyio.create_task_group() as tg:
            tg.start_soon(listener.serve, squatter)
            async with in_process_daemon(codex_home) as client:
                await client.initialize()
                error = await client.call_error("loginChatGpt")
            tg.cancel_scope.cancel()
    assert error == {
        "code": -32603,
        "message": f"failed to start login server: Port 127.0.0.1:{port} is already in use",
    }
    assert requests and requests[0].startswith(b"GET /cancel HTTP/1.1\r\n")


async def test_forced_api_login_refuses_the_browser_login(codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('forced_login_method = "api"\n')
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        for method in ("loginChatGpt", "account/login/start"):
            params = {"type": "chatgpt"} if method == "account/login/start" else None
            assert await client.call_error(method, params) == {
                "code": -32600,
                "message": "ChatGPT login is disabled. Use API key login instead.",
            }


async def test_what_is_not_a_request_gets_a_400_and_the_login_goes_on(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        login = await start(client)
        unparsable = b"GET //[::1/auth/callback HTTP/1.1\r\n\r\n"  # urlsplit: ValueError
        too_long = b"GET /auth/callback HTTP/1.1\r\n" + b"X: y\r\n" * 3000
        for raw in (b"garbage\r\n\r\n", unparsable, too_long):
            async with await anyio.connect_tcp("127.0.0.1", login.port) as stream:
                await stream.send(raw)
                with anyio.fail_after(10):
                    head = await stream.receive()
            assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n")
        # A client that connects and says nothing does not block the others.
        async with await anyio.connect_tcp("127.0.0.1", login.port):
            with token_endpoint():
                status, _ = await browse(login.port, login.callback(code="c", state=login.state))
        assert status == 200 and (await completion(client, login))["success"] is True
