"""The pure parts of MCP support, in-process: tool names, schema conversion,
the configuration's validation, outputs for the model, the token store."""

from __future__ import annotations

import hashlib
import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app_server.auth.callback_server import Request
from app_server.config.layers import ConfigError
from app_server.config.mcp import HttpServerConfig, McpCredentialsStore, StdioServerConfig
from app_server.config.resolve import parse_config_toml
from app_server.mcp.names import qualified_name, qualify
from app_server.mcp.oauth.login import _Callback
from app_server.mcp.oauth.store import (
    KEYRING_SERVICE,
    StoredTokens,
    TokenStore,
    TokenStoreError,
    store_key,
)
from app_server.mcp.output import IMAGE_OMITTED, tool_output
from app_server.mcp.schema import UnsupportedSchema, tool_parameters
from app_server.mcp.stdio import server_environment
from app_server_protocol.items import FunctionCallOutputInputImage, FunctionCallOutputInputText
from app_server_protocol.mcp import CallToolResult
from tests.keyring_backends import MemoryKeyring

# -- names --------------------------------------------------------------------


def test_qualified_names_follow_the_reference() -> None:
    assert qualified_name("test", "echo") == "mcp__test__echo"
    long_name = "a_tool_with_a_really_long_name_that_goes_on_and_on_beyond_any_limit"
    # As the reference 0.50.0 names it (seen in its model request).
    assert (
        qualified_name("test", long_name)
        == "mcp__test__a_tool_with_a34578e6b5c546598d68c5984d613c24d895596a5"
    )
    assert len(qualified_name("test", long_name)) == 64


def test_qualified_names_are_sanitised_for_the_model_apis() -> None:
    assert qualified_name("test", "odd.name/with spaces") == "mcp__test__odd_name_with_spaces"
    name = qualified_name("s", "ü" * 80)
    raw = "mcp__s__" + "ü" * 80
    assert name == ("mcp__s__" + "_" * 80)[:24] + hashlib.sha1(raw.encode()).hexdigest()


def test_the_first_of_two_tools_with_one_name_wins() -> None:
    named = qualify([("s", "a.b"), ("s", "a_b"), ("s", "c")])
    assert named == {"mcp__s__a_b": ("s", "a.b"), "mcp__s__c": ("s", "c")}


# -- schemas --------------------------------------------------------------------

#: Input schemas and the parameters the reference 0.50.0 sent for them (0.107.0
#: also keeps the top level's ``additionalProperties``: see
#: tests/fixtures/model_requests_0.107.0.json, "mock-model mcp server").
REFERENCE_SCHEMAS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {"type": "object", "properties": {"text": {"type": "string", "description": "What."}}},
        {"type": "object", "properties": {"text": {"type": "string", "description": "What."}}},
    ),
    ({"type": "object"}, {"type": "object", "properties": {}}),
    (
        {"type": "object", "properties": None, "required": []},
        {"type": "object", "properties": {}, "required": []},
    ),
    (
        {
            "type": "object",
            "properties": {"a": {"type": "object", "additionalProperties": False}},
            "description": "top desc",
        },
        {
            "type": "object",
            "properties": {
                "a": {"type": "object", "properties": {}, "additionalProperties": False}
            },
        },
    ),
    (
        {
            "type": "object",
            "properties": {
                "a": {"type": ["integer", "null"], "description": "x"},
                "b": {"anyOf": [{"type": "string"}], "description": "y"},
            },
        },
        {
            "type": "object",
            "properties": {
                "a": {"type": "number", "description": "x"},
                "b": {"type": "string", "description": "y"},
            },
        },
    ),
    (
        {
            "type": "object",
            "properties": {
                "obj": {
                    "type": "object",
                    "description": "an object",
                    "additionalProperties": {"type": "integer", "description": "v"},
                },
                "arr": {"type": "array", "description": "an array"},
                "nul": {"type": ["null", "string"]},
                "cst": {"const": "x"},
                "fmt": {"format": "date"},
                "mn": {"minimum": 1},
                "itm": {"items": {"type": "boolean"}},
                "bt": True,
                "prp": {"properties": {"a": {"type": "string"}}},
                "req": {"required": ["q"]},
                "en": {"enum": [1, 2]},
                "bool": {"type": "boolean", "description": "b", "default": True},
                "deep": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"x": {"type": "array", "items": {"type": "integer"}}},
                        "required": ["x"],
                        "additionalProperties": True,
                    },
                },
                "ref": {"$ref": "#/definitions/foo"},
                "allof": {"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}}]},
                "onlydesc": {"description": "d", "title": "T"},
            },
            "required": ["obj", "missing"],
            "additionalProperties": False,
            "$schema": "http://json-schema.org/draft-07/schema#",
        },
        {
            "type": "object",
            "properties": {
                "allof": {"type": "string"},
                "arr": {"type": "array", "items": {"type": "string"}, "description": "an array"},
                "bool": {"type": "boolean", "description": "b"},
                "bt": {"type": "string"},
                "cst": {"type": "string"},
                "deep": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"x": {"type": "array", "items": {"type": "number"}}},
                        "required": ["x"],
                        "additionalProperties": True,
                    },
                },
                "en": {"type": "string"},
                "fmt": {"type": "string"},
                "itm": {"type": "array", "items": {"type": "boolean"}},
                "mn": {"type": "number"},
                "nul": {"type": "string"},
                "obj": {
                    "type": "object",
                    "properties": {},
                    "additionalProperties": {"type": "number", "description": "v"},
                },
                "onlydesc": {"type": "string", "description": "d"},
                "prp": {"type": "object", "properties": {"a": {"type": "string"}}},
                "ref": {"type": "string"},
                "req": {"type": "object", "properties": {}, "required": ["q"]},
            },
            "required": ["obj", "missing"],
            "additionalProperties": False,
        },
    ),
]


