"""`[shell_environment_policy]`: what a command inherits, and a table that
does not validate is an error naming the key, never a wider environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from app_server.config.layers import ConfigError
from app_server.config.model import ShellEnvironmentPolicyToml
from app_server.config.resolve import ConfigOverrides, resolve_config
from app_server.tools.environment import command_environment
from tests.harness.stdio import DaemonClient
from tests.mock_model_server import MockModelServer, write_mock_config

DAEMON_ENV = {
    "PATH": "/usr/bin",
    "HOME": "/home/u",
    "OPENAI_API_KEY": "sk-secret",
    "GH_TOKEN": "ghp",
    "db_secret": "s",
    "EDITOR": "vi",
    "LANG": "C.UTF-8",
}


def policy(**table: object) -> ShellEnvironmentPolicyToml:
    return ShellEnvironmentPolicyToml.model_validate(table)


def test_the_default_drops_credentials_only() -> None:
    env = command_environment(base=DAEMON_ENV)
    assert env == {"PATH": "/usr/bin", "HOME": "/home/u", "EDITOR": "vi", "LANG": "C.UTF-8"}


def test_inherit_exclude_set_and_include_only() -> None:
    assert command_environment(policy(inherit="none"), base=DAEMON_ENV) == {}
    core = command_environment(policy(inherit="core"), base=DAEMON_ENV)
    assert core == {"PATH": "/usr/bin", "HOME": "/home/u"}
    everything = command_environment(policy(ignore_default_excludes=True), base=DAEMON_ENV)
    assert everything == DAEMON_ENV
    env = command_environment(
        policy(exclude=["ed*"], set={"NEW": "1"}, include_only=["*a*", "path"]),
        base=DAEMON_ENV,
        network_disabled=True,
    )
    assert env == {"PATH": "/usr/bin", "LANG": "C.UTF-8", "CODEX_SANDBOX_NETWORK_DISABLED": "1"}


BAD_TABLES = [
    ('ignore_default_excludes = "false"', "shell_environment_policy.ignore_default_excludes"),
    ("ignore_default_excludes = 0", "shell_environment_policy.ignore_default_excludes"),
    ('inherit = "nnone"', "shell_environment_policy.inherit"),
    ('inherit = "All"', "shell_environment_policy.inherit"),
    ('exclude = "*"', "shell_environment_policy.exclude"),
    ("exclude = [1]", "shell_environment_policy.exclude.0"),
    ('include_only = "PATH"', "shell_environment_policy.include_only"),
    ("set = { A = 1 }", "shell_environment_policy.set.A"),
    ('set = "A=1"', "shell_environment_policy.set"),
    ('exlude = ["*"]', "shell_environment_policy.exlude"),
    ('experimental_use_profile = "no"', "shell_environment_policy.experimental_use_profile"),
]


@pytest.mark.parametrize(("line", "key"), BAD_TABLES)
def test_a_malformed_table_is_an_error_naming_the_key(line: str, key: str, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(f'model = "m"\n\n[shell_environment_policy]\n{line}\n')
    with pytest.raises(ConfigError) as info:
        resolve_config(tmp_path, environ={})
    message = str(info.value)
    assert f"`{key}`" in message
    assert f"{tmp_path / 'config.toml'}:" in message


def test_overrides_are_checked_the_same_way(tmp_path: Path) -> None:
    overrides = ConfigOverrides(config={"shell_environment_policy.inherit": "everything"})
    with pytest.raises(ConfigError, match=r"`shell_environment_policy\.inherit`"):
        resolve_config(tmp_path, overrides=overrides, environ={})
    good = ConfigOverrides(config={"shell_environment_policy.ignore_default_excludes": False})
    config = resolve_config(tmp_path, overrides=good, environ={})
    assert config.toml.shell_environment_policy.ignore_default_excludes is False


def test_a_malformed_table_runs_nothing_through_the_daemon(
    codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    """Before, a string ``"false"`` turned the credential filter off and the
    key reached the command."""
    write_mock_config(
        codex_home,
        mock_model,
        extra='[shell_environment_policy]\nignore_default_excludes = "false"\n',
    )
    client = DaemonClient(codex_home, cwd=workdir, env={"MY_API_KEY": "sk-secret"})
    try:
        client.initialize()
        error = client.call_error("newConversation", {"cwd": str(workdir)})
        assert "`shell_environment_policy.ignore_default_excludes`" in error["message"]
        error = client.call_error(
            "execOneOffCommand",
            {"command": ["env"], "sandboxPolicy": {"mode": "danger-full-access"}},
        )
        assert "`shell_environment_policy.ignore_default_excludes`" in error["message"]
        assert "sk-secret" not in str(client.messages)
    finally:
        client.kill()
