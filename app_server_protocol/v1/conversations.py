"""Conversations: start, resume, list, archive, send turns, interrupt, listen."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import Field

from .._base import TS_BIGINT, CamelModel, JsonValue, PathText, UInt64, skip_none
from ..common import (
    AskForApproval,
    ConversationId,
    ReasoningEffort,
    ReasoningSummary,
    SandboxMode,
    SandboxPolicy,
    TurnAbortReason,
)
from ..events import EventMsg
from ..items import InputItem


class NewConversationParams(CamelModel):
    """Settings of a new conversation; each one overrides `config.toml`."""

    model: str | None = Field(default=None, description="The model to use (`gpt-5-codex`, ...).")
    profile: str | None = Field(default=None, description="A profile of `config.toml` to apply.")
    cwd: PathText | None = Field(
        default=None,
        description="The working directory; relative paths start at the daemon's own.",
    )
    approval_policy: AskForApproval | None = None
    sandbox: SandboxMode | None = None
    config: dict[str, JsonValue] | None = Field(
        default=None, description="Other settings by dotted key, as with `-c key=value`."
    )
    base_instructions: str | None = Field(
        default=None, description="Instructions replacing the built-in ones."
    )
    include_apply_patch_tool: bool | None = Field(
        default=None, description="Offer the model the `apply_patch` tool."
    )


class NewConversationResponse(CamelModel):
    conversation_id: ConversationId
    model: str
    reasoning_effort: ReasoningEffort | None = skip_none()
    rollout_path: str


class ResumeConversationParams(CamelModel):
    path: PathText = Field(description="The rollout file to resume (an absolute path).")
    overrides: NewConversationParams | None = None


class ResumeConversationResponse(CamelModel):
    conversation_id: ConversationId
    model: str
    initial_messages: list[EventMsg] | None = skip_none()


class ListConversationsParams(CamelModel):
    page_size: UInt64 | None = Field(
        default=None, description="How many conversations to return (25 when absent)."
    )
    cursor: str | None = Field(default=None, description="The `nextCursor` of the previous page.")


class ConversationSummary(CamelModel):
    conversation_id: ConversationId
    path: str
    preview: str = Field(description="The first message the user typed.")
    timestamp: str | None = skip_none("When the conversation started (RFC 3339).")


class ListConversationsResponse(CamelModel):
    items: list[ConversationSummary]
    next_cursor: str | None = skip_none(
        "Pass it as `cursor` to get the next page; absent when nothing follows."
    )


class ArchiveConversationParams(CamelModel):
    """The id must be the one in the rollout file's name."""

    conversation_id: ConversationId
    rollout_path: PathText


class ArchiveConversationResponse(CamelModel):
    pass


class SendUserMessageParams(CamelModel):
    conversation_id: ConversationId
    items: list[InputItem]


class SendUserMessageResponse(CamelModel):
    pass


class SendUserTurnParams(CamelModel):
    """A user turn with its own settings (they also apply to the turns that follow)."""

    conversation_id: ConversationId
    items: list[InputItem]
    cwd: PathText
    approval_policy: AskForApproval
    sandbox_policy: SandboxPolicy
    model: str
    effort: ReasoningEffort | None = None
    summary: ReasoningSummary


class SendUserTurnResponse(CamelModel):
    pass


class InterruptConversationParams(CamelModel):
    conversation_id: ConversationId


class InterruptConversationResponse(CamelModel):
    abort_reason: TurnAbortReason


class AddConversationListenerParams(CamelModel):
    conversation_id: ConversationId
    experimental_raw_events: bool = Field(
        default=False, description="Also send every raw model item (`raw_response_item`)."
    )


class AddConversationSubscriptionResponse(CamelModel):
    subscription_id: UUID


class RemoveConversationListenerParams(CamelModel):
    subscription_id: UUID


class RemoveConversationSubscriptionResponse(CamelModel):
    pass


class SessionConfiguredNotification(CamelModel):
    """A conversation is ready; sent before the reply to `resumeConversation`."""

    session_id: ConversationId = Field(description="The conversation's id (historical name).")
    model: str
    reasoning_effort: ReasoningEffort | None = skip_none()
    history_log_id: Annotated[int, TS_BIGINT] = 0
    history_entry_count: int = 0
    initial_messages: list[EventMsg] | None = skip_none(
        "The recorded events of a resumed conversation, to show again."
    )
    rollout_path: str
