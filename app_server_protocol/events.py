"""Events of a conversation (`EventMsg`).

Each event goes to the editor as a ``codex/event/<type>`` notification
(`CodexEventNotification`), and some are recorded in the rollout file. Event
payloads are snake_case and keep their nulls.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_serializer
from typing_extensions import TypeAliasType

from ._base import TS_BIGINT, SnakeModel, skip_none
from .common import ConversationId, ReasoningEffort, TurnAbortReason
from .exec_types import (
    ExecOutputStream,
    FileChange,
    ParsedCommand,
    SandboxCommandAssessment,
    WireDuration,
)
from .items import ResponseItem, TurnItem
from .mcp import CallToolResult, McpAuthStatus, McpInvocation, Resource, ResourceTemplate, Tool
from .plan import UpdatePlanArgs
from .review import ReviewOutputEvent, ReviewRequest
from .usage import RateLimitSnapshot, TokenUsageInfo


class ErrorEvent(SnakeModel):
    """The turn failed; the message says why."""

    type: Literal["error"] = "error"
    message: str


class TaskStartedEvent(SnakeModel):
    """A turn started."""

    type: Literal["task_started"] = "task_started"
    model_context_window: Annotated[int, TS_BIGINT] | None = None


class TaskCompleteEvent(SnakeModel):
    """A turn finished."""

    type: Literal["task_complete"] = "task_complete"
    last_agent_message: str | None = None


class TokenCountEvent(SnakeModel):
    """Token usage and rate limits, after each model response."""

    type: Literal["token_count"] = "token_count"
    info: TokenUsageInfo | None = None
    rate_limits: RateLimitSnapshot | None = None


class AgentMessageEvent(SnakeModel):
    """A complete message from the model."""

    type: Literal["agent_message"] = "agent_message"
    message: str


class UserMessageEvent(SnakeModel):
    """The user's message, as the turn recorded it."""

    type: Literal["user_message"] = "user_message"
    message: str
    images: list[str] | None = None


class AgentMessageDeltaEvent(SnakeModel):
    """A piece of the model's message while it streams."""

    type: Literal["agent_message_delta"] = "agent_message_delta"
    delta: str


class AgentReasoningEvent(SnakeModel):
    """A reasoning summary, complete."""

    type: Literal["agent_reasoning"] = "agent_reasoning"
    text: str


class AgentReasoningDeltaEvent(SnakeModel):
    """A piece of a reasoning summary while it streams."""

    type: Literal["agent_reasoning_delta"] = "agent_reasoning_delta"
    delta: str


class AgentReasoningRawContentEvent(SnakeModel):
    """Raw reasoning text, complete."""

    type: Literal["agent_reasoning_raw_content"] = "agent_reasoning_raw_content"
    text: str


class AgentReasoningRawContentDeltaEvent(SnakeModel):
    """A piece of raw reasoning text while it streams."""

    type: Literal["agent_reasoning_raw_content_delta"] = "agent_reasoning_raw_content_delta"
    delta: str


class AgentReasoningSectionBreakEvent(SnakeModel):
    """A new section of the reasoning summary starts."""

    type: Literal["agent_reasoning_section_break"] = "agent_reasoning_section_break"


class SessionConfiguredEvent(SnakeModel):
    """The conversation is ready (sent when it starts or resumes)."""

    type: Literal["session_configured"] = "session_configured"
    session_id: ConversationId = Field(description="The conversation's id (historical name).")
    model: str
    reasoning_effort: ReasoningEffort | None = skip_none()
    history_log_id: Annotated[int, TS_BIGINT] = 0
    history_entry_count: int = 0
    initial_messages: list[EventMsg] | None = skip_none(
        "For a resumed conversation, the recorded events to show again."
    )
    rollout_path: str


class McpToolCallBeginEvent(SnakeModel):
    type: Literal["mcp_tool_call_begin"] = "mcp_tool_call_begin"
    call_id: str
    invocation: McpInvocation


