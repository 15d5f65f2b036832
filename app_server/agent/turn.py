"""The turn loop: a user turn goes to the model, the model's stream comes back
as events, the tools it calls run, and the loop goes on until the model
answers without calling a tool.

Events and their order follow the reference (see `tests/test_turn_loop.py`):
``task_started``; the user message as a turn item and ``user_message``;
then for each model request a ``token_count`` when the provider reports rate
limits, the streamed deltas, each finished item (as turn item events and its
legacy event), a ``token_count`` with the usage; then the tools' events;
finally ``task_complete``. Items are recorded (history and rollout) when
their request ends, whatever the way it ends, so that an interrupted or
failed turn loses nothing it received.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import anyio
import anyio.lowlevel

from app_server_protocol.events import (
    AgentMessageDeltaEvent,
    AgentMessageEvent,
    AgentReasoningDeltaEvent,
    AgentReasoningEvent,
    AgentReasoningRawContentDeltaEvent,
    AgentReasoningRawContentEvent,
    AgentReasoningSectionBreakEvent,
    ErrorEvent,
    ItemCompletedEvent,
    ItemStartedEvent,
    StreamErrorEvent,
    TokenCountEvent,
    TurnCompleteEvent,
    TurnStartedEvent,
    WarningEvent,
    WebSearchBeginEvent,
    WebSearchEndEvent,
)
from app_server_protocol.items import (
    AgentMessageContentText,
    AgentMessageItem,
    ContentItemOutputText,
    InputItemText,
    ReasoningItem,
    ReasoningItemContentReasoningText,
    ResponseItem,
    ResponseItemMessage,
    ResponseItemReasoning,
    ResponseItemWebSearchCall,
    TurnItem,
    UserMessageItem,
    WebSearchActionOther,
    WebSearchActionSearch,
    WebSearchItem,
)
from app_server_protocol.usage import TokenUsage, TokenUsageInfo

from ..logs import log
from ..model_client import (
    Completed,
    ContextWindowExceeded,
    ModelError,
    ModelEvent,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    Prompt,
    RateLimits,
    Reasoning,
    ReasoningContentDelta,
    ReasoningSummaryDelta,
    ReasoningSummaryPartAdded,
    StreamRetrying,
    UsageLimitReached,
    needs_tls,
    warm_up,
)
from ..tools.truncation import truncate_for_history
from .compaction import (
    auto_compact_limit,
    compact,
    limit_reached,
    restore_initial_context,
    run_compaction_turn,
)
from .context import EnvironmentContext, context_message, shell_name
from .error_info import codex_error_info, retry_error_info
from .model_family import find_family, has_metadata, unknown_model_warning
from .permissions import permissions_message
from .personality import personality_update
from .review import run_review
from .scope import TurnScope
from .shell_outputs import offers_freeform_apply_patch, reframe_shell_outputs
from .tools.base import ToolCall, ToolResult
from .tools.registry import ToolRegistry
from .user_input import UserTurnInput

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

    from ..config.model import ModelProviderInfo
    from .host import TurnHost
    from .thread import AgentThread
    from .user_turn import UserTurn

#: What the model reads when the user interrupted a tool call before it ended.
ABORTED_OUTPUT: Final = "aborted"


@dataclass
class _Sampling:
    """What one model request produced."""

    items: list[ResponseItem] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    results: dict[str, ToolResult] = field(default_factory=dict)
    """Tool results by call id."""
    last_message: str | None = None
    started_message: str | None = None
    """The id of the assistant message whose item was started when the model
    began it (its deltas and its completion carry the same id)."""
    started_reasoning: str | None = None

    def start_over(self) -> None:
        """The attempt failed and the request is sent again: what it produced
        is superseded (calls already running finish, but their outputs are
        not recorded and they do not ask for another request)."""
        self.items.clear()
        self.calls.clear()
        self.last_message = None
        self.started_message = None
        self.started_reasoning = None

    def recorded_items(self) -> list[ResponseItem]:
        """The items in order, each call followed by its output (``aborted``
        when the call did not finish), then what tools added after them."""
        calls = {call.call_id: call for call in self.calls}
        items: list[ResponseItem] = []
        follow_ups: list[ResponseItem] = []
        for item in self.items:
            items.append(item)
            made = ToolCall.from_item(item)
            call = calls.get(made.call_id) if made is not None else None
            if call is not None:
                result = self.results.get(call.call_id) or ToolResult(ABORTED_OUTPUT, success=False)
                items.append(call.output(result))
                follow_ups.extend(result.follow_up)
        return [*items, *follow_ups]


class ModelTurnRunner:
    """Runs every thread's user turns against its model provider."""

    def __init__(self, task_group: TaskGroup) -> None:
        self._task_group = task_group
        self._warming = False
        self._tls = False

    def prepare(self, provider: ModelProviderInfo) -> None:
        """A conversation with ``provider`` exists: get the HTTP client ready
        in the background (off the event loop), with TLS if that provider
        needs it, so that its first turn does not wait for it. Not done at
        start-up, to keep an idle daemon small."""
        tls = needs_tls(provider)
        if self._warming and (self._tls or not tls):
            return
        self._warming = True
        self._tls = self._tls or tls
        self._task_group.start_soon(_warm_up_quietly, tls)

    async def run_turn(
        self, thread: AgentThread, host: TurnHost, submission_id: str, turn: UserTurn
    ) -> None:
        if turn.review is not None:
            await run_review(thread, host, submission_id, turn.review, converse)
        elif turn.compact:
            await run_compaction_turn(_Turn(thread, host, submission_id))
        else:
            await _Turn(thread, host, submission_id).run(turn)


