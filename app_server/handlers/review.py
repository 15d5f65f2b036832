"""``review/start``: a review of code changes, run as a turn of the thread
(``inline``) or of a new thread forked from it (``detached``), announced
with ``thread/started`` before the answer, as 0.107.0 does.

The review itself (its request, the reviewer, its verdict) is the agent's
(`agent.review`); this module checks the target, picks the thread and
queues the turn once the answer is out."""

from __future__ import annotations

import contextlib
from pathlib import Path
from uuid import UUID

from pydantic import TypeAdapter

from app_server_protocol import methods
from app_server_protocol.common import SandboxMode
from app_server_protocol.review import ReviewTarget as CoreReviewTarget
from app_server_protocol.v2.items import ThreadItemUserMessage, UserInputText
from app_server_protocol.v2.notifications import ThreadStartedNotification
from app_server_protocol.v2.review import ReviewDelivery, ReviewStartParams, ReviewStartResponse
from app_server_protocol.v2.threads import ThreadStatusIdle
from app_server_protocol.v2.turns import Turn, TurnStatus

from ..agent.review_request import EmptyReviewTarget, checked_target, resolve_review
from ..app import RequestContext
from ..config.resolve import ConfigOverrides
from ..conversations.conversation import Conversation, ConversationClosed
from ..conversations.ids import uuid7
from ..conversations.thread_fork import ForkError
from ..conversations.turns import UserTurn
from ..conversations.v2_thread import live_thread
from ..errors import InternalError, InvalidRequest
from .registry import handles
from .thread_common import thread_id_of

_CORE_TARGET: TypeAdapter[CoreReviewTarget] = TypeAdapter(CoreReviewTarget)


@handles(methods.REVIEW_START)
async def review_start(params: ReviewStartParams, ctx: RequestContext) -> ReviewStartResponse:
    thread_id = thread_id_of(params.thread_id)
    parent = ctx.app.conversations.find_live(UUID(thread_id))
    if parent is None or parent.agent is None:
        raise InvalidRequest(f"thread not found: {thread_id}")
    # The v2 target and the core one are the same JSON.
    try:
        target = checked_target(_CORE_TARGET.validate_python(params.target.model_dump()))
    except EmptyReviewTarget as exc:
        raise InvalidRequest(str(exc)) from None
    if params.delivery is ReviewDelivery.DETACHED:
        conversation = await _detached_thread(parent, ctx)
    else:
        conversation = parent
        subscribed = ctx.app.conversations.subscribe_v2(conversation, ctx.outgoing)
        if subscribed is not None:
            await subscribed.set_status(ThreadStatusIdle())
    agent = conversation.agent
    assert agent is not None
    review = await resolve_review(target, Path(agent.settings.cwd))
    turn_id = str(uuid7())
    request = ThreadItemUserMessage(id=turn_id, content=[UserInputText(text=review.hint)])
    face = conversation.v2
    assert face is not None
    face.announce_turn_items(turn_id, [request])

    async def start() -> None:
        # A thread shut down meanwhile (archived, resumed elsewhere) runs nothing.
        with contextlib.suppress(ConversationClosed):
            conversation.submit(UserTurn(items=[], review=review), submission_id=turn_id)

    ctx.after_response(start)
    turn = Turn(id=turn_id, items=[request], status=TurnStatus.IN_PROGRESS)
    return ReviewStartResponse(turn=turn, review_thread_id=str(conversation.id))


async def _detached_thread(parent: Conversation, ctx: RequestContext) -> Conversation:
    """A new thread with ``parent``'s history and settings, subscribed and
    announced (``thread/status/changed``, ``thread/started``)."""
    app = ctx.app
    manager = app.conversations
    agent = parent.agent
    assert agent is not None
    await parent.flush()
    try:
        path = await manager.fork_file(parent.rollout_path)
    except (ForkError, OSError) as exc:
        raise InternalError(f"error creating review thread: {exc}") from None
    settings = agent.settings
    overrides = ConfigOverrides(
        model=settings.model,
        cwd=settings.cwd,
        approval_policy=settings.approval_policy,
        sandbox_mode=SandboxMode(settings.sandbox_policy.type),
        config={"model_provider": parent.config.model_provider_id},
        base_instructions=parent.config.base_instructions,
    )
    conversation, _events = await manager.resume_with(str(path), overrides, ctx.outgoing)
    app.turns.prepare(conversation.config.model_provider)
    face = manager.subscribe_v2(conversation, ctx.outgoing)
    if face is not None:
        await face.set_status(ThreadStatusIdle())
    notification = ThreadStartedNotification(thread=live_thread(conversation))
    await app.clients.notify(methods.THREAD_STARTED, notification)
    await conversation.deliver_startup_events()
    return conversation