@pytest.mark.parametrize(("schema", "expected"), REFERENCE_SCHEMAS)
def test_input_schemas_are_converted_as_the_reference_does(
    schema: dict[str, Any], expected: dict[str, Any]
) -> None:
    converted = tool_parameters(schema)
    assert converted == expected
    # Key order too: the request body is compared byte for byte elsewhere.
    assert json.dumps(converted) == json.dumps(expected)


def test_a_schema_outside_the_subset_is_refused() -> None:
    with pytest.raises(UnsupportedSchema, match="null"):
        tool_parameters({"type": "object", "properties": {"n": {"type": "null"}}})


# -- configuration ----------------------------------------------------------------


def parse(servers: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    return dict(parse_config_toml({"mcp_servers": servers}, tmp_path).mcp_servers)


def test_stdio_and_http_tables_become_typed_configs(tmp_path: Path) -> None:
    servers = parse(
        {
            "local": {
                "command": "server",
                "args": ["--x"],
                "env": {"A": "1"},
                "env_vars": ["B"],
                "cwd": "/tmp",
                "tool_timeout_sec": 2.5,
                "enabled_tools": ["a"],
                "required": True,
            },
            "remote": {
                "url": "https://example.test/mcp",
                "bearer_token_env_var": "TOKEN",
                "http_headers": {"X": "1"},
                "env_http_headers": {"Y": "VAR"},
                "scopes": ["read"],
                "startup_timeout_ms": 2500,
                "enabled": False,
            },
        },
        tmp_path,
    )
    local, remote = servers["local"], servers["remote"]
    assert isinstance(local, StdioServerConfig) and isinstance(remote, HttpServerConfig)
    assert local.env_vars == ["B"] and local.tool_timeout == 2.5 and local.required
    assert local.startup_timeout == 10.0
    assert remote.startup_timeout == 2.5 and remote.tool_timeout == 60.0 and not remote.enabled
    assert local.offers_tool("a") and not local.offers_tool("b")


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            {"command": "x", "url": "http://h/mcp"},
            "MCP server `both` mixes transports: `url` cannot be used with `command`",
        ),
        (
            {"command": "x", "bearer_token_env_var": "T", "http_headers": {}},
            "MCP server `both` mixes transports: `bearer_token_env_var`, `http_headers` "
            "cannot be used with `command`",
        ),
        (
            {"url": "http://h/mcp", "env": {"A": "b"}, "cwd": "/"},
            "MCP server `both` mixes transports: `env`, `cwd` cannot be used with `url`",
        ),
        (
            {"url": "http://h/mcp", "bearer_token": "secret"},
            "MCP server `both` uses unsupported `bearer_token`; set `bearer_token_env_var`",
        ),
        ({"args": ["x"]}, "MCP server `both` needs `command` (a stdio server) or `url`"),
    ],
)
def test_tables_mixing_transports_are_refused_naming_server_and_fields(
    table: dict[str, Any], expected: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as raised:
        parse({"both": table}, tmp_path)
    assert expected in str(raised.value)
    assert "secret" not in str(raised.value)


def test_bad_values_name_their_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"`mcp_servers\.s\.startup_timeout_sec`"):
        parse({"s": {"command": "x", "startup_timeout_sec": -1}}, tmp_path)
    with pytest.raises(ConfigError, match=r"`mcp_servers\.s\.command`"):
        parse({"s": {"command": 5}}, tmp_path)


