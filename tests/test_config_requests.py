"""`getUserSavedConfig` answers as the reference does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app_server.cli import ServeOptions
from tests.harness.inprocess import in_process_daemon

pytestmark = pytest.mark.anyio

FULL = """model = "gpt-5-codex"
approval_policy = "on-request"
sandbox_mode = "workspace-write"
model_reasoning_effort = "high"
model_reasoning_summary = "detailed"
model_verbosity = "low"
profile = "work"
forced_login_method = "api"
forced_chatgpt_workspace_id = "ws-123"
model_provider = "openai"

[sandbox_workspace_write]
writable_roots = ["/extra"]
network_access = true

[tools]
web_search_request = true

[profiles.work]
model = "gpt-4.1"
approval_policy = "on-failure"
sandbox_mode = "read-only"

[profiles.empty]
"""

#: The reference's answer for FULL (keys in its order; 0.107 writes every null).
FULL_ANSWER = (
    '{"config":{"approvalPolicy":"on-request","sandboxMode":"workspace-write",'
    '"sandboxSettings":{"writableRoots":["/extra"],"networkAccess":true,'
    '"excludeTmpdirEnvVar":false,"excludeSlashTmp":false},'
    '"forcedChatgptWorkspaceId":"ws-123","forcedLoginMethod":"api","model":"gpt-5-codex",'
    '"modelReasoningEffort":"high","modelReasoningSummary":"detailed","modelVerbosity":"low",'
    '"tools":{"webSearch":true,"viewImage":null},"profile":"work","profiles":{'
    '"work":{"model":"gpt-4.1","modelProvider":null,"approvalPolicy":"on-failure",'
    '"modelReasoningEffort":null,"modelReasoningSummary":null,"modelVerbosity":null,'
    '"chatgptBaseUrl":null},'
    '"empty":{"model":null,"modelProvider":null,"approvalPolicy":null,'
    '"modelReasoningEffort":null,"modelReasoningSummary":null,"modelVerbosity":null,'
    '"chatgptBaseUrl":null}}}}'
)


async def test_everything_the_reference_shows(codex_home: Path) -> None:
    (codex_home / "config.toml").write_text(FULL)
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        result = await client.call("getUserSavedConfig")
    assert json.dumps(result, separators=(",", ":")) == FULL_ANSWER


#: getUserSavedConfig with nothing set (as the 0.107 transcript shows it).
NOTHING_SET: dict[str, object] = {
    "approvalPolicy": None,
    "sandboxMode": None,
    "sandboxSettings": None,
    "forcedChatgptWorkspaceId": None,
    "forcedLoginMethod": None,
    "model": None,
    "modelReasoningEffort": None,
    "modelReasoningSummary": None,
    "modelVerbosity": None,
    "tools": None,
    "profile": None,
    "profiles": {},
}


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("", NOTHING_SET),
        ('model = "only-model"\n', {**NOTHING_SET, "model": "only-model"}),
        ("[tools]\n", {**NOTHING_SET, "tools": {"webSearch": None, "viewImage": None}}),
        (
            "[sandbox_workspace_write]\n",
            {
                **NOTHING_SET,
                "sandboxSettings": {
                    "writableRoots": [],
                    "networkAccess": False,
                    "excludeTmpdirEnvVar": False,
                    "excludeSlashTmp": False,
                },
            },
        ),
    ],
)
async def test_unset_keys_are_null(
    toml: str, expected: dict[str, object], codex_home: Path
) -> None:
    (codex_home / "config.toml").write_text(toml)
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        for params in (None, {}):
            assert await client.call("getUserSavedConfig", params) == {"config": expected}


async def test_the_files_count_but_not_the_command_line(codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('model = "from-file"\nmodel_verbosity = "low"\n')
    (codex_home / "managed_config.toml").write_text('model_verbosity = "high"\n')
    options = ServeOptions(overrides=['model="from-command-line"'])
    async with in_process_daemon(codex_home, options) as client:
        await client.initialize()
        config = (await client.call("getUserSavedConfig"))["config"]
    assert config["model"] == "from-file"
    assert config["modelVerbosity"] == "high"


async def test_a_pipelined_read_sees_the_edit_before_it(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        await client.send({"id": 201, "method": "setDefaultModel", "params": {"model": "o3"}})
        await client.send({"id": 202, "method": "getUserSavedConfig"})
        answer = await client.wait_for(lambda m: m.get("id") == 202)
        assert answer["result"]["config"]["model"] == "o3"
