"""The context a new conversation starts with, recorded at its start as the
reference records it: the user's instructions (``AGENTS.md`` files) and the
environment context message (cwd, approval policy, sandbox, shell).

The turn loop sends these items to the model at the head of the history.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path
from typing import Final

from app_server_protocol.common import (
    AskForApproval,
    SandboxPolicy,
    SandboxPolicyDangerFullAccess,
    SandboxPolicyWorkspaceWrite,
)
from app_server_protocol.items import ContentItemInputText, ResponseItemMessage

from .head import ENVIRONMENT_CONTEXT_OPEN, USER_INSTRUCTIONS_OPEN

INSTRUCTIONS_FILE: Final = "AGENTS.md"
#: Between the user's global instructions and the project's.
PROJECT_DOC_SEPARATOR: Final = "\n\n--- project-doc ---\n\n"


def user_shell() -> str | None:
    """The user's login shell when it is one the model is told about."""
    try:
        shell = pwd.getpwuid(os.getuid()).pw_shell
    except (KeyError, OSError):
        shell = os.environ.get("SHELL", "")
    name = os.path.basename(shell)
    return name if name in ("bash", "zsh") else None


def _git_root(cwd: Path) -> Path | None:
    for folder in (cwd, *cwd.parents):
        if (folder / ".git").exists():
            return folder
    return None


def project_instructions(cwd: Path, max_bytes: int) -> str | None:
    """The ``AGENTS.md`` files from the repository root down to ``cwd``
    (only ``cwd`` outside a repository), at most ``max_bytes`` in all,
    joined by blank lines. Blocking."""
    if max_bytes <= 0:
        return None
    root = _git_root(cwd)
    folders = [cwd]
    if root is not None:
        folders = [*reversed([f for f in (cwd, *cwd.parents) if f.is_relative_to(root)])]
    budget = max_bytes
    docs: list[str] = []
    for folder in folders:
        if budget <= 0:
            break
        try:
            with (folder / INSTRUCTIONS_FILE).open("rb") as file:
                data = file.read(budget)
        except OSError:
            continue
        budget -= len(data)
        text = data.decode("utf-8", errors="replace")
        if text.strip():
            docs.append(text)
    return "\n\n".join(docs) if docs else None


def user_instructions(codex_home: Path, cwd: Path, project_doc_max_bytes: int) -> str | None:
    """The user's instructions: ``CODEX_HOME/AGENTS.md`` then the project's
    ``AGENTS.md`` files. Blocking."""
    try:
        personal = (codex_home / INSTRUCTIONS_FILE).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        personal = None
    project = project_instructions(cwd, project_doc_max_bytes)
    if personal and project:
        return personal + PROJECT_DOC_SEPARATOR + project
    return personal or project


def user_instructions_message(instructions: str) -> ResponseItemMessage:
    closing = USER_INSTRUCTIONS_OPEN.replace("<", "</", 1)
    return _user_message(f"{USER_INSTRUCTIONS_OPEN}\n\n{instructions}\n\n{closing}")


def environment_context_text(
    cwd: str,
    approval_policy: AskForApproval,
    sandbox_policy: SandboxPolicy,
    shell: str | None,
) -> str:
    network = "restricted"
    if isinstance(sandbox_policy, SandboxPolicyDangerFullAccess) or (
        isinstance(sandbox_policy, SandboxPolicyWorkspaceWrite) and sandbox_policy.network_access
    ):
        network = "enabled"
    lines = [
        ENVIRONMENT_CONTEXT_OPEN,
        f"  <cwd>{cwd}</cwd>",
        f"  <approval_policy>{approval_policy.value}</approval_policy>",
        f"  <sandbox_mode>{sandbox_policy.mode}</sandbox_mode>",
        f"  <network_access>{network}</network_access>",
    ]
    if isinstance(sandbox_policy, SandboxPolicyWorkspaceWrite) and sandbox_policy.writable_roots:
        lines.append("  <writable_roots>")
        lines.extend(f"    <root>{root}</root>" for root in sandbox_policy.writable_roots)
        lines.append("  </writable_roots>")
    if shell is not None:
        lines.append(f"  <shell>{shell}</shell>")
    lines.append(ENVIRONMENT_CONTEXT_OPEN.replace("<", "</", 1))
    return "\n".join(lines)


def environment_context_message(
    cwd: str,
    approval_policy: AskForApproval,
    sandbox_policy: SandboxPolicy,
    shell: str | None,
) -> ResponseItemMessage:
    return _user_message(environment_context_text(cwd, approval_policy, sandbox_policy, shell))


def _user_message(text: str) -> ResponseItemMessage:
    return ResponseItemMessage(role="user", content=[ContentItemInputText(text=text)])