def test_stdio_servers_get_a_few_variables_and_those_asked_for() -> None:
    environ = {"PATH": "/bin", "HOME": "/h", "SECRET": "s", "WANTED": "w", "LANG": "C"}
    env = server_environment(environ, ["WANTED", "ABSENT"], {"EXTRA": "e", "HOME": "/other"})
    assert env == {"PATH": "/bin", "HOME": "/other", "LANG": "C", "WANTED": "w", "EXTRA": "e"}


# -- outputs ---------------------------------------------------------------------

IMAGE_RESULT = CallToolResult.model_validate(
    {
        "content": [
            {"type": "text", "text": "a red pixel"},
            {"type": "image", "data": "QUJD", "mimeType": "image/png"},
        ]
    }
)


def test_images_are_parts_of_the_output_for_models_that_read_images() -> None:
    result = tool_output(IMAGE_RESULT, accepts_images=True)
    assert result.content_items == [
        FunctionCallOutputInputText(text="a red pixel"),
        FunctionCallOutputInputImage(image_url="data:image/png;base64,QUJD"),
    ]
    assert result.success is True


def test_image_data_already_a_data_url_is_kept_and_other_blocks_become_json_text() -> None:
    result = CallToolResult.model_validate(
        {
            "content": [
                {"type": "image", "data": "data:image/gif;base64,R0lG", "mimeType": "image/gif"},
                {"type": "resource_link", "uri": "memo://x", "name": "x"},
            ],
            "isError": True,
        }
    )
    output = tool_output(result, accepts_images=True)
    assert output.content_items is not None
    gif = FunctionCallOutputInputImage(image_url="data:image/gif;base64,R0lG")
    assert output.content_items[0] == gif
    second = output.content_items[1]
    assert isinstance(second, FunctionCallOutputInputText)
    assert json.loads(second.text) == {"type": "resource_link", "uri": "memo://x", "name": "x"}
    assert output.success is False


def test_images_become_a_placeholder_for_text_only_models() -> None:
    result = tool_output(IMAGE_RESULT, accepts_images=False)
    assert json.loads(result.output) == [
        {"text": "a red pixel", "type": "text"},
        {"text": IMAGE_OMITTED, "type": "text"},
    ]
    assert result.content_items is None


def test_structured_content_is_what_the_model_reads() -> None:
    result = CallToolResult.model_validate(
        {"content": [{"type": "text", "text": "x"}], "structuredContent": {"é": [1, 2]}}
    )
    assert tool_output(result, True).output == '{"é":[1,2]}'
    failed = CallToolResult.model_validate({"content": [], "isError": True})
    assert tool_output(failed, True).success is False


# -- token store ------------------------------------------------------------------


class NoKeyring:
    def get_password(self, service_name: str, username: str) -> str | None:
        raise RuntimeError("No recommended backend was available.")

    set_password = delete_password = get_password  # type: ignore[assignment]


def sample_tokens(**changes: Any) -> StoredTokens:
    fields: dict[str, Any] = {
        "server_name": "docs",
        "url": "http://127.0.0.1:39345/mcp",
        "client_id": "client-1",
        "access_token": "at-secret-1",
        "refresh_token": "rt-secret-1",
        "expires_at": 1795352016393,
        "scopes": ["read", "write"],
    }
    fields.update(changes)
    return StoredTokens(**fields)


def test_store_keys_are_the_references() -> None:
    # The reference's key for this server (seen in its .credentials.json).
    assert store_key("secure", "http://127.0.0.1:39345/mcp") == "secure|72c68dc929c3d0e8"


def test_keyring_holds_the_tokens_when_there_is_one(tmp_path: Path) -> None:
    keyring = MemoryKeyring()
    store = TokenStore(tmp_path, McpCredentialsStore.AUTO, keyring)
    tokens = sample_tokens()
    assert store.save(tokens) == "the system keyring"
    assert not (tmp_path / ".credentials.json").exists()
    document = json.loads(keyring.password(KEYRING_SERVICE, store_key("docs", tokens.url)) or "")
    assert document["token_response"]["access_token"] == "at-secret-1"
    assert document["expires_at"] == 1795352016393
    assert store.load("docs", tokens.url) == tokens
    assert store.load("docs", "http://elsewhere/mcp") is None
    assert store.delete("docs", tokens.url) is True
    assert store.load("docs", tokens.url) is None and keyring.entries == {}


