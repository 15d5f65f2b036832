"""The configured defaults commands run with (sandbox policy, environment policy).

Read straight from ``CODEX_HOME/config.toml`` (its top-level ``sandbox_mode``,
or the active profile's, ``[sandbox_workspace_write]`` and
``[shell_environment_policy]``), for ``execOneOffCommand``, which runs
outside any conversation. The agent's shell tool takes the same settings
from its conversation instead: the turn's sandbox policy and the resolved
`Config`'s ``shell_environment_policy``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app_server_protocol.common import (
    SandboxMode,
    SandboxPolicy,
    SandboxPolicyDangerFullAccess,
    SandboxPolicyReadOnly,
    SandboxPolicyWorkspaceWrite,
)

from ..config.model import ConfigToml


class SettingsError(Exception):
    """config.toml cannot be used; the message says why."""


@dataclass(frozen=True)
class ExecSettings:
    sandbox_policy: SandboxPolicy
    environment_policy: dict[str, Any] = field(default_factory=dict)


def load_exec_settings(codex_home: Path) -> ExecSettings:
    """The sandbox and environment policies from config.toml (blocking: file I/O)."""
    path = codex_home / "config.toml"
    try:
        with path.open("rb") as file:
            raw = tomllib.load(file)
    except FileNotFoundError:
        raw = {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"error loading config: {path}: {exc}") from None
    try:
        toml = ConfigToml.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SettingsError(f"error loading config: {path}: {where}: {first['msg']}") from None
    mode = toml.sandbox_mode
    profile = toml.profiles.get(toml.profile) if toml.profile else None
    if profile is not None and profile.sandbox_mode is not None:
        mode = profile.sandbox_mode
    return ExecSettings(
        sandbox_policy=sandbox_policy_for(mode or SandboxMode.READ_ONLY, toml),
        environment_policy=dict(toml.shell_environment_policy),
    )


def sandbox_policy_for(mode: SandboxMode, toml: ConfigToml) -> SandboxPolicy:
    if mode is SandboxMode.DANGER_FULL_ACCESS:
        return SandboxPolicyDangerFullAccess()
    if mode is SandboxMode.WORKSPACE_WRITE:
        table = toml.sandbox_workspace_write
        if table is None:
            return SandboxPolicyWorkspaceWrite()
        return SandboxPolicyWorkspaceWrite(
            writable_roots=list(table.writable_roots),
            network_access=table.network_access,
            exclude_tmpdir_env_var=table.exclude_tmpdir_env_var,
            exclude_slash_tmp=table.exclude_slash_tmp,
        )
    return SandboxPolicyReadOnly()
