"""Events of a conversation (`EventMsg`).

Each event goes to the editor as a ``codex/event/<type>`` notification
(`CodexEventNotification`), and some are recorded in the rollout file. Event
payloads are snake_case and keep their nulls.
"""

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field
from typing_extensions import TypeAliasType

from ._base import TS_BIGINT, SnakeModel, optional, skip_none
from .collab import (
    CollabAgentInteractionBeginEvent,
    CollabAgentInteractionEndEvent,
    CollabAgentSpawnBeginEvent,
    CollabAgentSpawnEndEvent,
    CollabCloseBeginEvent,
    CollabCloseEndEvent,
    CollabResumeBeginEvent,
    CollabResumeEndEvent,
    CollabWaitingBeginEvent,
    CollabWaitingEndEvent,
)
from .common import (
    AskForApproval,
    ConversationId,
    ModeKind,
    ReasoningEffort,
    SandboxPolicy,
    TurnAbortReason,
)
from .errors import CodexErrorInfo
from .exec_types import (
    ExecCommandSource,
    ExecCommandStatus,
    ExecOutputStream,
    FileChange,
    ParsedCommand,
    PatchApplyStatus,
    WireDuration,
)
from .items import MessagePhase, ResponseItem, TextElement, TurnItem, WebSearchAction
from .mcp import CallToolResult, McpAuthStatus, McpInvocation, Resource, ResourceTemplate, Tool
from .plan import UpdatePlanArgs
from .realtime import (
    RealtimeConversationClosedEvent,
    RealtimeConversationRealtimeEvent,
    RealtimeConversationStartedEvent,
)
from .review import ReviewOutputEvent, ReviewRequest
from .skills import (
    ListRemoteSkillsResponseEvent,
    ListSkillsResponseEvent,
    RemoteSkillDownloadedEvent,
    SkillsUpdateAvailableEvent,
)
from .tool_requests import (
    DynamicToolCallRequest,
    DynamicToolCallResponseEvent,
    ElicitationRequestEvent,
    ExecApprovalRequestEvent,
    RequestUserInputEvent,
)
from .usage import RateLimitSnapshot, TokenUsageInfo


class ErrorEvent(SnakeModel):
    """The turn failed; the message says why."""

    type: Literal["error"] = "error"
    message: str
    codex_error_info: CodexErrorInfo | None = None


class WarningEvent(SnakeModel):
    """Something the user should know; the turn goes on."""

    type: Literal["warning"] = "warning"
    message: str


class ModelRerouteReason(StrEnum):
    HIGH_RISK_CYBER_ACTIVITY = "high_risk_cyber_activity"


class ModelRerouteEvent(SnakeModel):
    """The request went to another model than the one asked for."""

    type: Literal["model_reroute"] = "model_reroute"
    from_model: str
    to_model: str
    reason: ModelRerouteReason


class ContextCompactedEvent(SnakeModel):
    """The conversation's history was compacted.

    The reference declares its payload as `null` in TypeScript (so that no
    value has the variant's type); the TypeScript here says the same."""

    ts_declared_null: ClassVar[bool] = True
    type: Literal["context_compacted"] = "context_compacted"


class ThreadRolledBackEvent(SnakeModel):
    """The last turns were dropped from the history."""

    type: Literal["thread_rolled_back"] = "thread_rolled_back"
    num_turns: int


class TurnStartedEvent(SnakeModel):
    """A turn started."""

    type: Literal["task_started"] = "task_started"
    turn_id: str = ""
    model_context_window: Annotated[int, TS_BIGINT] | None = None
    collaboration_mode_kind: ModeKind = ModeKind.DEFAULT


class TurnCompleteEvent(SnakeModel):
    """A turn finished."""

    type: Literal["task_complete"] = "task_complete"
    turn_id: str = ""
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
    phase: MessagePhase | None = None


class UserMessageEvent(SnakeModel):
    """The user's message, as the turn recorded it."""

    type: Literal["user_message"] = "user_message"
    message: str
    images: list[str] | None = Field(default=None, description="Images given as URLs.")
    local_images: list[str] = Field(default_factory=list, description="Image files on the machine.")
    text_elements: list[TextElement] = Field(default_factory=list)


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
    item_id: str = ""
    summary_index: Annotated[int, TS_BIGINT] = 0


class SessionNetworkProxyRuntime(SnakeModel):
    http_addr: str
    socks_addr: str
    admin_addr: str


class SessionConfiguredEvent(SnakeModel):
    """The conversation is ready (sent when it starts or resumes)."""

    type: Literal["session_configured"] = "session_configured"
    session_id: ConversationId = Field(description="The conversation's id (historical name).")
    forked_from_id: ConversationId | None = None
    thread_name: str | None = optional()
    model: str
    model_provider_id: str
    approval_policy: AskForApproval
    sandbox_policy: SandboxPolicy
    cwd: str
    reasoning_effort: ReasoningEffort | None = None
    history_log_id: Annotated[int, TS_BIGINT] = 0
    history_entry_count: int = 0
    # Quoted: `EventMsg` is defined below, and includes this event.
    initial_messages: "list[EventMsg] | None" = Field(
        default=None, description="For a resumed conversation, the recorded events to show again."
    )
    network_proxy: SessionNetworkProxyRuntime | None = optional()
    rollout_path: str | None = None


