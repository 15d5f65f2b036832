"""The v2 face of a thread: the ``thread/*``, ``turn/*`` and ``item/*``
notifications, derived from the events the agent reports (the same events
the v1 face sends as ``codex/event/*``), and the v2 approval requests.

`V2Face.before` runs before an event's ``codex/event/*`` goes out and
`V2Face.after` after it, which gives both streams the reference's order
(``turn/started`` ahead of ``task_started``; ``item/*`` after their legacy
events)."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app_server_protocol import methods
from app_server_protocol.events import (
    AgentMessageDeltaEvent,
    AgentReasoningDeltaEvent,
    AgentReasoningRawContentDeltaEvent,
    AgentReasoningSectionBreakEvent,
    ContextCompactedEvent,
    ErrorEvent,
    EventMsg,
    ExecCommandBeginEvent,
    ExecCommandEndEvent,
    ExecCommandOutputDeltaEvent,
    ExitedReviewModeEvent,
    ItemCompletedEvent,
    ItemStartedEvent,
    McpToolCallBeginEvent,
    McpToolCallEndEvent,
    McpToolCallOk,
    PatchApplyBeginEvent,
    PatchApplyEndEvent,
    StreamErrorEvent,
    TerminalInteractionEvent,
    TokenCountEvent,
    TurnAbortedEvent,
    TurnCompleteEvent,
    TurnDiffEvent,
    TurnStartedEvent,
)
from app_server_protocol.exec_types import ExecCommandSource
from app_server_protocol.items import AgentMessageItem, ReasoningItem
from app_server_protocol.plan import UpdatePlanArgs
from app_server_protocol.review import ReviewRequest
from app_server_protocol.usage import TokenUsage
from app_server_protocol.v2.items import (
    CommandExecutionStatus,
    McpToolCallError,
    McpToolCallResult,
    McpToolCallStatus,
    PatchApplyStatus,
    ThreadItem,
    ThreadItemAgentMessage,
    ThreadItemCommandExecution,
    ThreadItemEnteredReviewMode,
    ThreadItemExitedReviewMode,
    ThreadItemFileChange,
    ThreadItemMcpToolCall,
    ThreadItemReasoning,
)
from app_server_protocol.v2.notifications import (
    AgentMessageDeltaNotification,
    CommandExecutionOutputDeltaNotification,
    ContextCompactedNotification,
    ErrorNotification,
    FileChangeOutputDeltaNotification,
    ItemCompletedNotification,
    ItemStartedNotification,
    McpToolCallProgressNotification,
    ReasoningSummaryPartAddedNotification,
    ReasoningSummaryTextDeltaNotification,
    ReasoningTextDeltaNotification,
    TerminalInteractionNotification,
    ThreadStatusChangedNotification,
    ThreadTokenUsageUpdatedNotification,
    TurnCompletedNotification,
    TurnDiffUpdatedNotification,
    TurnPlanUpdatedNotification,
    TurnStartedNotification,
)
from app_server_protocol.v2.threads import (
    ThreadActiveFlag,
    ThreadStatus,
    ThreadStatusActive,
    ThreadStatusIdle,
    ThreadTokenUsage,
    TokenUsageBreakdown,
)
from app_server_protocol.v2.turns import (
    Turn,
    TurnError,
    TurnPlanStep,
    TurnPlanStepStatus,
    TurnStatus,
)

from ..agent.review_output import review_text
from .v2_errors import turn_error
from .v2_items import command_actions, command_text, file_changes, thread_item

if TYPE_CHECKING:
    from ..audience import FanOut


@dataclass(eq=False)
class _TurnState:
    id: str
    error: TurnError | None = None
    message_id: str | None = None
    """The agent message being streamed (started at its first delta)."""
    reasoning_id: str | None = None
    summary_index: int = 0
    commands: dict[str, ThreadItemCommandExecution] = field(default_factory=dict)
    patches: dict[str, ThreadItemFileChange] = field(default_factory=dict)
    mcp_calls: dict[str, ThreadItemMcpToolCall] = field(default_factory=dict)
    started: dict[str, float] = field(default_factory=dict)
    waiting_approvals: int = 0
    declined: set[str] = field(default_factory=set)
    """Items the user declined (their completion says so)."""


class V2Face:
    """A thread's v2 notifications: to the connections that follow the thread
    (``subscribers``), and its status changes and turn starts to every client
    (``everyone``), as 0.107.0 sends them."""

    def __init__(
        self, thread_id: str, subscribers: FanOut, everyone: FanOut, *, v1_only: bool = False
    ) -> None:
        self.thread_id = thread_id
        self._outgoing = subscribers
        self._everyone = everyone
        self.v1_only = v1_only
        """Made for a v1 listener (0.107.0 sends v1 conversations v2
        notifications too, but no ``turn/started``, and asks approvals the v1
        way); a v2 subscription clears it."""
        self._turn: _TurnState | None = None
        self.status: ThreadStatus = ThreadStatusIdle()
        self._turn_items: dict[str, list[ThreadItem]] = {}
        self._unannounced: set[str] = set()
        """Turns that start without ``turn/started`` (0.107.0 announces no compaction turn)."""
        self._sessions: dict[str, tuple[str, ThreadItemCommandExecution]] = {}
        """Unified exec commands still running after their turn, by item ID,
        with that turn's ID (their output and end name it)."""

    def announce_turn_items(self, turn_id: str, items: list[ThreadItem]) -> None:
        """The items ``turn/started`` shows for the turn ``turn_id`` (a
        review's request, as its ``review/start`` answer shows it)."""
        self._turn_items[turn_id] = items

    @property
    def turn_id(self) -> str | None:
        return self._turn.id if self._turn is not None else None

    def start_unannounced(self, turn_id: str) -> None:
        """The turn ``turn_id`` will start without ``turn/started``."""
        self._unannounced.add(turn_id)

    # -- thread status ------------------------------------------------------------

    async def set_status(self, status: ThreadStatus) -> None:
        self.status = status
        await self._everyone.notify(
            methods.THREAD_STATUS_CHANGED,
            ThreadStatusChangedNotification(thread_id=self.thread_id, status=status),
        )

    async def _active(self) -> None:
        turn = self._turn
        flags = [ThreadActiveFlag.WAITING_ON_APPROVAL] if turn and turn.waiting_approvals else []
        await self.set_status(ThreadStatusActive(active_flags=flags))

    def has_started(self, item_id: str) -> bool:
        """The current turn has started the command ``item_id``."""
        return self._turn is not None and item_id in self._turn.commands

    async def declined_before_start(self, item: ThreadItemCommandExecution) -> None:
        """The user declined a command that was never started (0.107.0 asks
        about ``exec_command`` before its begin): its declined completion."""
        if self._turn is not None:
            await self._completed(self._turn, item)

    def declined(self, item_id: str) -> None:
        """The user declined the item's approval."""
        if self._turn is not None:
            self._turn.declined.add(item_id)

    async def approval_pending(self, pending: bool) -> None:
        """An approval request is out (or settled): the status says so."""
        turn = self._turn
        if turn is None:
            return
        turn.waiting_approvals += 1 if pending else -1
        await self._active()

    async def mcp_tool_call_progress(self, call_id: str, message: str) -> None:
        """``item/mcpToolCall/progress`` for a call of the running turn."""
        turn = self._turn
        if turn is None or call_id not in turn.mcp_calls:
            return
        await self._outgoing.notify(
            methods.ITEM_MCP_TOOL_CALL_PROGRESS,
            McpToolCallProgressNotification(
                thread_id=self.thread_id, turn_id=turn.id, item_id=call_id, message=message
            ),
        )

    # -- events -----------------------------------------------------------------

    async def before(self, submission_id: str, event: EventMsg) -> None:
        if isinstance(event, TurnStartedEvent):
            self._turn = _TurnState(submission_id)
            if submission_id in self._unannounced:
                self._unannounced.discard(submission_id)
                return
            if self.v1_only:
                return
            items = self._turn_items.pop(submission_id, [])
            turn = Turn(id=submission_id, items=items, status=TurnStatus.IN_PROGRESS)
            await self._everyone.notify(
                methods.TURN_STARTED, TurnStartedNotification(thread_id=self.thread_id, turn=turn)
            )

    async def after(self, submission_id: str, event: EventMsg) -> None:
        turn = self._turn
        if isinstance(event, TurnStartedEvent):
            await self._active()
            return
        if (
            isinstance(event, (ExecCommandOutputDeltaEvent, ExecCommandEndEvent))
            and event.call_id in self._sessions
            and (turn is None or event.call_id not in turn.commands)
        ):
            await self._session_event(event)
            return
        if turn is None:
            return
        if isinstance(event, (TurnCompleteEvent, TurnAbortedEvent)):
            await self._end_turn(turn, interrupted=isinstance(event, TurnAbortedEvent))
        elif isinstance(event, ItemStartedEvent):
            await self._item_started(turn, event)
        elif isinstance(event, ItemCompletedEvent):
            await self._item_completed(turn, event)
        elif isinstance(event, ReviewRequest):
            hint = event.user_facing_hint or ""
            await self._whole_item(turn, ThreadItemEnteredReviewMode(id=turn.id, review=hint))
        elif isinstance(event, ExitedReviewModeEvent):
            review = review_text(event.review_output)
            await self._whole_item(turn, ThreadItemExitedReviewMode(id=turn.id, review=review))
        elif isinstance(event, ContextCompactedEvent):
            await self._outgoing.notify(
                methods.THREAD_COMPACTED,
                ContextCompactedNotification(thread_id=self.thread_id, turn_id=turn.id),
            )
        elif isinstance(event, AgentMessageDeltaEvent):
            item_id = await self._open_message(turn)
            await self._outgoing.notify(
                methods.ITEM_AGENT_MESSAGE_DELTA,
                AgentMessageDeltaNotification(
                    thread_id=self.thread_id, turn_id=turn.id, item_id=item_id, delta=event.delta
                ),
            )
        elif isinstance(event, AgentReasoningDeltaEvent):
            item_id = await self._open_reasoning(turn)
            await self._outgoing.notify(
                methods.ITEM_REASONING_SUMMARY_TEXT_DELTA,
                ReasoningSummaryTextDeltaNotification(
                    thread_id=self.thread_id,
                    turn_id=turn.id,
                    item_id=item_id,
                    delta=event.delta,
                    summary_index=turn.summary_index,
                ),
            )
        elif isinstance(event, AgentReasoningSectionBreakEvent):
            item_id = await self._open_reasoning(turn)
            turn.summary_index += 1
            await self._outgoing.notify(
                methods.ITEM_REASONING_SUMMARY_PART_ADDED,
                ReasoningSummaryPartAddedNotification(
                    thread_id=self.thread_id,
                    turn_id=turn.id,
                    item_id=item_id,
                    summary_index=turn.summary_index,
                ),
            )
        elif isinstance(event, AgentReasoningRawContentDeltaEvent):
            item_id = await self._open_reasoning(turn)
            await self._outgoing.notify(
                methods.ITEM_REASONING_TEXT_DELTA,
                ReasoningTextDeltaNotification(
                    thread_id=self.thread_id,
                    turn_id=turn.id,
                    item_id=item_id,
                    delta=event.delta,
                    content_index=0,
                ),
            )
        else:
            await self._tool_event(turn, event)

    async def _tool_event(self, turn: _TurnState, event: EventMsg) -> None:
        if isinstance(event, ExecCommandBeginEvent):
            command = ThreadItemCommandExecution(
                id=event.call_id,
                command=command_text(event.command),
                cwd=event.cwd,
                process_id=event.process_id,
                status=CommandExecutionStatus.IN_PROGRESS,
                command_actions=command_actions(event.parsed_cmd),
            )
            turn.commands[event.call_id] = command
            await self._started(turn, command)
        elif isinstance(event, ExecCommandOutputDeltaEvent):
            text = base64.b64decode(event.chunk).decode("utf-8", "replace")
            if event.call_id in turn.patches:
                await self._outgoing.notify(
                    methods.ITEM_FILE_CHANGE_OUTPUT_DELTA,
                    FileChangeOutputDeltaNotification(
                        thread_id=self.thread_id, turn_id=turn.id, item_id=event.call_id, delta=text
                    ),
                )
            else:
                await self._command_output(turn.id, event.call_id, text)
        elif isinstance(event, TerminalInteractionEvent):
            await self._outgoing.notify(
                methods.ITEM_COMMAND_EXECUTION_TERMINAL_INTERACTION,
                TerminalInteractionNotification(
                    thread_id=self.thread_id,
                    turn_id=turn.id,
                    item_id=event.call_id,
                    process_id=event.process_id,
                    stdin=event.stdin,
                ),
            )
        elif isinstance(event, ExecCommandEndEvent):
            await self._command_ended(turn, event)
        elif isinstance(event, PatchApplyBeginEvent):
            patch = ThreadItemFileChange(
                id=event.call_id,
                changes=file_changes(event.changes),
                status=PatchApplyStatus.IN_PROGRESS,
            )
            turn.patches[event.call_id] = patch
            await self._started(turn, patch)
        elif isinstance(event, PatchApplyEndEvent):
            applying = turn.patches.pop(event.call_id, None)
            if applying is None:
                return
            applied = PatchApplyStatus.COMPLETED if event.success else PatchApplyStatus.FAILED
            await self._completed(turn, applying.model_copy(update={"status": applied}))
        elif isinstance(event, McpToolCallBeginEvent):
            call = ThreadItemMcpToolCall(
                id=event.call_id,
                server=event.invocation.server,
                tool=event.invocation.tool,
                status=McpToolCallStatus.IN_PROGRESS,
                arguments=event.invocation.arguments,
            )
            turn.mcp_calls[event.call_id] = call
            await self._started(turn, call)
        elif isinstance(event, McpToolCallEndEvent):
            running = turn.mcp_calls.pop(event.call_id, None)
            if running is None:
                return
            update: dict[str, Any] = {"duration_ms": _elapsed_ms(turn, event.call_id)}
            if isinstance(event.result, McpToolCallOk):
                ok = event.result.ok.model_dump(mode="json", by_alias=True)
                failed = bool(ok.get("isError"))
                update["status"] = (
                    McpToolCallStatus.FAILED if failed else McpToolCallStatus.COMPLETED
                )
                update["result"] = McpToolCallResult(
                    content=ok.get("content") or [],
                    structured_content=ok.get("structuredContent"),
                )
            else:
                update["status"] = McpToolCallStatus.FAILED
                update["error"] = McpToolCallError(message=event.result.err)
            await self._completed(turn, running.model_copy(update=update))
        elif isinstance(event, TurnDiffEvent):
            await self._outgoing.notify(
                methods.TURN_DIFF_UPDATED,
                TurnDiffUpdatedNotification(
                    thread_id=self.thread_id, turn_id=turn.id, diff=event.unified_diff
                ),
            )
        elif isinstance(event, UpdatePlanArgs):
            steps = [
                TurnPlanStep(step=step.step, status=_plan_status(str(step.status)))
                for step in event.plan
            ]
            await self._outgoing.notify(
                methods.TURN_PLAN_UPDATED,
                TurnPlanUpdatedNotification(
                    thread_id=self.thread_id,
                    turn_id=turn.id,
                    explanation=event.explanation,
                    plan=steps,
                ),
            )
        elif isinstance(event, TokenCountEvent):
            info = event.info
            if info is not None:
                usage = ThreadTokenUsage(
                    total=_breakdown(info.total_token_usage),
                    last=_breakdown(info.last_token_usage),
                    model_context_window=info.model_context_window,
                )
                await self._outgoing.notify(
                    methods.THREAD_TOKEN_USAGE_UPDATED,
                    ThreadTokenUsageUpdatedNotification(
                        thread_id=self.thread_id, turn_id=turn.id, token_usage=usage
                    ),
                )
        elif isinstance(event, (ErrorEvent, StreamErrorEvent)):
            retrying = isinstance(event, StreamErrorEvent)
            details = event.additional_details if isinstance(event, StreamErrorEvent) else None
            error = turn_error(event.message, event.codex_error_info, details)
            if not retrying:
                turn.error = error
            await self._outgoing.notify(
                methods.ERROR_NOTIFICATION,
                ErrorNotification(
                    error=error, will_retry=retrying, thread_id=self.thread_id, turn_id=turn.id
                ),
            )

    # -- items --------------------------------------------------------------------

    async def _command_output(self, turn_id: str, item_id: str, text: str) -> None:
        await self._outgoing.notify(
            methods.ITEM_COMMAND_EXECUTION_OUTPUT_DELTA,
            CommandExecutionOutputDeltaNotification(
                thread_id=self.thread_id, turn_id=turn_id, item_id=item_id, delta=text
            ),
        )

    async def _session_event(
        self, event: ExecCommandOutputDeltaEvent | ExecCommandEndEvent
    ) -> None:
        """Output or end of a unified exec session that outlived its turn:
        they name that turn, whenever they come."""
        turn_id, begun = self._sessions[event.call_id]
        if isinstance(event, ExecCommandOutputDeltaEvent):
            text = base64.b64decode(event.chunk).decode("utf-8", "replace")
            await self._command_output(turn_id, event.call_id, text)
            return
        del self._sessions[event.call_id]
        await self._command_completed(turn_id, begun, event, None)

    async def _command_ended(self, turn: _TurnState, event: ExecCommandEndEvent) -> None:
        begun = turn.commands.pop(event.call_id, None)
        if begun is None:
            return
        status = CommandExecutionStatus.DECLINED if event.call_id in turn.declined else None
        elapsed_ms = _elapsed_ms(turn, event.call_id)
        turn.started.pop(event.call_id, None)
        await self._command_completed(turn.id, begun, event, status, elapsed_ms)

    async def _command_completed(
        self,
        turn_id: str,
        begun: ThreadItemCommandExecution,
        event: ExecCommandEndEvent,
        status: CommandExecutionStatus | None,
        elapsed_ms: int | None = None,
    ) -> None:
        if status is None:
            status = (
                CommandExecutionStatus.COMPLETED
                if event.exit_code == 0
                else CommandExecutionStatus.FAILED
            )
        update: dict[str, Any] = {
            "status": status,
            "aggregated_output": event.aggregated_output,
            "exit_code": event.exit_code,
            "duration_ms": elapsed_ms,
        }
        if event.source is ExecCommandSource.UNIFIED_EXEC_STARTUP:
            # 0.107.0: the command's own duration, and no output when it printed nothing.
            update["duration_ms"] = event.duration.secs * 1000 + event.duration.nanos // 1_000_000
            update["aggregated_output"] = event.aggregated_output or None
        await self._outgoing.notify(
            methods.ITEM_COMPLETED,
            ItemCompletedNotification(
                item=begun.model_copy(update=update), thread_id=self.thread_id, turn_id=turn_id
            ),
        )

    async def _started(self, turn: _TurnState, item: ThreadItem) -> None:
        turn.started[item.id] = time.monotonic()
        await self._outgoing.notify(
            methods.ITEM_STARTED,
            ItemStartedNotification(item=item, thread_id=self.thread_id, turn_id=turn.id),
        )

    async def _completed(self, turn: _TurnState, item: ThreadItem) -> None:
        turn.started.pop(item.id, None)
        await self._outgoing.notify(
            methods.ITEM_COMPLETED,
            ItemCompletedNotification(item=item, thread_id=self.thread_id, turn_id=turn.id),
        )

    async def _whole_item(self, turn: _TurnState, item: ThreadItem) -> None:
        """An item that is complete as soon as it exists."""
        await self._started(turn, item)
        await self._completed(turn, item)

    async def _open_message(self, turn: _TurnState) -> str:
        if turn.message_id is None:
            turn.message_id = str(uuid.uuid4())
            await self._started(turn, ThreadItemAgentMessage(id=turn.message_id, text=""))
        return turn.message_id

    async def _open_reasoning(self, turn: _TurnState) -> str:
        if turn.reasoning_id is None:
            turn.reasoning_id = str(uuid.uuid4())
            turn.summary_index = 0
            await self._started(
                turn, ThreadItemReasoning(id=turn.reasoning_id, summary=[], content=[])
            )
        return turn.reasoning_id

    async def _item_started(self, turn: _TurnState, event: ItemStartedEvent) -> None:
        core = event.item
        if isinstance(core, AgentMessageItem):
            if turn.message_id is not None:
                return  # started at its first delta
            turn.message_id = core.id
        elif isinstance(core, ReasoningItem):
            if turn.reasoning_id is not None:
                return
            turn.reasoning_id = core.id
            turn.summary_index = 0
        await self._started(turn, thread_item(core))

    async def _item_completed(self, turn: _TurnState, event: ItemCompletedEvent) -> None:
        item = thread_item(event.item)
        if isinstance(event.item, AgentMessageItem) and turn.message_id is not None:
            item = item.model_copy(update={"id": turn.message_id})
            turn.message_id = None
        elif isinstance(event.item, ReasoningItem) and turn.reasoning_id is not None:
            item = item.model_copy(update={"id": turn.reasoning_id})
            turn.reasoning_id = None
        await self._completed(turn, item)

    # -- the end of a turn ----------------------------------------------------------

    async def _end_turn(self, turn: _TurnState, *, interrupted: bool) -> None:
        self._turn = None
        for item_id, command in turn.commands.items():
            if command.process_id is not None:
                self._sessions[item_id] = (turn.id, command)
        if interrupted:
            status, error = TurnStatus.INTERRUPTED, None
        elif turn.error is not None:
            status, error = TurnStatus.FAILED, turn.error
        else:
            status, error = TurnStatus.COMPLETED, None
        await self.set_status(ThreadStatusIdle())
        done = Turn(id=turn.id, items=[], status=status, error=error)
        await self._outgoing.notify(
            methods.TURN_COMPLETED, TurnCompletedNotification(thread_id=self.thread_id, turn=done)
        )


def _elapsed_ms(turn: _TurnState, item_id: str) -> int | None:
    began = turn.started.get(item_id)
    return None if began is None else int((time.monotonic() - began) * 1000)


def _breakdown(usage: TokenUsage) -> TokenUsageBreakdown:
    return TokenUsageBreakdown(
        total_tokens=usage.total_tokens,
        input_tokens=usage.input_tokens,
        cached_input_tokens=usage.cached_input_tokens,
        output_tokens=usage.output_tokens,
        reasoning_output_tokens=usage.reasoning_output_tokens,
    )


def _plan_status(status: str) -> TurnPlanStepStatus:
    if status == "in_progress":
        return TurnPlanStepStatus.IN_PROGRESS
    if status == "completed":
        return TurnPlanStepStatus.COMPLETED
    return TurnPlanStepStatus.PENDING
