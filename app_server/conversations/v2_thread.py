"""A live thread (its `Conversation`) as v2 shows it: `Thread`, and its
policies in v2 spelling. The recorded side (rollout → thread, with its
turns) belongs to the thread store (`thread_view.read_thread`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app_server_protocol.common import ApprovalMode as CoreAskForApproval
from app_server_protocol.common import SandboxPolicy as CoreSandboxPolicy
from app_server_protocol.common import SandboxPolicyReadOnly, SandboxPolicyWorkspaceWrite
from app_server_protocol.v2.common import (
    AskForApproval,
    ReadOnlyAccessFullAccess,
    SandboxPolicy,
    SandboxPolicyDangerFullAccess,
)
from app_server_protocol.v2.common import SandboxPolicyReadOnly as V2ReadOnly
from app_server_protocol.v2.common import SandboxPolicyWorkspaceWrite as V2WorkspaceWrite
from app_server_protocol.v2.threads import Thread, ThreadStatusIdle
from app_server_protocol.v2.turns import Turn

from .._version import __version__

if TYPE_CHECKING:
    from .conversation import Conversation


def live_thread(conversation: Conversation, turns: list[Turn] | None = None) -> Thread:
    config = conversation.config
    face = conversation.v2
    status = face.status if face is not None else ThreadStatusIdle()
    return Thread(
        id=str(conversation.id),
        session_id=str(conversation.id),
        preview=conversation.preview,
        ephemeral=False,
        model_provider=config.model_provider_id,
        created_at=conversation.created_at,
        updated_at=conversation.created_at,
        status=status,
        path=str(conversation.rollout_path),
        cwd=str(config.cwd),
        cli_version=__version__,
        source="vscode",
        turns=turns or [],
    )


def v2_approval_policy(policy: CoreAskForApproval) -> AskForApproval:
    value = str(policy)
    if value == "untrusted":
        return "untrusted"
    if value == "on-failure":
        return "on-failure"
    if value == "on-request":
        return "on-request"
    return "never"


def core_approval_policy(policy: AskForApproval | None) -> CoreAskForApproval | None:
    if policy is None:
        return None
    if isinstance(policy, str):
        return CoreAskForApproval(policy)
    # `on-request` with kinds of request refused: asked like `on-request`.
    return CoreAskForApproval.ON_REQUEST


def v2_sandbox(policy: CoreSandboxPolicy) -> SandboxPolicy:
    if isinstance(policy, SandboxPolicyReadOnly):
        return V2ReadOnly(access=ReadOnlyAccessFullAccess())
    if isinstance(policy, SandboxPolicyWorkspaceWrite):
        return V2WorkspaceWrite(
            writable_roots=list(policy.writable_roots),
            read_only_access=ReadOnlyAccessFullAccess(),
            network_access=policy.network_access,
            exclude_tmpdir_env_var=policy.exclude_tmpdir_env_var,
            exclude_slash_tmp=policy.exclude_slash_tmp,
        )
    return SandboxPolicyDangerFullAccess()


def core_sandbox(policy: SandboxPolicy | None) -> CoreSandboxPolicy | None:
    from app_server_protocol.common import SandboxPolicyDangerFullAccess as CoreFull

    if policy is None:
        return None
    if isinstance(policy, V2ReadOnly):
        return SandboxPolicyReadOnly()
    if isinstance(policy, V2WorkspaceWrite):
        return SandboxPolicyWorkspaceWrite(
            writable_roots=list(policy.writable_roots),
            network_access=policy.network_access,
            exclude_tmpdir_env_var=policy.exclude_tmpdir_env_var,
            exclude_slash_tmp=policy.exclude_slash_tmp,
        )
    return CoreFull()
