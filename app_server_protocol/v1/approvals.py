"""Requests the server sends to the client to ask for the user's approval."""

from pydantic import Field

from .._base import CamelModel, SnakeModel
from ..common import ConversationId, ReviewDecision
from ..exec_types import FileChange, ParsedCommand


class ExecCommandApprovalParams(CamelModel):
    """May this command run?"""

    conversation_id: ConversationId
    call_id: str = Field(description="Matches the `exec_command_begin` / `_end` events.")
    approval_id: str | None = Field(
        default=None,
        description="Which approval of the command this is, when it asks more than once.",
    )
    command: list[str]
    cwd: str
    reason: str | None = None
    parsed_cmd: list[ParsedCommand]


class ExecCommandApprovalResponse(SnakeModel):
    decision: ReviewDecision


class ApplyPatchApprovalParams(CamelModel):
    """May this patch be applied?"""

    conversation_id: ConversationId
    call_id: str = Field(description="Matches the `patch_apply_begin` / `_end` events.")
    file_changes: dict[str, FileChange]
    reason: str | None = Field(
        default=None, description="Why, e.g. a request for more write access."
    )
    grant_root: str | None = Field(
        default=None,
        description="A folder the model asks to be writable for the rest of the conversation.",
    )


class ApplyPatchApprovalResponse(SnakeModel):
    decision: ReviewDecision