async def converse(
    thread: AgentThread, host: TurnHost, submission_id: str, turn: UserTurn
) -> str | None:
    """A turn's exchange with the model (its input, the model's requests and
    the tools), without the events that start and end it; the last message."""
    return await _Turn(thread, host, submission_id).converse(turn)


class _Turn:
    """One user turn of a thread, from ``task_started`` to ``task_complete``."""

    def __init__(self, thread: AgentThread, host: TurnHost, submission_id: str) -> None:
        settings = thread.settings
        self.thread = thread
        self.host = host
        self.scope = TurnScope(
            host=host,
            submission_id=submission_id,
            settings=settings,
            config=thread.config,
            family=find_family(settings.model),
            approved_commands=thread.approved_commands,
        )
        self.output_schema: Mapping[str, Any] | None = None
        self.compact_limit = auto_compact_limit(thread.config, self.scope.family)

    async def run(self, turn: UserTurn) -> None:
        scope = self.scope
        if not has_metadata(scope.settings.model):
            await scope.emit(WarningEvent(message=unknown_model_warning(scope.settings.model)))
        window = scope.context_window
        await scope.emit(TurnStartedEvent(turn_id=scope.submission_id, model_context_window=window))
        last_message = await self.converse(turn)
        # When the client hears the turn is complete, the turn is in the rollout.
        await self.host.flush()
        await scope.emit(
            TurnCompleteEvent(turn_id=scope.submission_id, last_agent_message=last_message)
        )

    async def converse(self, turn: UserTurn) -> str | None:
        self.output_schema = turn.output_schema
        events = self.host.telemetry
        # Set per turn: a thread's telemetry starts after its agent is built.
        self.thread.client.telemetry = events
        if events is not None:
            events.user_prompt(
                item.data.text for item in turn.items if isinstance(item, InputItemText)
            )
        # Compacted before the turn's input, when the last turn left the history
        # too large (a compaction that fails ends the turn).
        if limit_reached(self.thread, self.compact_limit) and not await compact(
            self, mid_turn=False
        ):
            return None
        self._tell_personality()
        await self._record_user_input(turn)
        return await self._run_requests()

    def _tell_personality(self) -> None:
        """A personality other than the one the model knows: tell it (once)."""
        thread, settings = self.thread, self.scope.settings
        update = personality_update(
            thread.config, settings.model, thread.personality, settings.personality
        )
        thread.personality = settings.personality
        if update is not None:
            self._record([update])

    def _record(self, items: list[ResponseItem]) -> None:
        """Items the model will see from now on (history and rollout; the
        history keeps tool outputs cut to the turn's truncation policy)."""
        policy = self.scope.truncation_policy
        self.thread.history.extend(truncate_for_history(item, policy) for item in items)
        self.host.record_items(items)

    async def _record_user_input(self, turn: UserTurn) -> None:
        scope = self.scope
        settings = scope.settings
        user_input = await anyio.to_thread.run_sync(
            UserTurnInput.resolve, turn.items, Path(settings.cwd)
        )
        await self._record_resolved_input(user_input)

    async def _take_steered_input(self) -> None:
        """Input the user added to the running turn since its last request."""
        pending = self.thread.pending_input
        if not pending:
            return
        items = list(pending)
        pending.clear()
        user_input = await anyio.to_thread.run_sync(
            UserTurnInput.resolve, items, Path(self.scope.settings.cwd)
        )
        await self._record_resolved_input(user_input)

    async def _record_resolved_input(self, user_input: UserTurnInput) -> None:
        scope = self.scope
        settings = scope.settings
        # A compaction took the initial context away: it comes back first.
        items = restore_initial_context(self.thread, settings)
        thread = self.thread
        # What changed since the model was last told is told again, whole.
        policies = (settings.approval_policy, settings.sandbox_policy)
        if policies != thread.policies:
            items.append(
                permissions_message(settings.sandbox_policy, settings.approval_policy, settings.cwd)
            )
            thread.policies = policies
        environment = EnvironmentContext.of(settings.cwd, shell_name())
        if environment != thread.environment:
            items.append(context_message(environment.render()))
            thread.environment = environment
        items.append(user_input.response_item())
        self._record(items)
        turn_item = UserMessageItem(id=str(uuid.uuid4()), content=list(user_input.parts))
        await self._emit_item(turn_item)
        await scope.emit(user_input.event())

    async def _run_requests(self) -> str | None:
        """Model requests until one ends without tool calls; the last message."""
        scope = self.scope
        registry = self.thread.tools_for(scope.settings.model)
        last_message: str | None = None
        while True:
            await self._take_steered_input()
            self.host.record_turn_context(
                scope.settings.context_item(scope.submission_id, scope.truncation_policy.to_json())
            )
            prompt = self._prompt(registry)
            try:
                sampling = await self._sample(prompt, registry)
            except ModelError as error:
                await self._report_model_error(error)
                return None
            await scope.report_turn_diff()
            if sampling.last_message is not None:
                last_message = sampling.last_message
            if not sampling.calls and not self.thread.pending_input:
                return last_message
            if limit_reached(self.thread, self.compact_limit) and not await compact(
                self, mid_turn=True
            ):
                return None

    def _prompt(self, registry: ToolRegistry) -> Prompt:
        scope = self.scope
        settings, family = scope.settings, scope.family
        reasoning = None
        if family.reasoning:
            effort = settings.effort or family.default_effort
            reasoning = Reasoning(effort=effort, summary=settings.summary)
        tools = registry.specs(scope)
        history = self.thread.history.copy()
        if offers_freeform_apply_patch(tools):
            reframe_shell_outputs(history)
        return Prompt(
            model=settings.model,
            instructions=self.thread.instructions,
            input=history,
            tools=tools,
            parallel_tool_calls=family.parallel_tool_calls,
            reasoning=reasoning,
            verbosity=(scope.config.model_verbosity or family.default_verbosity)
            if family.verbosity
            else None,
            output_schema=self.output_schema,
        )

    async def _sample(self, prompt: Prompt, registry: ToolRegistry) -> _Sampling:
        """One model request. Tool calls start as soon as the model has made
        them (while it goes on streaming) and the request ends when they are
        all done."""
        scope = self.scope
        sampling = _Sampling()
        failure: ModelError | None = None
        try:
            async with anyio.create_task_group() as tools:

                async def run_tool(call: ToolCall) -> None:
                    sampling.results[call.call_id] = await registry.call(call, scope)

                try:
                    async with self.thread.client.stream(prompt) as events:
                        async for event in events:
                            if isinstance(event, StreamRetrying):
                                sampling.start_over()
                                await scope.emit(
                                    StreamErrorEvent(
                                        message=event.message,
                                        codex_error_info=retry_error_info(event.error),
                                        additional_details=str(event.error),
                                    )
                                )
                                continue
                            call = await self._on_model_event(event, sampling)
                            if call is not None:
                                sampling.calls.append(call)
                                tools.start_soon(run_tool, call)
                                # Let it start now, as the model goes on streaming.
                                await anyio.lowlevel.checkpoint()
                except ModelError as error:
                    failure = error  # raised once the calls already made have ended
        finally:
            # Whatever way the request ended, what arrived is kept, and every
            # call gets an output (the model needs one per call).
            self._record(sampling.recorded_items())
        if failure is not None:
            raise failure
        return sampling

    async def _on_model_event(self, event: ModelEvent, sampling: _Sampling) -> ToolCall | None:
        scope = self.scope
        if isinstance(event, OutputTextDelta):
            await scope.emit(AgentMessageDeltaEvent(delta=event.delta))
        elif isinstance(event, ReasoningSummaryDelta):
            await scope.emit(AgentReasoningDeltaEvent(delta=event.delta))
        elif isinstance(event, ReasoningSummaryPartAdded):
            await scope.emit(
                AgentReasoningSectionBreakEvent(
                    item_id=event.item_id, summary_index=event.summary_index
                )
            )
        elif isinstance(event, ReasoningContentDelta):
            await scope.emit(AgentReasoningRawContentDeltaEvent(delta=event.delta))
        elif isinstance(event, OutputItemAdded):
            await self._on_item_added(event.item, sampling)
        elif isinstance(event, OutputItemDone):
            sampling.items.append(event.item)
            return await self._on_item_done(event.item, sampling)
        elif isinstance(event, RateLimits | Completed):
            await self._count_usage(event)
        return None

    async def _count_usage(self, event: RateLimits | Completed) -> None:
        """The provider's rate limits, or a finished response's token usage."""
        thread = self.thread
        if isinstance(event, RateLimits):
            thread.rate_limits = event.snapshot
            await self._report_usage(thread.last_info)
            return
        info = thread.last_info
        if event.token_usage is not None:
            thread.usage = _add_usage(thread.usage, event.token_usage)
            info = thread.last_info = TokenUsageInfo(
                total_token_usage=thread.usage,
                last_token_usage=event.token_usage,
                model_context_window=self.scope.context_window,
            )
        await self._report_usage(info)

    async def _on_item_added(self, item: ResponseItem, sampling: _Sampling) -> None:
        """The model began an item: a message or reasoning is started now
        (as the reference does), so that its deltas belong to a started item."""
        scope = self.scope
        if isinstance(item, ResponseItemWebSearchCall):
            await scope.emit(WebSearchBeginEvent(call_id=item.id or ""))
        elif isinstance(item, ResponseItemMessage) and item.role == "assistant":
            sampling.started_message = item.id or str(uuid.uuid4())
            await self._emit_started(AgentMessageItem(id=sampling.started_message, content=[]))
        elif isinstance(item, ResponseItemReasoning):
            sampling.started_reasoning = item.id
            await self._emit_started(ReasoningItem(id=item.id, summary_text=[], raw_content=[]))

    async def _on_item_done(self, item: ResponseItem, sampling: _Sampling) -> ToolCall | None:
        scope = self.scope
        await self.host.emit_raw_item(scope.submission_id, item)
        if isinstance(item, ResponseItemMessage):
            if item.role != "assistant":
                return None
            text = "".join(
                part.text for part in item.content if isinstance(part, ContentItemOutputText)
            )
            started, sampling.started_message = sampling.started_message, None
            message = AgentMessageItem(
                id=started or item.id or str(uuid.uuid4()),
                content=[AgentMessageContentText(text=text)],
            )
            await self._emit_item(message, started=started is not None)
            await scope.emit(AgentMessageEvent(message=text))
            sampling.last_message = text
        elif isinstance(item, ResponseItemReasoning):
            summaries = [part.text for part in item.summary]
            raw = [
                part.text
                for part in item.content or []
                if isinstance(part, ReasoningItemContentReasoningText)
            ]
            started, sampling.started_reasoning = sampling.started_reasoning, None
            reasoning = ReasoningItem(
                id=started or item.id, summary_text=summaries, raw_content=raw
            )
            await self._emit_item(reasoning, started=started is not None)
            for text in summaries:
                await scope.emit(AgentReasoningEvent(text=text))
            for text in raw:
                await scope.emit(AgentReasoningRawContentEvent(text=text))
        elif isinstance(item, ResponseItemWebSearchCall):
            action = item.action if item.action is not None else WebSearchActionOther()
            query = ""
            if isinstance(action, WebSearchActionSearch):
                query = action.query or " ".join(action.queries or [])
            search = WebSearchItem(id=item.id or "", query=query, action=action)
            await self._emit_item(search)
            await scope.emit(WebSearchEndEvent(call_id=item.id or "", query=query, action=action))
        else:
            return ToolCall.from_item(item)
        return None

    async def _emit_started(self, item: TurnItem) -> None:
        scope = self.scope
        thread_id = self.host.thread_id
        await scope.emit(
            ItemStartedEvent(thread_id=thread_id, turn_id=scope.submission_id, item=item)
        )

    async def _emit_item(self, item: TurnItem, *, started: bool = False) -> None:
        """The item's completion, after its start unless it was ``started`` already."""
        if not started:
            await self._emit_started(item)
        scope = self.scope
        thread_id = self.host.thread_id
        await scope.emit(
            ItemCompletedEvent(thread_id=thread_id, turn_id=scope.submission_id, item=item)
        )

    async def _report_usage(self, info: TokenUsageInfo | None) -> None:
        rate_limits = self.thread.rate_limits
        await self.scope.emit(TokenCountEvent(info=info, rate_limits=rate_limits))
        if rate_limits is not None:
            await self.host.report_rate_limits(rate_limits)

    async def _report_model_error(self, error: ModelError) -> None:
        thread = self.thread
        if isinstance(error, ContextWindowExceeded):
            window = self.scope.context_window
            full = (thread.usage or TokenUsage()).model_copy(update={"total_tokens": window})
            thread.last_info = TokenUsageInfo(
                total_token_usage=full, last_token_usage=full, model_context_window=window
            )
            await self._report_usage(thread.last_info)
        elif isinstance(error, UsageLimitReached) and error.rate_limits is not None:
            thread.rate_limits = error.rate_limits
            await self._report_usage(thread.last_info)
        await self.scope.emit(
            ErrorEvent(message=str(error), codex_error_info=codex_error_info(error))
        )


async def _warm_up_quietly(tls: bool) -> None:
    try:
        await warm_up(tls)
    except Exception as exc:  # the first request will try again, and report
        log.warning("could not prepare the HTTP client: %s", exc)


def _add_usage(total: TokenUsage | None, last: TokenUsage) -> TokenUsage:
    if total is None:
        return last
    return TokenUsage(
        input_tokens=total.input_tokens + last.input_tokens,
        cached_input_tokens=total.cached_input_tokens + last.cached_input_tokens,
        output_tokens=total.output_tokens + last.output_tokens,
        reasoning_output_tokens=total.reasoning_output_tokens + last.reasoning_output_tokens,
        total_tokens=total.total_tokens + last.total_tokens,
    )
