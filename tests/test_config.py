"""Config layering, overrides, profiles, providers and error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from app_server.config.layers import ConfigError, deep_merge, parse_override, split_dotted
from app_server.config.resolve import ConfigOverrides, resolve_config
from app_server_protocol.common import (
    ApprovalMode,
    SandboxPolicyReadOnly,
    SandboxPolicyWorkspaceWrite,
)


def write(home: Path, name: str, text: str) -> None:
    (home / name).write_text(text)


def test_deep_merge_merges_tables_and_replaces_the_rest() -> None:
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 1}
    overlay = {"a": {"y": [3], "z": 2}, "b": {"t": 1}}
    assert deep_merge(base, overlay) == {"a": {"x": 1, "y": [3], "z": 2}, "b": {"t": 1}}


def test_override_values_are_json_else_strings() -> None:
    assert parse_override("model=o3") == ("model", "o3")
    assert parse_override("a.b=true") == ("a.b", True)
    assert parse_override('x=["a", 1]') == ("x", ["a", 1])
    # TOML first, as Codex reads them; then JSON; then the string as written.
    assert parse_override("t={a = 1, b = 'two'}") == ("t", {"a": 1, "b": "two"})
    assert parse_override("m='o3'") == ("m", "o3")
    assert parse_override('j={"a": null}') == ("j", {"a": None})
    assert parse_override("s=two words") == ("s", "two words")
    assert parse_override("y = 12") == ("y", 12)
    assert split_dotted('model_providers."my.provider".base_url') == [
        "model_providers",
        "my.provider",
        "base_url",
    ]
    with pytest.raises(ConfigError):
        parse_override("no-equals-sign")


def test_defaults_without_any_file(tmp_path: Path) -> None:
    config = resolve_config(tmp_path, environ={})
    assert config.model == "gpt-5-codex"
    assert config.model_provider_id == "openai"
    assert config.model_provider.requires_openai_auth
    assert config.approval_policy is ApprovalMode.ON_REQUEST
    assert config.sandbox_policy == SandboxPolicyReadOnly()


def test_layers_and_precedence(tmp_path: Path) -> None:
    write(
        tmp_path,
        "config.toml",
        'model = "file-model"\nprofile = "work"\napproval_policy = "never"\n'
        'sandbox_mode = "workspace-write"\n'
        "[sandbox_workspace_write]\nnetwork_access = true\nwritable_roots = ['/a']\n"
        '[profiles.work]\nmodel = "profile-model"\n'
        '[model_providers.mine]\nname = "Mine"\nbase_url = "http://127.0.0.1:1/v1"\n'
        'wire_api = "chat"\n',
    )
    write(tmp_path, "managed_config.toml", 'approval_policy = "untrusted"\n')
    config = resolve_config(tmp_path, cli_overrides=["model_provider=mine"], environ={})
    assert config.model == "profile-model"  # the profile beats the file
    assert config.approval_policy is ApprovalMode.UNTRUSTED  # managed beats the file
    assert config.model_provider_id == "mine"
    assert config.model_provider.wire_api == "chat"
    assert config.sandbox_policy == SandboxPolicyWorkspaceWrite(
        writable_roots=["/a"], network_access=True
    )
    explicit = resolve_config(
        tmp_path,
        overrides=ConfigOverrides(model="explicit", config={"approval_policy": "on-failure"}),
        environ={},
    )
    assert explicit.model == "explicit"
    assert explicit.approval_policy is ApprovalMode.ON_FAILURE


def test_the_system_config_is_the_lowest_layer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = tmp_path / "etc-codex"
    system.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("CODEX_APP_SERVER_SYSTEM_CONFIG_DIR", str(system))
    write(system, "config.toml", 'model = "system-model"\napproval_policy = "on-request"\n')
    write(home, "config.toml", 'model = "user-model"\n')
    config = resolve_config(home, environ={})
    assert config.model == "user-model"  # the user's file beats the system's
    assert config.approval_policy is ApprovalMode.ON_REQUEST  # the system's still applies


def test_errors_name_the_file_line_and_key(tmp_path: Path) -> None:
    write(tmp_path, "config.toml", 'model = "m"\n\napproval_policy = "sometimes"\n')
    with pytest.raises(ConfigError) as info:
        resolve_config(tmp_path, environ={})
    message = str(info.value)
    assert "config.toml:3" in message and "approval_policy" in message


def test_syntax_errors_name_the_line(tmp_path: Path) -> None:
    write(tmp_path, "config.toml", 'model = "m"\nbroken = \n')
    with pytest.raises(ConfigError) as info:
        resolve_config(tmp_path, environ={})
    assert "config.toml" in str(info.value) and ":2:" in str(info.value)


def test_unknown_profile_and_provider_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="profile `nope`"):
        resolve_config(tmp_path, overrides=ConfigOverrides(profile="nope"), environ={})
    write(tmp_path, "config.toml", 'model_provider = "ghost"\n')
    with pytest.raises(ConfigError, match="ghost"):
        resolve_config(tmp_path, environ={})


def test_features_from_file_and_command_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "config.toml",
        "[features]\nundo = true\nsqlite = false\nmemories = false\nnot_a_flag = true\n",
    )
    config = resolve_config(tmp_path, enable=["memories"], disable=["unified_exec"], environ={})
    assert {"undo", "memories", "shell_tool"} <= config.features
    assert not {"sqlite", "unified_exec", "not_a_flag"} & config.features