class ThreadNameUpdatedEvent(SnakeModel):
    type: Literal["thread_name_updated"] = "thread_name_updated"
    thread_id: ConversationId
    thread_name: str | None = optional()


class McpStartupStarting(SnakeModel):
    ts_inline: ClassVar[bool] = True
    state: Literal["starting"] = "starting"


class McpStartupReady(SnakeModel):
    ts_inline: ClassVar[bool] = True
    state: Literal["ready"] = "ready"


class McpStartupFailed(SnakeModel):
    ts_inline: ClassVar[bool] = True
    state: Literal["failed"] = "failed"
    error: str


class McpStartupCancelled(SnakeModel):
    ts_inline: ClassVar[bool] = True
    state: Literal["cancelled"] = "cancelled"


McpStartupStatus = TypeAliasType(
    "McpStartupStatus",
    Annotated[
        McpStartupStarting | McpStartupReady | McpStartupFailed | McpStartupCancelled,
        Field(discriminator="state"),
    ],
)
"""Where an MCP server's start-up is."""


class McpStartupUpdateEvent(SnakeModel):
    type: Literal["mcp_startup_update"] = "mcp_startup_update"
    server: str
    status: McpStartupStatus


class McpStartupFailure(SnakeModel):
    server: str
    error: str


class McpStartupCompleteEvent(SnakeModel):
    """Every configured MCP server has started, failed or been cancelled."""

    type: Literal["mcp_startup_complete"] = "mcp_startup_complete"
    ready: list[str] = Field(default_factory=list)
    failed: list[McpStartupFailure] = Field(default_factory=list)
    cancelled: list[str] = Field(default_factory=list)


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
    action: WebSearchAction


class ExecCommandBeginEvent(SnakeModel):
    type: Literal["exec_command_begin"] = "exec_command_begin"
    call_id: str
    process_id: str | None = optional("The unified exec session, for a long-running command.")
    turn_id: str = ""
    command: list[str]
    cwd: str
    parsed_cmd: list[ParsedCommand]
    source: ExecCommandSource = ExecCommandSource.AGENT
    interaction_input: str | None = optional()


class ExecCommandOutputDeltaEvent(SnakeModel):
    type: Literal["exec_command_output_delta"] = "exec_command_output_delta"
    call_id: str
    stream: ExecOutputStream
    chunk: str = Field(description="The raw bytes of the chunk, base64-encoded.")


class TerminalInteractionEvent(SnakeModel):
    """Input written to a running unified exec session."""

    type: Literal["terminal_interaction"] = "terminal_interaction"
    call_id: str
    process_id: str
    stdin: str


class ExecCommandEndEvent(SnakeModel):
    type: Literal["exec_command_end"] = "exec_command_end"
    call_id: str
    process_id: str | None = optional()
    turn_id: str = ""
    command: list[str] = Field(default_factory=list)
    cwd: str = ""
    parsed_cmd: list[ParsedCommand] = Field(default_factory=list)
    source: ExecCommandSource = ExecCommandSource.AGENT
    interaction_input: str | None = optional()
    stdout: str
    stderr: str
    aggregated_output: str = Field(
        default="", description="stdout and stderr interleaved as they came."
    )
    exit_code: int
    duration: WireDuration
    formatted_output: str = Field(description="The output as the model sees it.")
    status: ExecCommandStatus = ExecCommandStatus.COMPLETED


class ViewImageToolCallEvent(SnakeModel):
    type: Literal["view_image_tool_call"] = "view_image_tool_call"
    call_id: str
    path: str


class ApplyPatchApprovalRequestEvent(SnakeModel):
    """The model wants to apply a patch that needs the user's approval."""

    type: Literal["apply_patch_approval_request"] = "apply_patch_approval_request"
    call_id: str
    turn_id: str = ""
    changes: dict[str, FileChange]
    reason: str | None = skip_none()
    grant_root: str | None = skip_none()


class DeprecationNoticeEvent(SnakeModel):
    type: Literal["deprecation_notice"] = "deprecation_notice"
    summary: str
    details: str | None = None


class BackgroundEventEvent(SnakeModel):
    type: Literal["background_event"] = "background_event"
    message: str


class UndoStartedEvent(SnakeModel):
    type: Literal["undo_started"] = "undo_started"
    message: str | None = None


class UndoCompletedEvent(SnakeModel):
    type: Literal["undo_completed"] = "undo_completed"
    success: bool
    message: str | None = None


class StreamErrorEvent(SnakeModel):
    """The model stream broke; the daemon retries."""

    type: Literal["stream_error"] = "stream_error"
    message: str
    codex_error_info: CodexErrorInfo | None = None
    additional_details: str | None = None


