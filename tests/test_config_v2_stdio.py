"""`config/read`, `config/value/write`, `config/batchWrite` and
`configRequirements/read` through the real daemon."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.harness.stdio import DaemonClient

Spawn = Callable[..., DaemonClient]

CONFIG = """# my settings
model = "gpt-5" # the model
approval_policy = "never"

[model_providers.local]
name = "Local"
base_url = "http://127.0.0.1:9/v1"
"""


def _version(table: dict[str, Any]) -> str:
    text = json.dumps(table, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _user(codex_home: Path) -> dict[str, str]:
    return {"type": "user", "file": str(codex_home / "config.toml")}


def test_read_shows_the_effective_config_its_origins_and_layers(
    spawn: Spawn, codex_home: Path
) -> None:
    (codex_home / "config.toml").write_text(CONFIG)
    client = spawn(args=["-c", "model_reasoning_effort=high"])
    answer = client.call("config/read", {})
    assert "layers" not in answer or answer["layers"] is None
    config = answer["config"]
    assert config["model"] == "gpt-5"
    assert config["model_reasoning_effort"] == "high"
    assert config["model_providers"]["local"]["base_url"] == "http://127.0.0.1:9/v1"
    assert config["profiles"] == {}
    user_table = {
        "model": "gpt-5",
        "approval_policy": "never",
        "model_providers": {"local": {"name": "Local", "base_url": "http://127.0.0.1:9/v1"}},
    }
    assert answer["origins"]["model"] == {
        "name": _user(codex_home),
        "version": _version(user_table),
    }
    assert answer["origins"]["model_providers.local.name"]["name"] == _user(codex_home)
    assert answer["origins"]["model_reasoning_effort"]["name"] == {"type": "sessionFlags"}

    layers = client.call("config/read", {"includeLayers": True})["layers"]
    kinds = [layer["name"]["type"] for layer in layers]
    assert kinds == ["sessionFlags", "user", "system"]
    assert layers[1]["config"] == user_table
    assert layers[1]["version"] == _version(user_table)


def test_a_broken_file_is_an_error_and_the_daemon_goes_on(spawn: Spawn, codex_home: Path) -> None:
    client = spawn()
    (codex_home / "config.toml").write_text("model = 5\n")
    error = client.call_error("config/read", {})
    assert error["code"] == -32603
    assert error["message"].startswith("invalid configuration:")
    (codex_home / "config.toml").write_text("model = [\n")
    error = client.call_error("config/read", {})
    assert error["message"].startswith("failed to read configuration layers:")
    (codex_home / "config.toml").write_text('model = "ok"\n')
    assert client.call("config/read", {})["config"]["model"] == "ok"


def test_write_keeps_comments_and_order_and_answers_the_new_version(
    spawn: Spawn, codex_home: Path
) -> None:
    path = codex_home / "config.toml"
    path.write_text(CONFIG)
    client = spawn()
    before = client.call("config/read", {})["origins"]["model"]["version"]
    answer = client.call(
        "config/value/write",
        {
            "keyPath": "model",
            "value": "gpt-5.1",
            "mergeStrategy": "replace",
            "expectedVersion": before,
        },
    )
    assert answer["status"] == "ok"
    assert answer["filePath"] == str(path)
    assert answer["overriddenMetadata"] is None
    text = path.read_text()
    assert text.startswith('# my settings\nmodel = "gpt-5.1" # the model\napproval_policy')
    answer = client.call(
        "config/value/write",
        {
            "keyPath": "model_providers.local",
            "value": {"name": "Renamed"},
            "mergeStrategy": "upsert",
        },
    )
    text = path.read_text()
    assert 'name = "Renamed"\nbase_url = "http://127.0.0.1:9/v1"' in text
    read = client.call("config/read", {})
    assert read["origins"]["model"]["version"] == answer["version"]
    assert read["config"]["model_providers"]["local"]["name"] == "Renamed"


def test_batch_write_applies_every_edit_or_none(spawn: Spawn, codex_home: Path) -> None:
    path = codex_home / "config.toml"
    path.write_text(CONFIG)
    client = spawn()
    edits = [
        {"keyPath": "model", "value": "other", "mergeStrategy": "replace"},
        {"keyPath": "approval_policy", "value": "sometimes", "mergeStrategy": "replace"},
    ]
    error = client.call_error("config/batchWrite", {"edits": edits})
    assert error["code"] == -32600
    assert error["message"].startswith("Invalid configuration")
    assert error["data"] == {"config_write_error_code": "configValidationError"}
    assert path.read_text() == CONFIG
    edits[1] = {"keyPath": "tools.web_search", "value": True, "mergeStrategy": "replace"}
    edits.append({"keyPath": "approval_policy", "value": None, "mergeStrategy": "replace"})
    client.call("config/batchWrite", {"edits": edits})
    text = path.read_text()
    assert 'model = "other"' in text
    assert "approval_policy" not in text
    assert re.search(r"\n\[tools\]\nweb_search = true\n$", text)


def test_refused_writes_leave_the_file_alone(spawn: Spawn, codex_home: Path) -> None:
    path = codex_home / "config.toml"
    path.write_text(CONFIG)
    client = spawn()

    def refused(params: dict[str, Any]) -> tuple[str, str]:
        error = client.call_error("config/value/write", {"mergeStrategy": "replace", **params})
        assert error["code"] == -32600
        assert path.read_text() == CONFIG
        return error["data"]["config_write_error_code"], error["message"]

    assert refused({"keyPath": "model", "value": 5})[0] == "configValidationError"
    assert refused({"keyPath": "model", "value": "x", "expectedVersion": "sha256:00"}) == (
        "configVersionConflict",
        "Configuration was modified since last read. Fetch latest version and retry.",
    )
    assert refused({"keyPath": "model", "value": "x", "filePath": "/tmp/other.toml"}) == (
        "configLayerReadonly",
        "Only writes to the user config are allowed",
    )
    assert refused({"keyPath": "", "value": 1}) == (
        "configValidationError",
        "keyPath must not be empty",
    )
    assert refused({"keyPath": "model.deeper", "value": 1}) == (
        "configValidationError",
        "cannot set value on non-table parent",
    )
    assert refused({"keyPath": "features", "value": {"a": None}})[0] == "configValidationError"
    assert refused({"keyPath": "tools.view_image", "value": None}) == (
        "configPathNotFound",
        "Path not found",
    )


def test_a_value_a_session_flag_overrides_is_reported(spawn: Spawn, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text(CONFIG)
    client = spawn(args=["-c", 'model="forced"'])
    answer = client.call(
        "config/value/write", {"keyPath": "model", "value": "mine", "mergeStrategy": "replace"}
    )
    assert answer["status"] == "okOverridden"
    overridden = answer["overriddenMetadata"]
    assert overridden["overridingLayer"]["name"] == {"type": "sessionFlags"}
    assert overridden["effectiveValue"] == "forced"


def test_no_requirements_are_configured(spawn: Spawn) -> None:
    assert spawn().call("configRequirements/read") == {"requirements": None}


def test_an_unusable_config_is_reported_before_the_first_answer_that_needs_it(
    spawn: Spawn, codex_home: Path
) -> None:
    """Valid TOML that the configuration's schema refuses: the full server
    finds out when it loads (with the first request that needs it), and
    says so before it answers."""
    path = codex_home / "config.toml"
    path.write_text('approval_policy = "never"\nmodel = 5\n')
    client = spawn()
    client.send({"id": 50, "method": "getUserAgent"})
    warning = client.wait_notification("configWarning")
    assert client.wait_for(lambda m: m.get("id") == 50, 15, "getUserAgent")
    assert warning["params"] == {
        "summary": "Invalid configuration; using defaults.",
        "details": f"{path}:2:9: Input should be a valid string in `model`",
        "path": str(path),
        "range": {"start": {"line": 2, "column": 9}, "end": {"line": 2, "column": 9}},
    }
    replies = [i for i, m in enumerate(client.messages) if "result" in m]
    assert replies[0] < client.messages.index(warning) < replies[1]


def test_a_usable_config_brings_no_warning(spawn: Spawn, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text(CONFIG)
    client = spawn()
    client.call("config/read", {})
    assert not [m for m in client.messages if m.get("method") == "configWarning"]
