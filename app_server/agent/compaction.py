"""Compaction: the model summarises the thread, and the summary with the
user's own messages (the bridge, see `bridge`) replaces the history.

As 0.107.0 does it:
- ``thread/compact/start`` runs a turn of its own (`run_compaction_turn`);
- a user turn compacts before its input when the last response's token
  usage reached the thread's limit (`auto_compact_limit`), and between two
  requests of the turn when a request that crossed it needs a follow-up;
- the turn reports a ``ContextCompaction`` item (started, then completed),
  a ``token_count`` with the new history's estimated size,
  ``context_compacted`` and a warning; the rollout gets a ``compacted``
  record with the summary and the replacement history;
- when the summary request fails, the error is reported, the turn ends and
  the history is left as it was.

A compaction between two turns leaves the history without its initial
context; the next user turn gives it back (`restore_initial_context`).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final, Protocol

from app_server_protocol.events import (
    BackgroundEventEvent,
    ContextCompactedEvent,
    ItemCompletedEvent,
    ItemStartedEvent,
    StreamErrorEvent,
    TurnCompleteEvent,
    TurnStartedEvent,
    WarningEvent,
)
from app_server_protocol.items import (
    ContentItemOutputText,
    ContextCompactionItem,
    ResponseItem,
    ResponseItemMessage,
)
from app_server_protocol.rollout import CompactedItem
from app_server_protocol.usage import TokenUsage, TokenUsageInfo

from ..model_client import (
    Completed,
    ContextWindowExceeded,
    ModelError,
    OutputItemDone,
    Prompt,
    RateLimits,
    StreamRetrying,
)
from .bridge import (
    SUMMARY_REQUEST,
    approx_tokens,
    build_bridge,
    has_environment_context,
    summary_text,
    user_messages,
    with_context_before_last_user_message,
)
from .context import context_message
from .context import initial_context as opening_context

if TYPE_CHECKING:
    from ..config.model import Config
    from .host import TurnHost
    from .model_family import ModelFamily
    from .scope import TurnScope
    from .thread import AgentThread
    from .tools.registry import ToolRegistry
    from .user_turn import TurnSettings

#: Sent after every compaction (the reference's words: clients may show them).
COMPACTION_WARNING: Final = (
    "Heads up: Long threads and multiple compactions can cause the model to be less "
    "accurate. Start a new thread when possible to keep threads small and targeted."
)
#: Share of the context window (in percent) a model's default limit is.
DEFAULT_LIMIT_PERCENT: Final = 90


class CompactingTurn(Protocol):
    """The turn a compaction runs in (`turn._Turn`: its own methods, which
    compaction uses as the turn's requests do)."""

    thread: AgentThread
    host: TurnHost
    scope: TurnScope

    def _prompt(self, registry: ToolRegistry) -> Prompt: ...

    async def _count_usage(self, event: RateLimits | Completed) -> None: ...

    async def _report_usage(self, info: TokenUsageInfo | None) -> None: ...

    async def _report_model_error(self, error: ModelError) -> None: ...


def auto_compact_limit(config: Config, family: ModelFamily) -> int | None:
    """Token usage at which a thread compacts by itself: the configured
    ``model_auto_compact_token_limit``, never above 90% of the context window
    when the window is known (which is the limit when none is configured)."""
    configured = config.toml.model_auto_compact_token_limit
    window = config.model_context_window or family.context_window
    if window is None:
        return configured
    default = window * DEFAULT_LIMIT_PERCENT // 100
    return default if configured is None else min(configured, default)


def limit_reached(thread: AgentThread, limit: int | None) -> bool:
    """Whether the last response's usage has reached ``limit``."""
    info = thread.last_info
    return limit is not None and info is not None and info.last_token_usage.total_tokens >= limit


def initial_context(thread: AgentThread, settings: TurnSettings) -> list[ResponseItem]:
    """The context a thread starts with (permissions, the developer's and the
    user's instructions, the environment), for ``settings``; the thread is
    taken to have been told it."""
    items, environment = opening_context(
        str(settings.cwd),
        settings.approval_policy,
        settings.sandbox_policy,
        thread.user_instructions,
        thread.config.developer_instructions,
    )
    thread.environment = environment
    thread.policies = (settings.approval_policy, settings.sandbox_policy)
    return items


def restore_initial_context(thread: AgentThread, settings: TurnSettings) -> list[ResponseItem]:
    """The initial context a user turn must add first: all of it when the
    history lost it to a compaction, else none."""
    if has_environment_context(thread.history):
        return []
    return initial_context(thread, settings)


def estimated_tokens(instructions: str, history: Sequence[ResponseItem]) -> int:
    """The size of a request made of ``instructions`` and ``history``, estimated."""
    size = approx_tokens(instructions)
    for item in history:
        size += approx_tokens(item.__pydantic_serializer__.to_json(item).decode())
    return size


async def run_compaction_turn(turn: CompactingTurn) -> None:
    """A turn that only compacts (``thread/compact/start``)."""
    scope = turn.scope
    window = scope.context_window
    await scope.emit(TurnStartedEvent(turn_id=scope.submission_id, model_context_window=window))
    await compact(turn, mid_turn=False)
    await turn.host.flush()
    await scope.emit(TurnCompleteEvent(turn_id=scope.submission_id, last_agent_message=None))


async def compact(turn: CompactingTurn, *, mid_turn: bool) -> bool:
    """Replace the thread's history by a bridge; False when the model could
    not summarise it (the error is reported; the history is unchanged)."""
    thread, scope, host = turn.thread, turn.scope, turn.host
    item = ContextCompactionItem(id=str(uuid.uuid4()))
    thread_id, turn_id = host.thread_id, scope.submission_id
    await scope.emit(ItemStartedEvent(thread_id=thread_id, turn_id=turn_id, item=item))
    base = turn._prompt(thread.tools_for(scope.settings.model))
    request = context_message(scope.config.toml.compact_prompt or SUMMARY_REQUEST)
    history = thread.history.copy()
    trimmed = 0
    while True:
        attempt = history.copy()
        attempt.append(request)
        prompt = dataclasses.replace(base, input=attempt, output_schema=None)
        try:
            summary = await _summarize(turn, prompt)
            break
        except ContextWindowExceeded as error:
            if not history:
                await turn._report_model_error(error)
                return False
            # The oldest items go first: the newest work matters most.
            history.pop(0)
            trimmed += 1
        except ModelError as error:
            await turn._report_model_error(error)
            return False
    if trimmed:
        await scope.emit(
            BackgroundEventEvent(
                message=f"Trimmed {trimmed} older conversation item(s) before compacting "
                "so the prompt fits the model context window."
            )
        )
    text = summary_text(summary)
    replacement = build_bridge(user_messages(thread.history), text)
    if mid_turn:
        # The turn goes on at once: its next request needs the context.
        context = initial_context(thread, scope.settings)
        replacement = with_context_before_last_user_message(replacement, context)
    thread.history[:] = replacement
    host.record_compaction(CompactedItem(message=text, replacement_history=replacement))
    usage = TokenUsage(total_tokens=estimated_tokens(base.instructions, replacement))
    thread.last_info = TokenUsageInfo(
        total_token_usage=thread.usage or TokenUsage(),
        last_token_usage=usage,
        model_context_window=scope.context_window,
    )
    await turn._report_usage(thread.last_info)
    await scope.emit(ItemCompletedEvent(thread_id=thread_id, turn_id=turn_id, item=item))
    await scope.emit(ContextCompactedEvent())
    await scope.emit(WarningEvent(message=COMPACTION_WARNING))
    return True


async def _summarize(turn: CompactingTurn, prompt: Prompt) -> str | None:
    """The model's summary (its last message); usage is counted as for any request."""
    summary: str | None = None
    async with turn.thread.client.stream(prompt) as events:
        async for event in events:
            if isinstance(event, StreamRetrying):
                summary = None
                await turn.scope.emit(StreamErrorEvent(message=event.message))
            elif isinstance(event, OutputItemDone):
                message = event.item
                if isinstance(message, ResponseItemMessage) and message.role == "assistant":
                    summary = "".join(
                        part.text
                        for part in message.content
                        if isinstance(part, ContentItemOutputText)
                    )
            elif isinstance(event, RateLimits | Completed):
                await turn._count_usage(event)
    return summary