class McpToolCallOk(SnakeModel):
    ts_inline: ClassVar[bool] = True
    ok: CallToolResult = Field(alias="Ok")


class McpToolCallErr(SnakeModel):
    ts_inline: ClassVar[bool] = True
    err: str = Field(alias="Err")


class McpToolCallEndEvent(SnakeModel):
    type: Literal["mcp_tool_call_end"] = "mcp_tool_call_end"
    call_id: str
    invocation: McpInvocation
    duration: WireDuration
    result: McpToolCallOk | McpToolCallErr = Field(
        description="The server's result, or why the call failed."
    )


class WebSearchBeginEvent(SnakeModel):
    type: Literal["web_search_begin"] = "web_search_begin"
    call_id: str


class WebSearchEndEvent(SnakeModel):
    type: Literal["web_search_end"] = "web_search_end"
    call_id: str
    query: str


class ExecCommandBeginEvent(SnakeModel):
    type: Literal["exec_command_begin"] = "exec_command_begin"
    call_id: str
    command: list[str]
    cwd: str
    parsed_cmd: list[ParsedCommand]


class ExecCommandOutputDeltaEvent(SnakeModel):
    type: Literal["exec_command_output_delta"] = "exec_command_output_delta"
    call_id: str
    stream: ExecOutputStream
    chunk: str = Field(description="The raw bytes of the chunk, base64-encoded.")


class ExecCommandEndEvent(SnakeModel):
    type: Literal["exec_command_end"] = "exec_command_end"
    call_id: str
    stdout: str
    stderr: str
    aggregated_output: str = Field(description="stdout and stderr interleaved as they came.")
    exit_code: int
    duration: WireDuration
    formatted_output: str = Field(description="The output as the model sees it.")


class ViewImageToolCallEvent(SnakeModel):
    type: Literal["view_image_tool_call"] = "view_image_tool_call"
    call_id: str
    path: str


class ExecApprovalRequestEvent(SnakeModel):
    """The model wants to run a command that needs the user's approval."""

    type: Literal["exec_approval_request"] = "exec_approval_request"
    call_id: str
    command: list[str]
    cwd: str
    reason: str | None = skip_none()
    risk: SandboxCommandAssessment | None = skip_none()
    parsed_cmd: list[ParsedCommand]


class ApplyPatchApprovalRequestEvent(SnakeModel):
    """The model wants to apply a patch that needs the user's approval."""

    type: Literal["apply_patch_approval_request"] = "apply_patch_approval_request"
    call_id: str
    changes: dict[str, FileChange]
    reason: str | None = skip_none()
    grant_root: str | None = skip_none()


class BackgroundEventEvent(SnakeModel):
    type: Literal["background_event"] = "background_event"
    message: str


class StreamErrorEvent(SnakeModel):
    """The model stream broke; the daemon retries."""

    type: Literal["stream_error"] = "stream_error"
    message: str


class PatchApplyBeginEvent(SnakeModel):
    type: Literal["patch_apply_begin"] = "patch_apply_begin"
    call_id: str
    auto_approved: bool = Field(description="True when no approval was asked.")
    changes: dict[str, FileChange]


class PatchApplyEndEvent(SnakeModel):
    type: Literal["patch_apply_end"] = "patch_apply_end"
    call_id: str
    stdout: str
    stderr: str
    success: bool


class TurnDiffEvent(SnakeModel):
    """The unified diff of every file the turn changed so far."""

    type: Literal["turn_diff"] = "turn_diff"
    unified_diff: str


class HistoryEntry(SnakeModel):
    conversation_id: str
    ts: Annotated[int, TS_BIGINT]
    text: str


class GetHistoryEntryResponseEvent(SnakeModel):
    type: Literal["get_history_entry_response"] = "get_history_entry_response"
    offset: int
    log_id: Annotated[int, TS_BIGINT]
    entry: HistoryEntry | None = None


class McpListToolsResponseEvent(SnakeModel):
    type: Literal["mcp_list_tools_response"] = "mcp_list_tools_response"
    tools: dict[str, Tool] = Field(description="Tools by their qualified name.")
    resources: dict[str, list[Resource]]
    resource_templates: dict[str, list[ResourceTemplate]]
    auth_statuses: dict[str, McpAuthStatus]


