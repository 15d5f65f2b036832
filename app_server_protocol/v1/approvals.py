"""Requests the server sends to the client to ask for the user's approval."""

from __future__ import annotations

from pydantic import Field

from .._base import CamelModel, SnakeModel, skip_none
from ..common import ConversationId, ReviewDecision
from ..exec_types import FileChange, ParsedCommand, SandboxCommandAssessment


class ExecCommandApprovalParams(CamelModel):
    """May this command run?"""

    conversation_id: ConversationId
    call_id: str = Field(description="Matches the `exec_command_begin` / `_end` events.")
    command: list[str]
    cwd: str
    reason: str | None = skip_none()
    risk: SandboxCommandAssessment | None = skip_none()
    parsed_cmd: list[ParsedCommand]


class ExecCommandApprovalResponse(SnakeModel):
    decision: ReviewDecision


class ApplyPatchApprovalParams(CamelModel):
    """May this patch be applied?"""

    conversation_id: ConversationId
    call_id: str = Field(description="Matches the `patch_apply_begin` / `_end` events.")
    file_changes: dict[str, FileChange]
    reason: str | None = skip_none("Why, e.g. a request for more write access.")
    grant_root: str | None = skip_none(
        "A folder the model asks to be writable for the rest of the conversation."
    )


class ApplyPatchApprovalResponse(SnakeModel):
    decision: ReviewDecision
