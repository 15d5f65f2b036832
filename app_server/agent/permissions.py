"""The permissions message: what the model is told about its sandbox and the
approval policy, as Codex 0.107.0 tells it (a developer message).

It opens the thread's context, and a turn whose policies differ from the
previous turn's repeats it with the new ones. Its text is three parts, one
a line: the sandbox (with the network), the approval policy, and for a
``workspace-write`` sandbox the folders it may write.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final

from app_server_protocol.common import (
    ApprovalMode,
    SandboxPolicy,
    SandboxPolicyReadOnly,
    SandboxPolicyWorkspaceWrite,
)
from app_server_protocol.items import ContentItemInputText, ResponseItemMessage

from ..tools.sandbox import writable_roots
from .instructions import read_prompt

PERMISSIONS_OPEN: Final = "<permissions instructions>"
PERMISSIONS_CLOSE: Final = "</permissions instructions>"

_SANDBOX_INTRO: Final = (
    "Filesystem sandboxing defines which files can be read or written. `sandbox_mode` is "
)
_SANDBOX_TEXTS: Final = {
    "danger-full-access": "`danger-full-access`: No filesystem sandboxing - all commands are "
    "permitted.",
    "read-only": "`read-only`: The sandbox only permits reading files.",
    "workspace-write": "`workspace-write`: The sandbox permits reading files, and editing files "
    "in `cwd` and `writable_roots`. Editing files in other directories requires approval.",
}

_APPROVAL_INTRO: Final = (
    "Approvals are your mechanism to get user consent to run shell commands without the sandbox."
)
_APPROVAL_TEXTS: Final = {
    ApprovalMode.NEVER: "Approval policy is currently never. Do not provide the "
    "`sandbox_permissions` for any reason, commands will be rejected.",
    ApprovalMode.ON_FAILURE: f"{_APPROVAL_INTRO} `approval_policy` is `on-failure`: The harness "
    "will allow all commands to run in the sandbox (if enabled), and failures will be escalated "
    "to the user for approval to run again without the sandbox.",
    # (The reference's text for this policy starts with a space.)
    ApprovalMode.UNTRUSTED: f" {_APPROVAL_INTRO} `approval_policy` is `unless-trusted`: The "
    "harness will escalate most commands for user approval, apart from a limited allowlist of "
    'safe "read" commands.',
}


@cache
def _on_request_text() -> str:
    return read_prompt("approval_on_request.md")


def _sandbox_text(policy: SandboxPolicy) -> str:
    mode: str = "danger-full-access"  # also for an external sandbox
    if isinstance(policy, SandboxPolicyReadOnly | SandboxPolicyWorkspaceWrite):
        mode = policy.type
    network = "enabled" if policy.has_network else "restricted"
    return f"{_SANDBOX_INTRO}{_SANDBOX_TEXTS[mode]} Network access is {network}."


def _approval_text(policy: ApprovalMode) -> str:
    if policy is ApprovalMode.ON_REQUEST:
        return _on_request_text()
    return _APPROVAL_TEXTS[policy]


def _writable_roots_text(policy: SandboxPolicy, cwd: str) -> str | None:
    if not isinstance(policy, SandboxPolicyWorkspaceWrite):
        return None
    roots = [f"`{root}`" for root in writable_roots(policy, Path(cwd))]
    if not roots:
        return None
    if len(roots) == 1:
        return f" The writable root is {roots[0]}."
    return f" The writable roots are {', '.join(roots)}."


def permissions_text(sandbox: SandboxPolicy, approval: ApprovalMode, cwd: str) -> str:
    parts = [_sandbox_text(sandbox), _approval_text(approval)]
    roots = _writable_roots_text(sandbox, cwd)
    if roots is not None:
        parts.append(roots)
    body = "\n".join(parts)
    return f"{PERMISSIONS_OPEN}\n{body}\n{PERMISSIONS_CLOSE}"


def permissions_message(
    sandbox: SandboxPolicy, approval: ApprovalMode, cwd: str
) -> ResponseItemMessage:
    """The developer message telling the model its sandbox and approval policy."""
    return ResponseItemMessage(
        role="developer",
        content=[ContentItemInputText(text=permissions_text(sandbox, approval, cwd))],
    )
