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
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

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
    EventMsg,
    ItemCompletedEvent,
    ItemStartedEvent,
    StreamErrorEvent,
    TokenCountEvent,
    TurnCompleteEvent,
    TurnDiffEvent,
    TurnStartedEvent,
    WebSearchBeginEvent,
    WebSearchEndEvent,
)
from app_server_protocol.items import (
    AgentMessageContentText,
    AgentMessageItem,
    ContentItemOutputText,
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
from app_server_protocol.usage import (
    AccountRateLimitsUpdatedNotification,
    RateLimitSnapshot,
    TokenUsage,
    TokenUsageInfo,
)

from ..auth.restrictions import LoginRestrictions
from ..conversations.turns import TurnSettings, UserTurn
from ..logs import log
from ..model_client import (
    Completed,
    ContextWindowExceeded,
    ModelClient,
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
    warm_up,
)
from ..user_agent import originator
from .context import EnvironmentContext, context_message, shell_name
from .credentials import AuthCredentials
from .error_info import codex_error_info
from .instructions import base_instructions
from .model_family import ModelFamily, find_family
from .tools.base import ToolCall, ToolResult
from .tools.registry import ToolRegistry
from .toolset import build_registry
from .user_input import UserTurnInput

if TYPE_CHECKING:
    from ..app import App
    from ..config.model import Config
    from ..conversations.conversation import Conversation
    from ..tools.apply_patch import TurnDiffTracker

#: What the model reads when the user interrupted a tool call before it ended.
ABORTED_OUTPUT: Final = "aborted"


@dataclass(eq=False)
class AgentSession:
    """What the agent keeps for one conversation, across its turns."""

    client: ModelClient
    environment: EnvironmentContext
    """The environment the model was last told about."""
    usage: TokenUsage | None = None
    """Token usage of the whole conversation so far."""
    last_info: TokenUsageInfo | None = None
    rate_limits: RateLimitSnapshot | None = None
    approved_commands: set[tuple[str, ...]] = field(default_factory=set)
    """Commands the user approved for the rest of the conversation."""


@dataclass(eq=False)
class TurnScope:
    """One running turn, as its tools see it."""

    app: App
    conversation: Conversation
    session: AgentSession
    submission_id: str
    settings: TurnSettings
    config: Config
    family: ModelFamily
    exclusive: anyio.Lock = field(default_factory=anyio.Lock)
    """Held for the whole call by the tools that act on the machine (shell,
    apply_patch): they run one at a time, in the order the model made the
    calls, so that each sees what the previous one did."""
    turn_diff: TurnDiffTracker | None = None
    """What the turn's patches changed (made by the first patch)."""

    async def emit(self, event: EventMsg) -> None:
        await self.conversation.emit(self.submission_id, event)

    async def report_turn_diff(self) -> None:
        """``turn_diff``, when the turn's patches have changed something."""
        if self.turn_diff is None:
            return
        diff = await anyio.to_thread.run_sync(self.turn_diff.unified_diff)
        if diff is not None:
            await self.emit(TurnDiffEvent(unified_diff=diff))


@dataclass
class _Sampling:
    """What one model request produced."""

    items: list[ResponseItem] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    results: dict[str, ToolResult] = field(default_factory=dict)
    """Tool results by call id."""
    last_message: str | None = None

    def start_over(self) -> None:
        """The attempt failed and the request is sent again: what it produced
        is superseded (calls already running finish, but their outputs are
        not recorded and they do not ask for another request)."""
        self.items.clear()
        self.calls.clear()
        self.last_message = None

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
    """Runs every conversation's user turns against its model provider."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._sessions: weakref.WeakKeyDictionary[Conversation, AgentSession] = (
            weakref.WeakKeyDictionary()
        )
        self._warming = False

    def prepare(self) -> None:
        """A conversation exists: get the HTTP client ready in the background
        (off the event loop), so that its first turn does not wait for it.
        Not done at start-up, to keep an idle daemon small."""
        if not self._warming:
            self._warming = True
            self.app.task_group.start_soon(_warm_up_quietly)

    def _session(self, conversation: Conversation) -> AgentSession:
        session = self._sessions.get(conversation)
        if session is None:
            config = conversation.config
            client = ModelClient(
                config.model_provider,
                conversation_id=str(conversation.id),
                user_agent=self.app.session.user_agent,
                originator=originator(),
                credentials=AuthCredentials(self.app.auth, LoginRestrictions.from_config(config)),
            )
            environment = EnvironmentContext.of(
                config.cwd, config.approval_policy, config.sandbox_policy, shell_name()
            )
            session = self._sessions[conversation] = AgentSession(client, environment)
        return session

    async def run_turn(
        self, conversation: Conversation, submission_id: str, turn: UserTurn
    ) -> None:
        settings = conversation.settings
        family = find_family(settings.model)
        scope = TurnScope(
            app=self.app,
            conversation=conversation,
            session=self._session(conversation),
            submission_id=submission_id,
            settings=settings,
            config=conversation.config,
            family=family,
        )
        await scope.emit(
            TurnStartedEvent(
                turn_id=submission_id, model_context_window=family.effective_context_window
            )
        )
        await self._record_user_input(scope, turn)
        last_message = await self._run_requests(scope)
        # When the client hears the turn is complete, the turn is in the rollout.
        await conversation.flush()
        await scope.emit(TurnCompleteEvent(turn_id=submission_id, last_agent_message=last_message))

    async def _record_user_input(self, scope: TurnScope, turn: UserTurn) -> None:
        settings = scope.settings
        user_input = await anyio.to_thread.run_sync(
            UserTurnInput.resolve, turn.items, Path(settings.cwd)
        )
        items: list[ResponseItem] = []
        environment = EnvironmentContext.of(
            settings.cwd, settings.approval_policy, settings.sandbox_policy, shell_name()
        )
        update = environment.changes_from(scope.session.environment)
        if update is not None:
            items.append(context_message(update.render()))
            scope.session.environment = environment
        items.append(user_input.response_item())
        scope.conversation.record_items(items)
        turn_item = UserMessageItem(id=str(uuid.uuid4()), content=list(user_input.parts))
        await self._emit_item(scope, turn_item)
        await scope.emit(user_input.event())

    async def _run_requests(self, scope: TurnScope) -> str | None:
        """Model requests until one ends without tool calls; the last message."""
        registry = build_registry(scope)
        last_message: str | None = None
        while True:
            scope.conversation.record_turn_context(scope.settings.context_item(scope.submission_id))
            prompt = self._prompt(scope, registry)
            try:
                sampling = await self._sample(scope, prompt, registry)
            except ModelError as error:
                await self._report_model_error(scope, error)
                return None
            await scope.report_turn_diff()
            if sampling.last_message is not None:
                last_message = sampling.last_message
            if not sampling.calls:
                return last_message

    def _prompt(self, scope: TurnScope, registry: ToolRegistry) -> Prompt:
        settings, family = scope.settings, scope.family
        reasoning = None
        if family.reasoning:
            reasoning = Reasoning(effort=settings.effort, summary=settings.summary)
        return Prompt(
            model=settings.model,
            instructions=scope.config.base_instructions or base_instructions(),
            input=list(scope.conversation.history),
            tools=registry.specs(scope),
            parallel_tool_calls=False,
            reasoning=reasoning,
            verbosity=scope.config.model_verbosity if family.verbosity else None,
        )

    async def _sample(self, scope: TurnScope, prompt: Prompt, registry: ToolRegistry) -> _Sampling:
        """One model request. Tool calls start as soon as the model has made
        them (while it goes on streaming) and the request ends when they are
        all done."""
        sampling = _Sampling()
        failure: ModelError | None = None
        try:
            async with anyio.create_task_group() as tools:

                async def run_tool(call: ToolCall) -> None:
                    sampling.results[call.call_id] = await registry.call(call, scope)

                try:
                    async with scope.session.client.stream(prompt) as events:
                        async for event in events:
                            if isinstance(event, StreamRetrying):
                                sampling.start_over()
                                await scope.emit(StreamErrorEvent(message=event.message))
                                continue
                            call = await self._on_model_event(scope, event, sampling)
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
            scope.conversation.record_items(sampling.recorded_items())
        if failure is not None:
            raise failure
        return sampling

    async def _on_model_event(
        self, scope: TurnScope, event: ModelEvent, sampling: _Sampling
    ) -> ToolCall | None:
        session = scope.session
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
            if isinstance(event.item, ResponseItemWebSearchCall):
                await scope.emit(WebSearchBeginEvent(call_id=event.item.id or ""))
        elif isinstance(event, OutputItemDone):
            sampling.items.append(event.item)
            return await self._on_item_done(scope, event.item, sampling)
        elif isinstance(event, RateLimits):
            session.rate_limits = event.snapshot
            await self._report_usage(scope, session.last_info)
        elif isinstance(event, Completed):
            info = session.last_info
            if event.token_usage is not None:
                session.usage = _add_usage(session.usage, event.token_usage)
                info = session.last_info = TokenUsageInfo(
                    total_token_usage=session.usage,
                    last_token_usage=event.token_usage,
                    model_context_window=scope.family.effective_context_window,
                )
            await self._report_usage(scope, info)
        return None

    async def _on_item_done(
        self, scope: TurnScope, item: ResponseItem, sampling: _Sampling
    ) -> ToolCall | None:
        await scope.conversation.emit_raw_item(scope.submission_id, item)
        if isinstance(item, ResponseItemMessage):
            if item.role != "assistant":
                return None
            text = "".join(
                part.text for part in item.content if isinstance(part, ContentItemOutputText)
            )
            message = AgentMessageItem(
                id=item.id or str(uuid.uuid4()), content=[AgentMessageContentText(text=text)]
            )
            await self._emit_item(scope, message)
            await scope.emit(AgentMessageEvent(message=text))
            sampling.last_message = text
        elif isinstance(item, ResponseItemReasoning):
            summaries = [part.text for part in item.summary]
            raw = [
                part.text
                for part in item.content or []
                if isinstance(part, ReasoningItemContentReasoningText)
            ]
            reasoning = ReasoningItem(id=item.id, summary_text=summaries, raw_content=raw)
            await self._emit_item(scope, reasoning)
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
            await self._emit_item(scope, search)
            await scope.emit(WebSearchEndEvent(call_id=item.id or "", query=query, action=action))
        else:
            return ToolCall.from_item(item)
        return None

    async def _emit_item(self, scope: TurnScope, item: TurnItem) -> None:
        thread_id = scope.conversation.id
        turn_id = scope.submission_id
        await scope.emit(ItemStartedEvent(thread_id=thread_id, turn_id=turn_id, item=item))
        await scope.emit(ItemCompletedEvent(thread_id=thread_id, turn_id=turn_id, item=item))

    async def _report_usage(self, scope: TurnScope, info: TokenUsageInfo | None) -> None:
        rate_limits = scope.session.rate_limits
        await scope.emit(TokenCountEvent(info=info, rate_limits=rate_limits))
        if rate_limits is not None:
            update = AccountRateLimitsUpdatedNotification(rate_limits=rate_limits.for_account())
            await self.app.outgoing.notify(
                "account/rateLimits/updated", update.__pydantic_serializer__.to_json(update)
            )

    async def _report_model_error(self, scope: TurnScope, error: ModelError) -> None:
        session = scope.session
        if isinstance(error, ContextWindowExceeded):
            window = scope.family.effective_context_window
            if window is not None:
                full = (session.usage or TokenUsage()).model_copy(update={"total_tokens": window})
                session.last_info = TokenUsageInfo(
                    total_token_usage=full, last_token_usage=full, model_context_window=window
                )
                await self._report_usage(scope, session.last_info)
        elif isinstance(error, UsageLimitReached) and error.rate_limits is not None:
            session.rate_limits = error.rate_limits
            await self._report_usage(scope, session.last_info)
        await scope.emit(ErrorEvent(message=str(error), codex_error_info=codex_error_info(error)))


async def _warm_up_quietly() -> None:
    try:
        await warm_up()
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