def test_without_a_keyring_the_file_is_used_readable_by_its_owner_only(tmp_path: Path) -> None:
    store = TokenStore(tmp_path, McpCredentialsStore.AUTO, NoKeyring())
    tokens = sample_tokens()
    assert store.save(tokens) == str(tmp_path / ".credentials.json")
    path = tmp_path / ".credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # The reference's file format.
    assert json.loads(path.read_text()) == {
        store_key("docs", tokens.url): {
            "server_name": "docs",
            "server_url": tokens.url,
            "client_id": "client-1",
            "access_token": "at-secret-1",
            "expires_at": 1795352016393,
            "refresh_token": "rt-secret-1",
            "scopes": ["read", "write"],
        }
    }
    loaded = store.load("docs", tokens.url)
    assert loaded is not None and loaded.access_token == "at-secret-1"
    assert store.delete("docs", tokens.url) is True and not path.exists()


def test_keyring_mode_does_not_fall_back(tmp_path: Path) -> None:
    store = TokenStore(tmp_path, McpCredentialsStore.KEYRING, NoKeyring())
    with pytest.raises(TokenStoreError, match="keyring"):
        store.save(sample_tokens())
    assert not (tmp_path / ".credentials.json").exists()


def test_a_damaged_file_is_reported_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / ".credentials.json"
    path.write_text("{not json")
    store = TokenStore(tmp_path, McpCredentialsStore.FILE)
    with pytest.raises(TokenStoreError, match="not valid JSON"):
        store.load("docs", "http://x/mcp")
    with pytest.raises(TokenStoreError):
        store.save(sample_tokens())
    assert path.read_text() == "{not json"


def test_tokens_expiring_soon_need_a_refresh() -> None:
    now = 1_000_000.0
    assert sample_tokens(expires_at=int((now + 10) * 1000)).needs_refresh(now)
    assert not sample_tokens(expires_at=int((now + 3600) * 1000)).needs_refresh(now)
    assert not sample_tokens(expires_at=None).needs_refresh(now)


@pytest.mark.anyio
async def test_the_login_callback_waits_for_its_state_then_ends() -> None:
    callback = _Callback(state="expected")

    async def answer(path: str, **query: str) -> tuple[int, bytes, bool]:
        page = await callback.answer(Request("GET", path, query))
        return page.status, page.body, page.final

    assert await answer("/favicon.ico") == (404, b"Not found.", False)
    assert (await answer("/callback", state="forged", code="c"))[::2] == (400, False)
    assert (await answer("/callback", state="expected"))[::2] == (400, False)
    assert callback.code is None and callback.error is None
    assert await answer("/callback", state="expected", code="the-code") == (
        200,
        b"Authentication complete. You may close this window.",
        True,
    )
    assert callback.code == "the-code"

    refused = _Callback(state="s")
    page = await refused.answer(
        Request(
            "GET", "/callback", {"state": "s", "error": "access_denied", "error_description": "no"}
        )
    )
    assert (page.status, page.final, refused.error) == (400, True, "access_denied: no")


def test_serving_modules_do_not_import_the_mcp_sdk() -> None:
    code = (
        "import sys, app_server.server, app_server.app, app_server.processor, "
        "app_server.agent.turn, app_server.agent.toolset, app_server.conversations.manager; "
        "print(sorted(m for m in ('mcp', 'httpx', 'keyring', 'app_server.mcp.client') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_progress_notifications_read_as_their_message_or_the_count() -> None:
    from app_server.mcp.client import progress_text

    assert progress_text(1, 2, "halfway") == "halfway"
    assert progress_text(2, 2, None) == "2/2"
    assert progress_text(0.5, None, "") == "0.5"


@pytest.mark.anyio
async def test_a_tool_call_s_progress_reaches_the_hook(tmp_path: Path) -> None:
    import sys

    import anyio

    from app_server.config.mcp import McpCredentialsStore, StdioServerConfig
    from app_server.mcp.manager import McpConnections
    from tests.mcp_support import SERVER_SCRIPT

    config = StdioServerConfig(command=sys.executable, args=[str(SERVER_SCRIPT), "--progress"])
    heard: list[str] = []

    async def on_progress(message: str) -> None:
        heard.append(message)

    async with anyio.create_task_group() as tasks:
        connections = await McpConnections.start(
            {"test": config},
            task_group=tasks,
            codex_home=tmp_path,
            credentials_store=McpCredentialsStore.FILE,
        )
        try:
            result = await connections.call_tool("test", "progress", {}, on_progress)
            plain = await connections.call_tool("test", "progress", {})
        finally:
            await connections.aclose()
    assert result.content[0].model_dump()["text"] == "progressed"
    assert plain.content[0].model_dump()["text"] == "progressed"
    assert heard == ["halfway", "2/2"]
