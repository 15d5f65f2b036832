"""The context messages the harness adds to a conversation, as the reference
writes them: the environment context (and its updates when a turn changes
settings) and the user's instructions (`CODEX_HOME/AGENTS.md` and the
project's `AGENTS.md` files)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from app_server_protocol.common import (
    ApprovalMode,
    SandboxPolicy,
    SandboxPolicyWorkspaceWrite,
)
from app_server_protocol.items import ContentItemInputText, ResponseItemMessage

from ..git.remote_diff import repo_root

ENVIRONMENT_CONTEXT_OPEN: Final = "<environment_context>"
ENVIRONMENT_CONTEXT_CLOSE: Final = "</environment_context>"
USER_INSTRUCTIONS_OPEN: Final = "<user_instructions>"
USER_INSTRUCTIONS_CLOSE: Final = "</user_instructions>"
PROJECT_DOC_FILENAME: Final = "AGENTS.md"
PROJECT_DOC_SEPARATOR: Final = "\n\n--- project-doc ---\n\n"


def context_message(text: str) -> ResponseItemMessage:
    """A context message as the model receives it: a user message."""
    return ResponseItemMessage(role="user", content=[ContentItemInputText(text=text)])


def shell_name() -> str:
    """The user's shell, by name (``bash``, ``zsh``, ...)."""
    return Path(os.environ.get("SHELL") or "/bin/bash").name or "bash"


@dataclass(frozen=True)
class EnvironmentContext:
    """What the model is told about where and how its commands run.

    Every field is optional so that an update can carry only what changed.
    """

    cwd: str | None = None
    approval_policy: ApprovalMode | None = None
    sandbox_mode: str | None = None
    network_access: str | None = None
    writable_roots: tuple[str, ...] = ()
    shell: str | None = None

    @classmethod
    def of(
        cls,
        cwd: Path | str,
        approval_policy: ApprovalMode,
        sandbox_policy: SandboxPolicy,
        shell: str | None,
    ) -> EnvironmentContext:
        return cls(
            cwd=str(cwd),
            approval_policy=approval_policy,
            sandbox_mode=sandbox_policy.type,
            network_access="enabled" if sandbox_policy.has_network else "restricted",
            writable_roots=tuple(
                sandbox_policy.writable_roots
                if isinstance(sandbox_policy, SandboxPolicyWorkspaceWrite)
                else ()
            ),
            shell=shell,
        )

    def changes_from(self, before: EnvironmentContext) -> EnvironmentContext | None:
        """What a turn must tell the model when its settings differ from ``before``
        (None when nothing changed). The shell is never repeated."""
        sandbox_changed = (
            self.sandbox_mode != before.sandbox_mode
            or self.network_access != before.network_access
            or self.writable_roots != before.writable_roots
        )
        update = EnvironmentContext(
            cwd=self.cwd if self.cwd != before.cwd else None,
            approval_policy=(
                self.approval_policy if self.approval_policy != before.approval_policy else None
            ),
            sandbox_mode=self.sandbox_mode if sandbox_changed else None,
            network_access=self.network_access if sandbox_changed else None,
            writable_roots=self.writable_roots if sandbox_changed else (),
        )
        return None if update == EnvironmentContext() else update

    def render(self) -> str:
        lines = [ENVIRONMENT_CONTEXT_OPEN]
        if self.cwd is not None:
            lines.append(f"  <cwd>{self.cwd}</cwd>")
        if self.approval_policy is not None:
            lines.append(f"  <approval_policy>{self.approval_policy.value}</approval_policy>")
        if self.sandbox_mode is not None:
            lines.append(f"  <sandbox_mode>{self.sandbox_mode}</sandbox_mode>")
        if self.network_access is not None:
            lines.append(f"  <network_access>{self.network_access}</network_access>")
        if self.writable_roots:
            lines.append("  <writable_roots>")
            lines.extend(f"    <root>{root}</root>" for root in self.writable_roots)
            lines.append("  </writable_roots>")
        if self.shell is not None:
            lines.append(f"  <shell>{self.shell}</shell>")
        lines.append(ENVIRONMENT_CONTEXT_CLOSE)
        return "\n".join(lines)


def find_project_docs(cwd: Path) -> list[Path]:
    """The `AGENTS.md` files from the repository root (the closest folder
    holding ``.git``) down to ``cwd``; just ``cwd``'s when not in a repository."""
    root = repo_root(str(cwd))
    top = Path(root) if root is not None else cwd
    folders = [cwd, *cwd.parents[: len(cwd.parts) - len(top.parts)]]
    return [
        folder / PROJECT_DOC_FILENAME
        for folder in reversed(folders)
        if (folder / PROJECT_DOC_FILENAME).is_file()
    ]


def read_project_docs(cwd: Path, max_bytes: int) -> str | None:
    """The project's instructions, at most ``max_bytes`` of them, or None."""
    if max_bytes <= 0:
        return None
    parts: list[str] = []
    budget = max_bytes
    for path in find_project_docs(cwd):
        if budget <= 0:
            break
        try:
            data = path.read_bytes()[:budget]
        except OSError:
            continue
        text = data.decode("utf-8", errors="ignore")
        if text.strip():
            parts.append(text)
            budget -= len(data)
    return "\n\n".join(parts) if parts else None


def read_user_instructions(codex_home: Path) -> str | None:
    """The user's own instructions for every project (`CODEX_HOME/AGENTS.md`)."""
    try:
        text = (codex_home / PROJECT_DOC_FILENAME).read_text(encoding="utf-8", errors="ignore")
    except OSError:
        return None
    text = text.strip()
    return text or None


def combined_instructions(codex_home: Path, cwd: Path, project_doc_max_bytes: int) -> str | None:
    """The user's and the project's instructions together, as the reference joins them."""
    user = read_user_instructions(codex_home)
    project = read_project_docs(cwd, project_doc_max_bytes)
    if user and project:
        return f"{user}{PROJECT_DOC_SEPARATOR}{project}"
    return user or project


def render_user_instructions(instructions: str) -> str:
    return f"{USER_INSTRUCTIONS_OPEN}\n\n{instructions}\n\n{USER_INSTRUCTIONS_CLOSE}"
