"""``model/list`` with the provider's own list (the OpenAI provider and a
ChatGPT sign-in): fetched in the background, cached in `models_cache.json`,
merged before the presets, and never waited for."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.auth_helpers import chatgpt_auth_json, write_auth_json
from tests.harness.stdio import DaemonClient
from tests.mock_model_server import MockModelServer

Spawn = Callable[..., DaemonClient]

REMOTE_MODEL: dict[str, Any] = {
    "slug": "gpt-remote",
    "display_name": "GPT Remote",
    "description": "Only the provider knows it.",
    "default_reasoning_level": "high",
    "supported_reasoning_levels": [{"effort": "high", "description": "Deep"}],
    "shell_type": "shell_command",
    "visibility": "list",
    "supported_in_api": True,
    "priority": 1,
    "upgrade": None,
    "base_instructions": "",
    "supports_reasoning_summaries": True,
    "support_verbosity": False,
    "default_verbosity": None,
    "apply_patch_tool_type": None,
    "truncation_policy": {"mode": "bytes", "limit": 10000},
    "supports_parallel_tool_calls": True,
    "experimental_supported_tools": [],
    "input_modalities": ["text"],
}
#: The provider's own entry for a preset replaces the preset.
REMOTE_PRESET = {
    **REMOTE_MODEL,
    "slug": "gpt-5.2",
    "display_name": "GPT 5.2 (remote)",
    "priority": 2,
}


def _wait(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_the_providers_models_come_first_once_fetched(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    (codex_home / "config.toml").write_text('model = "gpt-5"\n')
    write_auth_json(codex_home, chatgpt_auth_json(account_id="acct-models"))
    mock_model.models_body = {"models": [REMOTE_PRESET, REMOTE_MODEL]}
    client = spawn(env={"OPENAI_BASE_URL": f"{mock_model.url}/v1"})
    # The first listing does not wait: the presets, while the fetch starts.
    first = client.call("model/list", {})
    assert first["data"][0]["id"] == "gpt-5.3-codex"
    cache = codex_home / "models_cache.json"
    _wait(cache.exists, "the fetched models are cached")
    fetches = [r for r in mock_model.requests if r.path.startswith("/v1/models")]
    assert len(fetches) == 1
    assert fetches[0].path == "/v1/models?client_version=0.107.0"
    assert fetches[0].header("chatgpt-account-id") == "acct-models"
    assert fetches[0].header("authorization").startswith("Bearer ")

    listed = client.call("model/list", {})["data"]
    ids = [m["id"] for m in listed]
    assert ids[:2] == ["gpt-remote", "gpt-5.2"]
    assert ids.count("gpt-5.2") == 1 and "gpt-5.3-codex" in ids
    remote = listed[0]
    assert remote["isDefault"] is True
    assert sum(m["isDefault"] for m in listed) == 1
    assert remote["displayName"] == "GPT Remote"
    assert remote["defaultReasoningEffort"] == "high"
    assert remote["inputModalities"] == ["text"]
    assert remote["supportsPersonality"] is False
    assert listed[1]["displayName"] == "GPT 5.2 (remote)"

    # A new daemon uses the cache at once, without fetching again.
    assert json.loads(cache.read_text())["client_version"] == "0.107.0"
    again = spawn(env={"OPENAI_BASE_URL": f"{mock_model.url}/v1"})
    assert again.call("model/list", {})["data"][0]["id"] == "gpt-remote"
    time.sleep(0.3)
    assert len([r for r in mock_model.requests if r.path.startswith("/v1/models")]) == 1


def test_no_fetch_without_a_chatgpt_sign_in(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    (codex_home / "config.toml").write_text('model = "gpt-5"\n')
    mock_model.models_body = {"models": [REMOTE_MODEL]}
    client = spawn(env={"OPENAI_BASE_URL": f"{mock_model.url}/v1"})
    client.call("loginApiKey", {"apiKey": "sk-no-models"})
    assert client.call("model/list", {})["data"][0]["id"] == "gpt-5.3-codex"
    time.sleep(0.3)
    assert not [r for r in mock_model.requests if "/models" in r.path]
    assert not (codex_home / "models_cache.json").exists()


def test_a_failed_fetch_changes_nothing(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    (codex_home / "config.toml").write_text('model = "gpt-5"\n')
    write_auth_json(codex_home, chatgpt_auth_json())
    client = spawn(env={"OPENAI_BASE_URL": f"{mock_model.url}/v1"})  # the mock answers 404
    expected = client.call("model/list", {})
    _wait(lambda: any("/models" in r.path for r in mock_model.requests), "a fetch")
    time.sleep(0.2)
    assert client.call("model/list", {}) == expected
    assert not (codex_home / "models_cache.json").exists()


def test_a_failed_fetch_is_not_retried_at_once(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    (codex_home / "config.toml").write_text('model = "gpt-5"\n')
    write_auth_json(codex_home, chatgpt_auth_json())
    client = spawn(env={"OPENAI_BASE_URL": f"{mock_model.url}/v1"})  # the mock answers 404
    client.call("model/list", {})
    _wait(lambda: any("/models" in r.path for r in mock_model.requests), "a fetch")
    time.sleep(0.2)
    for _ in range(3):
        client.call("model/list", {})
    assert len([r for r in mock_model.requests if "/models" in r.path]) == 1
