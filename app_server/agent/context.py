"""The context messages the harness adds to a conversation, as the reference
writes them: the permissions message (`permissions`), the environment context
(repeated when a turn changes it) and the user's instructions
(`CODEX_HOME/AGENTS.md` and the project's `AGENTS.md` files)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Final

from app_server_protocol.common import ApprovalMode, SandboxPolicy
from app_server_protocol.items import ContentItemInputText, ResponseItem, ResponseItemMessage

from ..context_tags import AGENTS_MD_HEADING as AGENTS_MD_HEADING
from ..context_tags import ENVIRONMENT_CONTEXT_OPEN as ENVIRONMENT_CONTEXT_OPEN
from ..context_tags import TURN_ABORTED_OPEN as TURN_ABORTED_OPEN
from ..context_tags import USER_INSTRUCTIONS_OPEN as USER_INSTRUCTIONS_OPEN
from ..git.remote_diff import repo_root
from ..tools.shells import user_shell
from .permissions import permissions_message

ENVIRONMENT_CONTEXT_CLOSE: Final = "</environment_context>"
PROJECT_DOC_FILENAME: Final = "AGENTS.md"
PROJECT_DOC_SEPARATOR: Final = "\n\n--- project-doc ---\n\n"
#: The message 0.107.0 adds to the history when the user interrupts a turn
#: (the model is told on its next request, word for word as 0.107.0 tells it).
TURN_ABORTED_TEXT: Final = (
    f"{TURN_ABORTED_OPEN}\n"
    "The user interrupted the previous turn on purpose. Any running unified exec processes "
    "were terminated. If any tools/commands were aborted, they may have partially executed; "
    "verify current state before retrying.\n"
    "</turn_aborted>"
)


def context_message(text: str) -> ResponseItemMessage:
    """A context message as the model receives it: a user message."""
    return ResponseItemMessage(role="user", content=[ContentItemInputText(text=text)])


def shell_name() -> str:
    """The user's shell, by name (``bash``, ``zsh``, ``sh``): the one scripts run in."""
    return user_shell().name


@dataclass(frozen=True)
class EnvironmentContext:
    """What the model is told about where its commands run, as 0.107.0 tells
    it (the policies are in the permissions message): the folder, the shell,
    today's date and the time zone. A turn whose context differs from the one
    the model was last told repeats it whole."""

    cwd: str
    shell: str | None
    current_date: str | None = None
    timezone: str | None = None

    @classmethod
    def of(cls, cwd: Path | str, shell: str | None) -> EnvironmentContext:
        return cls(cwd=str(cwd), shell=shell, current_date=local_date(), timezone=local_timezone())

    def render(self) -> str:
        lines = [ENVIRONMENT_CONTEXT_OPEN, f"  <cwd>{self.cwd}</cwd>"]
        if self.shell is not None:
            lines.append(f"  <shell>{self.shell}</shell>")
        if self.current_date is not None:
            lines.append(f"  <current_date>{self.current_date}</current_date>")
        if self.timezone is not None:
            lines.append(f"  <timezone>{self.timezone}</timezone>")
        lines.append(ENVIRONMENT_CONTEXT_CLOSE)
        return "\n".join(lines)


def local_date() -> str:
    """Today, where the daemon runs (``YYYY-MM-DD``)."""
    return datetime.now().astimezone().strftime("%Y-%m-%d")


@cache
def local_timezone() -> str | None:
    """The machine's IANA time zone name (``Etc/UTC``), as the reference finds
    it: the target of ``/etc/localtime``, else ``/etc/timezone``."""
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        target = ""
    marker = "zoneinfo/"
    if marker in target:
        return target.split(marker, 1)[1]
    try:
        name = Path("/etc/timezone").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return name or None


def initial_context(
    cwd: str,
    approval_policy: ApprovalMode,
    sandbox_policy: SandboxPolicy,
    instructions: str | None,
    developer_instructions: str | None = None,
) -> tuple[list[ResponseItem], EnvironmentContext]:
    """What opens a thread's history (and follows a compaction): the
    permissions message, the developer's instructions (if any), then one user
    message with the user's instructions (if any) and the environment
    context. Also returns that environment context."""
    environment = EnvironmentContext.of(cwd, shell_name())
    parts: list[ContentItemInputText] = []
    if instructions is not None:
        parts.append(ContentItemInputText(text=render_user_instructions(instructions, cwd)))
    parts.append(ContentItemInputText(text=environment.render()))
    items: list[ResponseItem] = [permissions_message(sandbox_policy, approval_policy, cwd)]
    if developer_instructions:
        items.append(
            ResponseItemMessage(
                role="developer", content=[ContentItemInputText(text=developer_instructions)]
            )
        )
    items.append(ResponseItemMessage(role="user", content=list(parts)))
    return items, environment


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


def render_user_instructions(instructions: str, cwd: str) -> str:
    """The user's and the project's instructions, as 0.107.0 gives them."""
    return f"{AGENTS_MD_HEADING}{cwd}\n\n<INSTRUCTIONS>\n{instructions}\n</INSTRUCTIONS>"