class PatchApplyBeginEvent(SnakeModel):
    type: Literal["patch_apply_begin"] = "patch_apply_begin"
    call_id: str
    turn_id: str = ""
    auto_approved: bool = Field(description="True when no approval was asked.")
    changes: dict[str, FileChange]


class PatchApplyEndEvent(SnakeModel):
    type: Literal["patch_apply_end"] = "patch_apply_end"
    call_id: str
    turn_id: str = ""
    stdout: str
    stderr: str
    success: bool
    changes: dict[str, FileChange] = Field(default_factory=dict)
    status: PatchApplyStatus = PatchApplyStatus.COMPLETED


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
    turn_id: str | None = None
    reason: TurnAbortReason


class ShutdownCompleteEvent(SnakeModel):
    """The conversation has shut down."""

    ts_inline: ClassVar[bool] = True
    type: Literal["shutdown_complete"] = "shutdown_complete"


class ExitedReviewModeEvent(SnakeModel):
    type: Literal["exited_review_mode"] = "exited_review_mode"
    review_output: ReviewOutputEvent | None = None


class RawResponseItemEvent(SnakeModel):
    """An item exactly as the model returned it (listeners with `experimentalRawEvents`)."""

    type: Literal["raw_response_item"] = "raw_response_item"
    item: ResponseItem


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


class AgentMessageContentDeltaEvent(SnakeModel):
    type: Literal["agent_message_content_delta"] = "agent_message_content_delta"
    thread_id: str
    turn_id: str
    item_id: str
    delta: str


class PlanDeltaEvent(SnakeModel):
    type: Literal["plan_delta"] = "plan_delta"
    thread_id: str
    turn_id: str
    item_id: str
    delta: str


class ReasoningContentDeltaEvent(SnakeModel):
    type: Literal["reasoning_content_delta"] = "reasoning_content_delta"
    thread_id: str
    turn_id: str
    item_id: str
    delta: str
    summary_index: Annotated[int, TS_BIGINT] = 0


class ReasoningRawContentDeltaEvent(SnakeModel):
    type: Literal["reasoning_raw_content_delta"] = "reasoning_raw_content_delta"
    thread_id: str
    turn_id: str
    item_id: str
    delta: str
    content_index: Annotated[int, TS_BIGINT] = 0


EventMsg = TypeAliasType(
    "EventMsg",
    Annotated[
        ErrorEvent
        | WarningEvent
        | RealtimeConversationStartedEvent
        | RealtimeConversationRealtimeEvent
        | RealtimeConversationClosedEvent
        | ModelRerouteEvent
        | ContextCompactedEvent
        | ThreadRolledBackEvent
        | TurnStartedEvent
        | TurnCompleteEvent
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
        | ThreadNameUpdatedEvent
        | McpStartupUpdateEvent
        | McpStartupCompleteEvent
        | McpToolCallBeginEvent
        | McpToolCallEndEvent
        | WebSearchBeginEvent
        | WebSearchEndEvent
        | ExecCommandBeginEvent
        | ExecCommandOutputDeltaEvent
        | TerminalInteractionEvent
        | ExecCommandEndEvent
        | ViewImageToolCallEvent
        | ExecApprovalRequestEvent
        | RequestUserInputEvent
        | DynamicToolCallRequest
        | DynamicToolCallResponseEvent
        | ElicitationRequestEvent
        | ApplyPatchApprovalRequestEvent
        | DeprecationNoticeEvent
        | BackgroundEventEvent
        | UndoStartedEvent
        | UndoCompletedEvent
        | StreamErrorEvent
        | PatchApplyBeginEvent
        | PatchApplyEndEvent
        | TurnDiffEvent
        | GetHistoryEntryResponseEvent
        | McpListToolsResponseEvent
        | ListCustomPromptsResponseEvent
        | ListSkillsResponseEvent
        | ListRemoteSkillsResponseEvent
        | RemoteSkillDownloadedEvent
        | SkillsUpdateAvailableEvent
        | UpdatePlanArgs
        | TurnAbortedEvent
        | ShutdownCompleteEvent
        | ReviewRequest
        | ExitedReviewModeEvent
        | RawResponseItemEvent
        | ItemStartedEvent
        | ItemCompletedEvent
        | AgentMessageContentDeltaEvent
        | PlanDeltaEvent
        | ReasoningContentDeltaEvent
        | ReasoningRawContentDeltaEvent
        | CollabAgentSpawnBeginEvent
        | CollabAgentSpawnEndEvent
        | CollabAgentInteractionBeginEvent
        | CollabAgentInteractionEndEvent
        | CollabWaitingBeginEvent
        | CollabWaitingEndEvent
        | CollabCloseBeginEvent
        | CollabCloseEndEvent
        | CollabResumeBeginEvent
        | CollabResumeEndEvent,
        Field(discriminator="type"),
    ],
)
"""An event of a conversation, tagged by ``type``."""


class CodexEventNotification(SnakeModel):
    """The params of a ``codex/event/<type>`` notification."""

    id: str = Field(description="The submission (turn) the event belongs to.")
    msg: EventMsg
    conversation_id: ConversationId = Field(alias="conversationId")
