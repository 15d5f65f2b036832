"""Conversations: start, resume, list, archive, send turns, interrupt, listen."""

from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import Field
from typing_extensions import TypeAliasType

from .._base import TS_BIGINT, CamelModel, JsonValue, PathText, SnakeModel, UInt64
from ..common import (
    AskForApproval,
    ConversationId,
    ReasoningEffort,
    ReasoningSummary,
    SandboxMode,
    SandboxPolicy,
    SessionSource,
    TurnAbortReason,
)
from ..events import EventMsg
from ..items import InputItem, ResponseItem


class NewConversationParams(CamelModel):
    """Settings of a new conversation; each one overrides `config.toml`."""

    model: str | None = Field(default=None, description="The model to use (`gpt-5-codex`, ...).")
    model_provider: str | None = Field(default=None, description="A key of `model_providers`.")
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
    developer_instructions: str | None = Field(
        default=None, description="Instructions sent to the model as a developer message."
    )
    compact_prompt: str | None = Field(
        default=None, description="The prompt used to compact the conversation's history."
    )
    include_apply_patch_tool: bool | None = Field(
        default=None, description="Offer the model the `apply_patch` tool."
    )


class NewConversationResponse(CamelModel):
    conversation_id: ConversationId
    model: str
    reasoning_effort: ReasoningEffort | None = None
    rollout_path: str


class ResumeConversationParams(CamelModel):
    """Which conversation to resume: by its rollout file, else by its id."""

    path: PathText | None = Field(
        default=None, description="The rollout file to resume (an absolute path)."
    )
    conversation_id: ConversationId | None = None
    history: list[ResponseItem] | None = Field(
        default=None, description="Start from these items instead of a recorded conversation."
    )
    overrides: NewConversationParams | None = None


class ResumeConversationResponse(CamelModel):
    conversation_id: ConversationId
    model: str
    initial_messages: list[EventMsg] | None = None
    rollout_path: str


class ForkConversationParams(CamelModel):
    """Which conversation to copy into a new one: by its rollout file, else by its id."""

    path: PathText | None = None
    conversation_id: ConversationId | None = None
    overrides: NewConversationParams | None = None


class ForkConversationResponse(CamelModel):
    conversation_id: ConversationId
    model: str
    initial_messages: list[EventMsg] | None = None
    rollout_path: str


class ListConversationsParams(CamelModel):
    page_size: UInt64 | None = Field(
        default=None, description="How many conversations to return (25 when absent)."
    )
    cursor: str | None = Field(default=None, description="The `nextCursor` of the previous page.")
    model_providers: list[str] | None = Field(
        default=None, description="Only conversations with these providers (all when absent)."
    )


class ConversationGitInfo(SnakeModel):
    """The repository a conversation started in."""

    sha: str | None = None
    branch: str | None = None
    origin_url: str | None = None


class ConversationSummary(CamelModel):
    conversation_id: ConversationId
    path: str
    preview: str = Field(description="The first message the user typed.")
    timestamp: str | None = Field(
        default=None, description="When the conversation started (RFC 3339)."
    )
    updated_at: str | None = Field(
        default=None, description="When its rollout file last changed (RFC 3339)."
    )
    model_provider: str
    cwd: str
    cli_version: str
    source: SessionSource
    git_info: ConversationGitInfo | None = None


class ListConversationsResponse(CamelModel):
    items: list[ConversationSummary]
    next_cursor: str | None = Field(
        default=None,
        description="Pass it as `cursor` to get the next page; null when nothing follows.",
    )


class GetConversationSummaryByPath(CamelModel):
    ts_inline: ClassVar[bool] = True
    rollout_path: str


class GetConversationSummaryById(CamelModel):
    ts_inline: ClassVar[bool] = True
    conversation_id: ConversationId


GetConversationSummaryParams = TypeAliasType(
    "GetConversationSummaryParams", GetConversationSummaryByPath | GetConversationSummaryById
)
"""The conversation to summarise: by its rollout file, or by its id."""


class GetConversationSummaryResponse(CamelModel):
    summary: ConversationSummary


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
    output_schema: JsonValue | None = Field(
        default=None, description="A JSON Schema the model's final answer must follow."
    )


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
    reasoning_effort: ReasoningEffort | None = None
    history_log_id: Annotated[int, TS_BIGINT] = 0
    history_entry_count: int = 0
    initial_messages: list[EventMsg] | None = Field(
        default=None, description="The recorded events of a resumed conversation, to show again."
    )
    rollout_path: str
