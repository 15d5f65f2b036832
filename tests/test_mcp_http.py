"""Streamable HTTP MCP servers through the real daemon: tools, headers that
go to their own server only, bearer tokens from the environment, and OAuth
(``codex-app-server mcp login`` against a fake authorization server on
loopback; tokens in a keyring or in ``CODEX_HOME/.credentials.json``; refresh)."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app_server.config.mcp import HttpServerConfig
from app_server.mcp.http_auth import McpAuthError, ServerAuth
from tests.harness.stdio import DaemonClient
from tests.keyring_backends import KEYRING_FILE_ENV
from tests.mcp_support import run_turn, server_table, start_conversation
from tests.mcp_test_server import McpHttpServer
from tests.mock_model_server import (
    MockModelServer,
    assistant_message,
    function_call,
    write_mock_config,
)

Spawn = Callable[..., DaemonClient]
REPO = Path(__file__).resolve().parent.parent
#: No keyring at all: tokens go to the file.
NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


@pytest.fixture
def http_server() -> Iterator[Callable[..., McpHttpServer]]:
    started: list[McpHttpServer] = []

    def start(name: str = "http-server", **kw: Any) -> McpHttpServer:
        server = McpHttpServer(name, **kw).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def headers_seen(output: str) -> dict[str, str]:
    seen: dict[str, str] = json.loads(json.loads(output)[0]["text"])
    return seen


def test_http_tools_and_headers_sent_only_to_their_server(
    spawn: Spawn,
    mock_model: MockModelServer,
    codex_home: Path,
    workdir: Path,
    http_server: Callable[..., McpHttpServer],
) -> None:
    alpha = http_server("alpha", bearer="alpha-token")
    beta = http_server("beta")
    extra = server_table(
        "alpha",
        url=alpha.url,
        bearer_token_env_var="ALPHA_TOKEN",
        http_headers={"X-Static": "static-alpha"},
        env_http_headers={"X-From-Env": "ALPHA_HEADER", "X-Unset": "NOT_SET_ANYWHERE"},
    ) + server_table("beta", url=beta.url)
    write_mock_config(codex_home, mock_model, extra=extra)
    mock_model.enqueue(function_call("mcp__alpha__headers", {}, call_id="a"))
    mock_model.enqueue(function_call("mcp__beta__headers", {}, call_id="b"))
    mock_model.enqueue(function_call("mcp__alpha__crash", {}, call_id="crash"))
    mock_model.enqueue(function_call("mcp__alpha__echo", {"text": "back"}, call_id="again"))
    mock_model.enqueue(assistant_message("done"))
    client = spawn(env={"ALPHA_TOKEN": "alpha-token", "ALPHA_HEADER": "from-env"})
    cid = start_conversation(client, workdir)
    run_turn(client, cid, workdir)
    outputs = mock_model.model_requests[-1].tool_outputs()

    seen_by_alpha = headers_seen(outputs["a"])
    assert seen_by_alpha["authorization"] == "Bearer alpha-token"
    assert seen_by_alpha["x-static"] == "static-alpha"
    assert seen_by_alpha["x-from-env"] == "from-env"
    assert "x-unset" not in seen_by_alpha
    seen_by_beta = headers_seen(outputs["b"])
    assert not {"authorization", "x-static", "x-from-env"} & set(seen_by_beta)
    # Every request, not only tool calls.
    assert all(r.headers.get("x-static") == "static-alpha" for r in alpha.requests)
    assert all(r.headers.get("authorization") == "Bearer alpha-token" for r in alpha.requests)
    assert not any("x-static" in r.headers or "authorization" in r.headers for r in beta.requests)
    # A connection dropped mid-call is an error for that call; the next one reconnects.
    assert outputs["crash"].startswith("tool call error: tool call failed for `alpha/crash`: ")
    assert outputs["again"] == '{"echoed":"back"}'
    methods = [r.message.get("method") for r in alpha.requests if r.message]
    assert methods.count("initialize") == 2


async def test_env_headers_and_bearer_tokens_are_read_at_each_request() -> None:
    config = HttpServerConfig(
        url="http://127.0.0.1:9/mcp",
        bearer_token_env_var="TOKEN",
        env_http_headers={"X-Env": "HEADER"},
    )
    environ: dict[str, str] = {"TOKEN": "first"}
    auth = ServerAuth("docs", config, environ=environ)
    seen: list[httpx.Headers] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200)

    async with httpx.AsyncClient(auth=auth, transport=httpx.MockTransport(record)) as client:
        await client.post(config.url)
        environ.update(TOKEN="second", HEADER="now")
        await client.post(config.url)
        del environ["TOKEN"]
        with pytest.raises(McpAuthError, match="Environment variable TOKEN for MCP server 'docs'"):
            await client.post(config.url)
    assert seen[0]["authorization"] == "Bearer first" and "x-env" not in seen[0]
    assert seen[1]["authorization"] == "Bearer second" and seen[1]["x-env"] == "now"
    assert len(seen) == 2


def test_a_missing_bearer_token_variable_stops_the_server_from_starting(
    spawn: Spawn,
    mock_model: MockModelServer,
    codex_home: Path,
    workdir: Path,
    http_server: Callable[..., McpHttpServer],
) -> None:
    server = http_server("alpha", bearer="x")
    extra = server_table("alpha", url=server.url, bearer_token_env_var="ALPHA_TOKEN")
    write_mock_config(codex_home, mock_model, extra=extra)
    client = spawn()
    cid = client.call("newConversation", {"cwd": str(workdir)}, timeout=60)["conversationId"]
    client.call("addConversationListener", {"conversationId": cid})
    error = client.wait_event("error", cid)["params"]["msg"]["message"]
    assert error == (
        "MCP client for `alpha` failed to start: "
        "Environment variable ALPHA_TOKEN for MCP server 'alpha' is not set"
    )
    assert server.requests == []


# -- OAuth ------------------------------------------------------------------------------


def mcp_login(
    codex_home: Path, name: str, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """Run ``codex-app-server mcp login``, acting as the user's browser."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CODEX_")}
    environ.update(env, CODEX_HOME=str(codex_home))
    proc = subprocess.Popen(
        [sys.executable, "-m", "app_server", "mcp", "login", name, "--no-browser", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    found = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "/authorize?" in line:
                found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert found.wait(30), "".join(lines)
    match = re.search(r"(http://127\.0\.0\.1:\d+/authorize\?\S+)", "".join(lines))
    assert match is not None

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(NoRedirect).open(match.group(1), timeout=10)
    callback = redirect.value.headers["location"]
    with urllib.request.urlopen(callback, timeout=10) as page:
        assert page.read() == b"Authentication complete. You may close this window."
    stderr = proc.stderr.read() if proc.stderr is not None else ""
    proc.wait(30)
    reader.join(5)
    return subprocess.CompletedProcess(proc.args, proc.returncode, "".join(lines), stderr)


def test_oauth_login_saves_tokens_in_the_file_without_a_keyring(
    spawn: Spawn,
    mock_model: MockModelServer,
    codex_home: Path,
    workdir: Path,
    http_server: Callable[..., McpHttpServer],
) -> None:
    server = http_server("secure", oauth=True)
    extra = server_table("secure", url=server.url, scopes=["read"])
    write_mock_config(codex_home, mock_model, extra=extra)

    done = mcp_login(codex_home, "secure", NO_KEYRING)
    assert done.returncode == 0, done.stderr
    assert "Successfully logged in to MCP server 'secure'" in done.stdout
    (authorize,) = server.authorize_requests
    assert authorize["code_challenge_method"] == "S256" and authorize["scope"] == "read"
    assert authorize["redirect_uri"].startswith("http://127.0.0.1:")
    (exchange,) = server.token_requests
    assert exchange["grant_type"] == "authorization_code" and exchange["code_verifier"]

    path = codex_home / ".credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (entry,) = json.loads(path.read_text()).values()
    assert entry["server_name"] == "secure" and entry["server_url"] == server.url
    assert entry["access_token"] in server.access_tokens and entry["scopes"] == ["read"]
    assert entry["access_token"] not in done.stdout + done.stderr

    mock_model.enqueue(function_call("mcp__secure__headers", {}, call_id="h"))
    mock_model.enqueue(assistant_message("done"))
    client = spawn(env=NO_KEYRING)
    cid = start_conversation(client, workdir)
    run_turn(client, cid, workdir)
    seen = headers_seen(mock_model.model_requests[-1].tool_outputs()["h"])
    assert seen["authorization"] == f"Bearer {entry['access_token']}"
    assert entry["access_token"] not in client.stderr_text()


def test_oauth_tokens_in_a_keyring(
    spawn: Spawn,
    mock_model: MockModelServer,
    codex_home: Path,
    workdir: Path,
    tmp_path: Path,
    http_server: Callable[..., McpHttpServer],
) -> None:
    server = http_server("secure", oauth=True)
    write_mock_config(codex_home, mock_model, extra=server_table("secure", url=server.url))
    keyring_file = tmp_path / "keyring.json"
    env = {
        "PYTHON_KEYRING_BACKEND": "tests.keyring_backends.FileKeyring",
        KEYRING_FILE_ENV: str(keyring_file),
        "PYTHONPATH": str(REPO),
    }
    done = mcp_login(codex_home, "secure", env, "--scopes", "read,write")
    assert done.returncode == 0, done.stderr
    assert "the system keyring" in done.stdout
    assert not (codex_home / ".credentials.json").exists()
    ((key, value),) = json.loads(keyring_file.read_text()).items()
    assert key.startswith("Codex MCP Credentials\0secure|")
    document = json.loads(value)
    assert document["token_response"]["scope"] == "read write"
    token = document["token_response"]["access_token"]

    mock_model.enqueue(function_call("mcp__secure__headers", {}, call_id="h"))
    mock_model.enqueue(assistant_message("done"))
    client = spawn(env=env)
    cid = start_conversation(client, workdir)
    run_turn(client, cid, workdir)
    seen = headers_seen(mock_model.model_requests[-1].tool_outputs()["h"])
    assert seen["authorization"] == f"Bearer {token}"


def test_expired_or_refused_tokens_are_refreshed_and_saved(
    spawn: Spawn,
    mock_model: MockModelServer,
    codex_home: Path,
    workdir: Path,
    http_server: Callable[..., McpHttpServer],
) -> None:
    # Tokens that expire within the refresh margin: refreshed before first use.
    server = http_server("secure", oauth=True, token_lifetime=5)
    write_mock_config(codex_home, mock_model, extra=server_table("secure", url=server.url))
    assert mcp_login(codex_home, "secure", NO_KEYRING).returncode == 0
    path = codex_home / ".credentials.json"
    (first,) = json.loads(path.read_text()).values()

    mock_model.enqueue(function_call("mcp__secure__headers", {}, call_id="h1"))
    mock_model.enqueue(assistant_message("done"))
    client = spawn(env=NO_KEYRING)
    cid = start_conversation(client, workdir)
    run_turn(client, cid, workdir)
    grants = [request["grant_type"] for request in server.token_requests]
    assert grants == ["authorization_code", "refresh_token"]
    (second,) = json.loads(path.read_text()).values()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    seen = headers_seen(mock_model.model_requests[-1].tool_outputs()["h1"])
    assert seen["authorization"] == f"Bearer {second['access_token']}"

    # The server forgets the token before it expires: the 401 gets a refresh and a retry.
    server.token_lifetime = 3600
    server.access_tokens.clear()
    mock_model.enqueue(function_call("mcp__secure__echo", {"text": "still"}, call_id="h2"))
    mock_model.enqueue(assistant_message("done"))
    run_turn(client, cid, workdir)
    assert mock_model.model_requests[-1].tool_outputs()["h2"] == '{"echoed":"still"}'
    assert [r["grant_type"] for r in server.token_requests][-1] == "refresh_token"
    (third,) = json.loads(path.read_text()).values()
    assert third["access_token"] in server.access_tokens


def test_a_server_asking_for_a_login_says_so(
    spawn: Spawn,
    mock_model: MockModelServer,
    codex_home: Path,
    workdir: Path,
    http_server: Callable[..., McpHttpServer],
) -> None:
    server = http_server("secure", oauth=True)
    write_mock_config(codex_home, mock_model, extra=server_table("secure", url=server.url))
    client = spawn(env=NO_KEYRING)
    cid = client.call("newConversation", {"cwd": str(workdir)}, timeout=60)["conversationId"]
    client.call("addConversationListener", {"conversationId": cid})
    error = client.wait_event("error", cid)["params"]["msg"]["message"]
    assert error == (
        "MCP client for `secure` failed to start: The secure MCP server is not logged in. "
        "Run `codex-app-server mcp login secure`."
    )


def test_login_refuses_stdio_and_unknown_servers(codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('[mcp_servers.local]\ncommand = "x"\n')
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CODEX_")}
    environ["CODEX_HOME"] = str(codex_home)
    for name, message in (
        ("local", "OAuth login is only supported for streamable HTTP servers."),
        ("ghost", "No MCP server named 'ghost' found."),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "app_server", "mcp", "login", name, "--no-browser"],
            capture_output=True,
            text=True,
            env=environ,
            timeout=60,
        )
        assert done.returncode == 1 and message in done.stderr


def test_logout_forgets_the_tokens(
    codex_home: Path, http_server: Callable[..., McpHttpServer]
) -> None:
    server = http_server("secure", oauth=True)
    (codex_home / "config.toml").write_text(server_table("secure", url=server.url))
    assert mcp_login(codex_home, "secure", NO_KEYRING).returncode == 0
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CODEX_")}
    environ.update(NO_KEYRING, CODEX_HOME=str(codex_home))
    command = [sys.executable, "-m", "app_server", "mcp", "logout", "secure"]
    done = subprocess.run(command, capture_output=True, text=True, env=environ, timeout=60)
    assert done.returncode == 0 and "Removed OAuth credentials for 'secure'." in done.stdout
    assert not (codex_home / ".credentials.json").exists()
    again = subprocess.run(command, capture_output=True, text=True, env=environ, timeout=60)
    assert "No OAuth credentials stored for 'secure'." in again.stdout