class CustomPrompt(SnakeModel):
    name: str
    path: str
    content: str
    description: str | None = None
    argument_hint: str | None = None


class ListCustomPromptsResponseEvent(SnakeModel):
    type: Literal["list_custom_prompts_response"] = "list_custom_prompts_response"
    custom_prompts: list[CustomPrompt]


class TurnAbortedEvent(SnakeModel):
    type: Literal["turn_aborted"] = "turn_aborted"
    reason: TurnAbortReason


class ShutdownCompleteEvent(SnakeModel):
    """The conversation has shut down."""

    ts_inline: ClassVar[bool] = True
    type: Literal["shutdown_complete"] = "shutdown_complete"


class ConversationPathResponseEvent(SnakeModel):
    type: Literal["conversation_path"] = "conversation_path"
    conversation_id: ConversationId
    path: str


class ExitedReviewModeEvent(SnakeModel):
    type: Literal["exited_review_mode"] = "exited_review_mode"
    review_output: ReviewOutputEvent | None = None


class RawResponseItemEvent(SnakeModel):
    """An item exactly as the model returned it (listeners with `experimentalRawEvents`).

    The reference writes the item's own fields after the event tag, so the
    item's ``type`` (``message``, ``function_call``, ...) is the one a client
    reads; ours writes the same object.
    """

    ts_payload: ClassVar[str] = "ResponseItem"
    type: Literal["raw_response_item"] = "raw_response_item"
    item: ResponseItem

    @model_serializer(mode="wrap")
    def _flatten(self, handler: Any) -> Any:
        dumped = handler(self)
        return dumped["item"]


class ItemStartedEvent(SnakeModel):
    type: Literal["item_started"] = "item_started"
    thread_id: ConversationId
    turn_id: str
    item: TurnItem


class ItemCompletedEvent(SnakeModel):
    type: Literal["item_completed"] = "item_completed"
    thread_id: ConversationId
    turn_id: str
    item: TurnItem


EventMsg = TypeAliasType(
    "EventMsg",
    Annotated[
        ErrorEvent
        | TaskStartedEvent
        | TaskCompleteEvent
        | TokenCountEvent
        | AgentMessageEvent
        | UserMessageEvent
        | AgentMessageDeltaEvent
        | AgentReasoningEvent
        | AgentReasoningDeltaEvent
        | AgentReasoningRawContentEvent
        | AgentReasoningRawContentDeltaEvent
        | AgentReasoningSectionBreakEvent
        | SessionConfiguredEvent
        | McpToolCallBeginEvent
        | McpToolCallEndEvent
        | WebSearchBeginEvent
        | WebSearchEndEvent
        | ExecCommandBeginEvent
        | ExecCommandOutputDeltaEvent
        | ExecCommandEndEvent
        | ViewImageToolCallEvent
        | ExecApprovalRequestEvent
        | ApplyPatchApprovalRequestEvent
        | BackgroundEventEvent
        | StreamErrorEvent
        | PatchApplyBeginEvent
        | PatchApplyEndEvent
        | TurnDiffEvent
        | GetHistoryEntryResponseEvent
        | McpListToolsResponseEvent
        | ListCustomPromptsResponseEvent
        | UpdatePlanArgs
        | TurnAbortedEvent
        | ShutdownCompleteEvent
        | ConversationPathResponseEvent
        | ReviewRequest
        | ExitedReviewModeEvent
        | RawResponseItemEvent
        | ItemStartedEvent
        | ItemCompletedEvent,
        Field(discriminator="type"),
    ],
)
"""An event of a conversation, tagged by ``type``."""


class CodexEventNotification(SnakeModel):
    """The params of a ``codex/event/<type>`` notification."""

    id: str = Field(description="The submission (turn) the event belongs to.")
    msg: EventMsg
    conversation_id: ConversationId = Field(alias="conversationId")
