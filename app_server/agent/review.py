"""A review turn (`review/start`): a reviewer looks at code changes and the
thread keeps its verdict.

The turn runs in the thread like any other (``task_started`` ...
``task_complete``), between ``entered_review_mode`` and
``exited_review_mode``. The reviewer is the thread's model given the review
instructions and a clean history: the thread's context (user instructions,
environment) and the review request, never the conversation so far. What
it does (its commands, its reasoning) is reported in the turn; its raw
answer is not: the answer is read as findings (`review_output`) and the
thread keeps the review as text, which later turns see.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Final
from uuid import UUID

import anyio

from app_server_protocol.common import ReviewDecisionKind, TurnAbortReason
from app_server_protocol.events import (
    AgentMessageDeltaEvent,
    AgentMessageEvent,
    EventMsg,
    ExitedReviewModeEvent,
    ItemCompletedEvent,
    ItemStartedEvent,
    TokenCountEvent,
    TurnCompleteEvent,
    TurnStartedEvent,
)
from app_server_protocol.items import (
    AgentMessageContentText,
    AgentMessageItem,
    ContentItemOutputText,
    InputItemText,
    InputItemTextData,
    ResponseItem,
    ResponseItemMessage,
)
from app_server_protocol.rollout import CompactedItem, TurnContextItem
from app_server_protocol.usage import RateLimitSnapshot

from ..model_client.history import History
from .context import context_message, initial_context
from .instructions import review_instructions
from .model_family import find_family
from .review_output import parse_review_output, review_text
from .thread import AgentThread
from .toolset import build_registry
from .user_turn import UserTurn

if TYPE_CHECKING:
    from ..config.model import Config
    from ..model_client import CredentialsSource
    from ..telemetry.events import ConversationTelemetry
    from .host import ApprovalQuestion, TurnHost
    from .review_request import ResolvedReview

Converse = Callable[[AgentThread, "TurnHost", str, UserTurn], Awaitable[str | None]]
"""Runs a turn's exchange with the model and returns its last message (the
turn loop's, handed in so that this module does not import it)."""

#: The review turn's message when the user interrupted it.
INTERRUPTED_TEXT: Final = (
    "The review was interrupted before it finished; start it again to get its findings."
)

#: What the thread keeps of a review, for the turns that follow it.
_REVIEW_NOTE: Final = (
    "<review_result>\n"
    "The user asked for a code review, and a reviewer wrote what follows. The user may\n"
    "now ask for some of its points to be addressed.\n\n"
    "{review}\n"
    "</review_result>"
)


async def run_review(
    thread: AgentThread,
    host: TurnHost,
    submission_id: str,
    review: ResolvedReview,
    converse: Converse,
) -> None:
    """Run ``review`` as the turn ``submission_id`` of ``thread``."""
    window = find_family(thread.settings.model).effective_context_window
    await host.emit(
        submission_id, TurnStartedEvent(turn_id=submission_id, model_context_window=window)
    )
    await host.emit(submission_id, review.request())
    request = UserTurn(items=[InputItemText(data=InputItemTextData(text=review.prompt))])
    reviewer, reviewer_host = reviewer_thread(thread), ReviewerHost(host)
    try:
        answer = await converse(reviewer, reviewer_host, submission_id, request)
    except anyio.get_cancelled_exc_class():
        # Interrupted: the review ends without a verdict, and says so.
        with anyio.CancelScope(shield=True):
            await host.emit(submission_id, ExitedReviewModeEvent(review_output=None))
            await _say(host, submission_id, INTERRUPTED_TEXT)
        raise
    output = parse_review_output(answer) if answer is not None and answer.strip() else None
    await host.emit(submission_id, ExitedReviewModeEvent(review_output=output))
    text = review_text(output)
    kept: list[ResponseItem] = [
        context_message(_REVIEW_NOTE.format(review=text)),
        ResponseItemMessage(role="assistant", content=[ContentItemOutputText(text=text)]),
    ]
    thread.history.extend(kept)
    host.record_items(kept)
    await _say(host, submission_id, text)
    # When the client hears the turn is complete, the turn is in the rollout.
    await host.flush()
    done = TurnCompleteEvent(turn_id=submission_id, last_agent_message=None)
    await host.emit(submission_id, done)


