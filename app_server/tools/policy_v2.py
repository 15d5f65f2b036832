"""v2's sandbox policy (``{"type": "workspaceWrite", ...}``) as the one the
tools enforce (the `config.toml` spelling, ``{"mode": "workspace-write"}``).

What the tools cannot enforce is read as the nearest policy they can: a
restricted read access reads everything (commands are confined for writes,
not reads), and an external sandbox adds no sandbox of ours (the daemon
already runs inside one), as the reference treats it."""

from __future__ import annotations

from app_server_protocol import common
from app_server_protocol.v2 import common as v2


def core_sandbox_policy(policy: v2.SandboxPolicy) -> common.SandboxPolicy:
    if isinstance(policy, v2.SandboxPolicyWorkspaceWrite):
        return common.SandboxPolicyWorkspaceWrite(
            writable_roots=list(policy.writable_roots),
            network_access=policy.network_access,
            exclude_tmpdir_env_var=policy.exclude_tmpdir_env_var,
            exclude_slash_tmp=policy.exclude_slash_tmp,
        )
    if isinstance(policy, v2.SandboxPolicyReadOnly):
        return common.SandboxPolicyReadOnly()
    return common.SandboxPolicyDangerFullAccess()
