"""The v2 MCP methods and MCP governance, through the real daemon over stdio:
``mcpServerStatus/list``, ``config/mcpServer/reload``, ``mcpServer/oauth/login``,
``configRequirements/read``, the `requirements.toml` allowlist of MCP
servers, and required servers failing a resumed conversation. What they
answer was checked against Codex 0.107.0 (its `requirements.toml` put at
``/etc/codex`` in a bubblewrap sandbox)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness.stdio import DaemonClient
from tests.mcp_support import run_turn, server_table, start_conversation, stdio_table
from tests.mcp_test_server import McpHttpServer
from tests.mock_model_server import MockModelServer, assistant_message, write_mock_config

Spawn = Callable[..., DaemonClient]
NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
SYSTEM_DIR_VARIABLE = "CODEX_APP_SERVER_SYSTEM_CONFIG_DIR"


@pytest.fixture
def http_server() -> Iterator[Callable[..., McpHttpServer]]:
    servers: list[McpHttpServer] = []

    def start(name: str, **kw: Any) -> McpHttpServer:
        server = McpHttpServer(name, **kw).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _spawn(spawn: Spawn, tmp_path: Path, requirements: str | None = None) -> DaemonClient:
    path = tmp_path / "requirements.toml"
    if requirements is not None:
        path.write_text(requirements)
    return spawn(env={**NO_KEYRING, SYSTEM_DIR_VARIABLE: str(tmp_path)})


def _summary(page: dict[str, Any]) -> list[tuple[str, list[str], int, int, str]]:
    return [
        (
            server["name"],
            sorted(server["tools"]),
            len(server["resources"]),
            len(server["resourceTemplates"]),
            server["authStatus"],
        )
        for server in page["data"]
    ]


def test_server_status_lists_every_server_with_its_offer_and_auth(
    spawn: Spawn,
    mock_model: MockModelServer,
    codex_home: Path,
    tmp_path: Path,
    http_server: Callable[..., McpHttpServer],
) -> None:
    secure = http_server("secure", oauth=True)
    extra = (
        stdio_table("good", "--tools", "echo,add,image", disabled_tools=["image"])
        + stdio_table("off", enabled=False)
        + stdio_table("needed", "--fail-start", required=True)
        + server_table("bearer", url="http://127.0.0.1:9/mcp", bearer_token_env_var="NO_TOKEN")
        + server_table("secure", url=secure.url)
        + server_table("plain", url="http://127.0.0.1:9/mcp")
    )
    write_mock_config(codex_home, mock_model, extra=extra)
    client = _spawn(spawn, tmp_path)

    page = client.call("mcpServerStatus/list", {}, timeout=60)
    assert page["nextCursor"] is None
    assert _summary(page) == [
        ("bearer", [], 0, 0, "bearerToken"),
        ("good", ["add", "echo"], 2, 1, "unsupported"),
        ("needed", [], 0, 0, "unsupported"),
        ("off", [], 0, 0, "unsupported"),
        ("plain", [], 0, 0, "unsupported"),
        ("secure", [], 0, 0, "notLoggedIn"),
    ]
    good = page["data"][1]
    assert good["tools"]["echo"]["inputSchema"]["required"] == ["text"]
    assert {r["uri"] for r in good["resources"]} == {"memo://notes", "memo://logo"}
    assert good["resourceTemplates"][0]["uriTemplate"] == "memo://notes/{name}"

    first = client.call("mcpServerStatus/list", {"limit": 2}, timeout=60)
    assert [s["name"] for s in first["data"]] == ["bearer", "good"]
    assert first["nextCursor"] == "2"
    least = client.call("mcpServerStatus/list", {"limit": 0, "cursor": "5"}, timeout=60)
    assert [s["name"] for s in least["data"]] == ["secure"] and least["nextCursor"] is None
    assert client.call("mcpServerStatus/list", {"cursor": "6"}) == {
        "data": [],
        "nextCursor": None,
    }
    assert client.call_error("mcpServerStatus/list", {"cursor": "7"}) == {
        "code": -32600,
        "message": "cursor 7 exceeds total MCP servers 6",
    }
    assert client.call_error("mcpServerStatus/list", {"cursor": "x"}) == {
        "code": -32600,
        "message": "invalid cursor: x",
    }
    assert client.call("config/mcpServer/reload") == {}


def test_the_requirements_allowlist_disables_servers_it_does_not_admit(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, tmp_path: Path, workdir: Path
) -> None:
    extra = (
        stdio_table("admitted", "--tools", "echo")
        + stdio_table("unlisted", "--tools", "echo")
        + stdio_table("impostor", "--tools", "echo")
    )
    write_mock_config(codex_home, mock_model, extra=extra)
    requirements = (
        f"[mcp_servers.admitted.identity]\ncommand = {sys.executable!r}\n"
        '[mcp_servers.impostor.identity]\ncommand = "/usr/bin/some-other-server"\n'
    ).replace("'", '"')
    client = _spawn(spawn, tmp_path, requirements)
    page = client.call("mcpServerStatus/list", {}, timeout=60)
    assert _summary(page) == [
        ("admitted", ["echo"], 2, 1, "unsupported"),
        ("impostor", [], 0, 0, "unsupported"),
        ("unlisted", [], 0, 0, "unsupported"),
    ]
    # A conversation starts only the admitted server (the others are no error).
    mock_model.enqueue(assistant_message("done"))
    cid = start_conversation(client, workdir)
    run_turn(client, cid, workdir)
    offered = [tool.get("name", "") for tool in mock_model.model_requests[0].body["tools"]]
    assert [name for name in offered if name.startswith("mcp__")] == ["mcp__admitted__echo"]
    # Only the allowlist is there: the requirements are all null, not absent.
    assert client.call("configRequirements/read") == {
        "requirements": {
            "allowedApprovalPolicies": None,
            "allowedSandboxModes": None,
            "allowedWebSearchModes": None,
            "enforceResidency": None,
            "network": None,
        }
    }


def test_config_requirements_read(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, tmp_path: Path
) -> None:
    write_mock_config(codex_home, mock_model)
    client = _spawn(spawn, tmp_path)
    assert client.call("configRequirements/read") == {"requirements": None}

    path = tmp_path / "requirements.toml"
    path.write_text(
        'allowed_approval_policies = ["never", "on-request"]\n'
        'allowed_sandbox_modes = ["read-only"]\nallowed_web_search_modes = ["cached"]\n'
        'enforce_residency = "us"\n[network]\nenabled = true\n'
    )
    assert client.call("configRequirements/read") == {
        "requirements": {
            "allowedApprovalPolicies": ["never", "on-request"],
            "allowedSandboxModes": ["read-only"],
            "allowedWebSearchModes": ["cached"],
            "enforceResidency": "us",
            "network": None,
        }
    }
    path.write_text("[network]\nenabled = true\n")
    assert client.call("configRequirements/read") == {"requirements": None}

    # The legacy managed config's policy and mode are the only ones allowed,
    # where requirements.toml does not say.
    (tmp_path / "managed_config.toml").write_text(
        'approval_policy = "on-request"\nsandbox_mode = "read-only"\n'
    )
    path.write_text('allowed_sandbox_modes = ["workspace-write", "read-only"]\n')
    assert client.call("configRequirements/read")["requirements"] == {
        "allowedApprovalPolicies": ["on-request"],
        "allowedSandboxModes": ["workspace-write", "read-only"],
        "allowedWebSearchModes": None,
        "enforceResidency": None,
        "network": None,
    }
    path.unlink()
    (tmp_path / "managed_config.toml").write_text('sandbox_mode = "danger-full-access"\n')
    assert client.call("configRequirements/read")["requirements"]["allowedSandboxModes"] == [
        "read-only",
        "danger-full-access",
    ]
    (tmp_path / "managed_config.toml").unlink()

    path.write_text('allowed_approval_policies = ["bogus"]\n')
    error = client.call_error("configRequirements/read")
    assert error["code"] == -32603
    assert error["message"].startswith(
        f"failed to read configuration layers: Error parsing requirements file {path}: "
    )
    error = client.call_error("newConversation", {"cwd": str(tmp_path)})
    assert error["code"] == -32600
    assert error["message"].startswith(
        f"error deriving config: Error parsing requirements file {path}: "
    )


def test_oauth_login_answers_with_the_url_then_says_it_completed(
    spawn: Spawn,
    mock_model: MockModelServer,
    codex_home: Path,
    tmp_path: Path,
    http_server: Callable[..., McpHttpServer],
) -> None:
    secure = http_server("secure", oauth=True)
    extra = (
        server_table("secure", url=secure.url, scopes=["read"])
        + server_table("plain", url="http://127.0.0.1:9/mcp")
        + stdio_table("local")
    )
    write_mock_config(codex_home, mock_model, extra=extra)
    client = _spawn(spawn, tmp_path)

    assert client.call_error("mcpServer/oauth/login", {"name": "nope"}) == {
        "code": -32600,
        "message": "No MCP server named 'nope' found.",
    }
    assert client.call_error("mcpServer/oauth/login", {"name": "local"}) == {
        "code": -32600,
        "message": "OAuth login is only supported for streamable HTTP servers.",
    }
    error = client.call_error("mcpServer/oauth/login", {"name": "plain"}, timeout=60)
    assert error["code"] == -32603
    assert error["message"].startswith("failed to login to MCP server 'plain': ")

    mark = client.mark()
    result = client.call("mcpServer/oauth/login", {"name": "secure"}, timeout=60)
    url = result["authorizationUrl"]
    assert url.startswith(secure.origin + "/authorize?") and "scope=read" in url
    # The browser: the server approves at once and sends it to the daemon's callback.
    assert httpx.get(url, follow_redirects=True, timeout=30).status_code == 200
    done = client.wait_notification("mcpServer/oauthLogin/completed", timeout=60, start=mark)
    assert done["params"] == {"name": "secure", "success": True}
    (authorize,) = secure.authorize_requests
    assert authorize["scope"] == "read"

    # Scopes given replace the config's.
    result = client.call(
        "mcpServer/oauth/login", {"name": "secure", "scopes": ["write"]}, timeout=60
    )
    assert "scope=write" in result["authorizationUrl"]

    page = client.call("mcpServerStatus/list", {"cursor": "2"}, timeout=60)
    assert _summary(page)[0][0] == "secure" and _summary(page)[0][4] == "oAuth"
    assert len(page["data"][0]["tools"]) > 0

    # A login nobody completes ends when its time is up; no scopes at all when
    # an empty list is given.
    mark = client.mark()
    result = client.call(
        "mcpServer/oauth/login", {"name": "secure", "scopes": [], "timeoutSecs": 1}, timeout=60
    )
    assert "scope=" not in result["authorizationUrl"]
    done = client.wait_notification("mcpServer/oauthLogin/completed", timeout=60, start=mark)
    assert done["params"] == {
        "name": "secure",
        "success": False,
        "error": "timed out waiting for OAuth callback",
    }


def test_a_required_server_that_fails_makes_resume_fail(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, workdir: Path, tmp_path: Path
) -> None:
    write_mock_config(codex_home, mock_model)
    client = spawn()
    cid = start_conversation(client, workdir)
    mock_model.enqueue(assistant_message("ok"))
    run_turn(client, cid, workdir)  # (the rollout is made with the first turn)
    (path,) = (codex_home / "sessions").rglob(f"*{cid}.jsonl")
    client.kill()

    extra = stdio_table("needed", "--fail-start", required=True)
    write_mock_config(codex_home, mock_model, extra=extra)
    client = spawn()
    error = client.call_error("resumeConversation", {"path": str(path)}, timeout=60)
    assert error == {
        "code": -32603,
        "message": "error resuming conversation: Fatal error: Failed to initialize session: "
        "required MCP servers failed to initialize: needed: handshaking with MCP server "
        "failed: connection closed: initialize response",
    }