async def _say(host: TurnHost, submission_id: str, text: str) -> None:
    """An agent message of the review turn (as an item, and its legacy event)."""
    message = AgentMessageItem(id=str(uuid.uuid4()), content=[AgentMessageContentText(text=text)])
    thread_id = host.thread_id
    started = ItemStartedEvent(thread_id=thread_id, turn_id=submission_id, item=message)
    await host.emit(submission_id, started)
    completed = ItemCompletedEvent(thread_id=thread_id, turn_id=submission_id, item=message)
    await host.emit(submission_id, completed)
    await host.emit(submission_id, AgentMessageEvent(message=text))


def reviewer_thread(parent: AgentThread) -> AgentThread:
    """The reviewer of ``parent``: its settings, tools and servers, its model
    unless ``review_model`` names another, the review instructions, no file
    editing, and only the context of the thread for history."""
    config: Config = dataclasses.replace(
        parent.config,
        base_instructions=review_instructions(),
        include_apply_patch_tool=False,
        tools_web_search=False,
        toml=parent.config.toml.model_copy(update={"web_search": "disabled"}),
    )
    settings = parent.settings
    review_model = parent.config.toml.review_model
    if review_model:
        settings = dataclasses.replace(settings, model=review_model)
    history, environment = initial_context(
        str(settings.cwd),
        settings.approval_policy,
        settings.sandbox_policy,
        parent.user_instructions,
    )
    model = settings.model
    return AgentThread(
        config=config,
        settings=settings,
        client=parent.client,
        environment=environment,
        history=History(history),
        user_instructions=parent.user_instructions,
        policies=(settings.approval_policy, settings.sandbox_policy),
        instructions=review_instructions(),
        # what the model is told already: a review turn adds no personality message
        personality=settings.personality,
        mcp=parent.mcp,
        tools=build_registry(find_family(model), config, parent.mcp, model=model),
        tools_model=model,
        approved_commands=parent.approved_commands,
    )


def _is_answer(event: EventMsg) -> bool:
    """An event of the reviewer's answer itself (raw JSON, not for the client)
    or of its own token usage."""
    if isinstance(event, (ItemStartedEvent, ItemCompletedEvent)):
        return isinstance(event.item, AgentMessageItem)
    return isinstance(event, (AgentMessageDeltaEvent, AgentMessageEvent, TokenCountEvent))


class ReviewerHost:
    """The reviewer's way into the daemon: the thread's host, except that the
    reviewer's messages stay with the review (the client sees the review's
    verdict instead) and nothing of its own history reaches the thread's
    rollout."""

    def __init__(self, thread_host: TurnHost) -> None:
        self._host = thread_host

    @property
    def thread_id(self) -> UUID:
        return self._host.thread_id

    @property
    def user_agent(self) -> str:
        return self._host.user_agent

    def credentials(self, config: Config) -> CredentialsSource:
        return self._host.credentials(config)

    @property
    def telemetry(self) -> ConversationTelemetry | None:
        return self._host.telemetry

    async def emit(self, submission_id: str, event: EventMsg) -> None:
        if not _is_answer(event):
            await self._host.emit(submission_id, event)

    async def emit_raw_item(self, submission_id: str, item: ResponseItem) -> None:
        await self._host.emit_raw_item(submission_id, item)

    async def ask_approval(
        self, submission_id: str, question: ApprovalQuestion
    ) -> ReviewDecisionKind:
        return await self._host.ask_approval(submission_id, question)

    async def report_rate_limits(self, snapshot: RateLimitSnapshot) -> None:
        await self._host.report_rate_limits(snapshot)

    def record_items(self, items: Iterable[ResponseItem]) -> None:
        pass  # the reviewer's history is its own

    def record_turn_context(self, context: TurnContextItem) -> None:
        pass

    def record_compaction(self, compacted: CompactedItem) -> None:
        pass

    async def flush(self) -> None:
        await self._host.flush()

    def abort_turn(self, reason: TurnAbortReason) -> None:
        self._host.abort_turn(reason)
