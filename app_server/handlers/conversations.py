"""Conversations: create, resume, list, archive, send turns, interrupt, listen."""

from __future__ import annotations

from uuid import UUID

from app_server_protocol import methods
from app_server_protocol.common import approval_mode
from app_server_protocol.v1.conversations import (
    AddConversationListenerParams,
    AddConversationSubscriptionResponse,
    ArchiveConversationParams,
    ArchiveConversationResponse,
    ForkConversationParams,
    ForkConversationResponse,
    GetConversationSummaryByPath,
    GetConversationSummaryParams,
    GetConversationSummaryResponse,
    InterruptConversationParams,
    InterruptConversationResponse,
    ListConversationsParams,
    ListConversationsResponse,
    NewConversationParams,
    NewConversationResponse,
    RemoveConversationListenerParams,
    RemoveConversationSubscriptionResponse,
    ResumeConversationParams,
    ResumeConversationResponse,
    SendUserMessageParams,
    SendUserMessageResponse,
    SendUserTurnParams,
    SendUserTurnResponse,
    SessionConfiguredNotification,
)
from app_server_protocol.v2.notifications import ThreadStatusChangedNotification
from app_server_protocol.v2.threads import ThreadStatusNotLoaded

from ..app import RequestContext
from ..conversations.turns import TurnSettings, UserTurn
from ..errors import InvalidRequest
from .registry import handles


@handles(methods.NEW_CONVERSATION)
async def new_conversation(
    params: NewConversationParams, ctx: RequestContext
) -> NewConversationResponse:
    conversation = await ctx.app.conversations.new_conversation(params, ctx.outgoing)
    ctx.app.turns.prepare(conversation.config.model_provider)
    return NewConversationResponse(
        conversation_id=conversation.id,
        model=conversation.config.model,
        reasoning_effort=conversation.config.model_reasoning_effort,
        rollout_path=str(conversation.rollout_path),
    )


@handles(methods.RESUME_CONVERSATION)
async def resume_conversation(
    params: ResumeConversationParams, ctx: RequestContext
) -> ResumeConversationResponse:
    manager = ctx.app.conversations
    if params.path is None and params.conversation_id is None and params.history is not None:
        raise InvalidRequest("resuming from a history without a rollout is not supported")
    path = await _rollout_path(ctx, params.path, params.conversation_id)
    conversation, events = await manager.resume_conversation(path, params.overrides, ctx.outgoing)
    ctx.app.turns.prepare(conversation.config.model_provider)
    config = conversation.config
    notification = SessionConfiguredNotification(
        session_id=conversation.id,
        model=config.model,
        reasoning_effort=config.model_reasoning_effort,
        initial_messages=events,
        rollout_path=path,
    )
    # The reference sends it before the reply.
    await ctx.outgoing.notify(methods.SESSION_CONFIGURED, notification)
    return ResumeConversationResponse(
        conversation_id=conversation.id,
        model=config.model,
        initial_messages=events,
        rollout_path=path,
    )


@handles(methods.FORK_CONVERSATION)
async def fork_conversation(
    params: ForkConversationParams, ctx: RequestContext
) -> ForkConversationResponse:
    manager = ctx.app.conversations
    path = await _rollout_path(ctx, params.path, params.conversation_id)
    conversation, events = await manager.fork_conversation(path, params.overrides, ctx.outgoing)
    ctx.app.turns.prepare(conversation.config.model_provider)
    config = conversation.config
    rollout_path = str(conversation.rollout_path)
    notification = SessionConfiguredNotification(
        session_id=conversation.id,
        model=config.model,
        reasoning_effort=config.model_reasoning_effort,
        initial_messages=events,
        rollout_path=rollout_path,
    )
    # As with a resumed conversation, it comes before the reply.
    await ctx.outgoing.notify(methods.SESSION_CONFIGURED, notification)
    return ForkConversationResponse(
        conversation_id=conversation.id,
        model=config.model,
        initial_messages=events,
        rollout_path=rollout_path,
    )


async def _rollout_path(ctx: RequestContext, path: str | None, conversation_id: UUID | None) -> str:
    """The rollout file a request names, by its path or by its conversation's id."""
    if path is not None:
        return path
    if conversation_id is None:
        raise InvalidRequest("either path or conversation id must be provided")
    found = await ctx.app.conversations.rollout_path_of(conversation_id)
    if found is None:
        raise InvalidRequest(f"no rollout found for conversation id {conversation_id}")
    return found


@handles(methods.GET_CONVERSATION_SUMMARY)
async def get_conversation_summary(
    params: GetConversationSummaryParams, ctx: RequestContext
) -> GetConversationSummaryResponse:
    manager = ctx.app.conversations
    if isinstance(params, GetConversationSummaryByPath):
        summary = await manager.conversation_summary(path_text=params.rollout_path)
    else:
        summary = await manager.conversation_summary(conversation_id=params.conversation_id)
    return GetConversationSummaryResponse(summary=summary)


@handles(methods.LIST_CONVERSATIONS)
async def list_conversations(
    params: ListConversationsParams, ctx: RequestContext
) -> ListConversationsResponse:
    return await ctx.app.conversations.list_conversations(params.page_size, params.cursor)


@handles(methods.ARCHIVE_CONVERSATION)
async def archive_conversation(
    params: ArchiveConversationParams, ctx: RequestContext
) -> ArchiveConversationResponse:
    manager = ctx.app.conversations
    live = manager.find_live(params.conversation_id)
    had_face = live is not None and live.v2 is not None
    await manager.archive_conversation(params.conversation_id, params.rollout_path)
    if had_face:
        # As 0.107.0: the v2 notifications of a listened conversation end with it.
        await ctx.app.clients.notify(
            methods.THREAD_STATUS_CHANGED,
            ThreadStatusChangedNotification(
                thread_id=str(params.conversation_id), status=ThreadStatusNotLoaded()
            ),
        )
    return ArchiveConversationResponse()


@handles(methods.SEND_USER_MESSAGE)
def send_user_message(
    params: SendUserMessageParams, ctx: RequestContext
) -> SendUserMessageResponse:
    ctx.app.conversations.send_turn(params.conversation_id, UserTurn(items=params.items))
    return SendUserMessageResponse()


@handles(methods.SEND_USER_TURN)
def send_user_turn(params: SendUserTurnParams, ctx: RequestContext) -> SendUserTurnResponse:
    conversation = ctx.app.conversations.loaded(params.conversation_id)
    agent = conversation.agent if conversation is not None else None
    settings = TurnSettings(
        # v1 turns do not choose a personality: the thread's carries on.
        personality=agent.settings.personality if agent is not None else None,
        cwd=params.cwd,
        approval_policy=approval_mode(params.approval_policy),
        sandbox_policy=params.sandbox_policy,
        model=params.model,
        effort=params.effort,
        summary=params.summary,
    )
    ctx.app.conversations.send_turn(
        params.conversation_id, UserTurn(items=params.items, settings=settings)
    )
    return SendUserTurnResponse()


@handles(methods.INTERRUPT_CONVERSATION)
async def interrupt_conversation(
    params: InterruptConversationParams, ctx: RequestContext
) -> InterruptConversationResponse:
    reason = await ctx.app.conversations.interrupt(params.conversation_id)
    return InterruptConversationResponse(abort_reason=reason)


@handles(methods.ADD_CONVERSATION_LISTENER)
def add_conversation_listener(
    params: AddConversationListenerParams, ctx: RequestContext
) -> AddConversationSubscriptionResponse:
    manager = ctx.app.conversations
    subscription = manager.add_listener(
        params.conversation_id, params.experimental_raw_events, ctx.outgoing
    )
    conversation = manager.get(params.conversation_id)
    # As 0.107.0: a listened conversation's turns also go out as v2 notifications.
    conversation.subscribe_v2(v1_only=True)
    # What happened while it started (MCP servers that failed) follows the reply.
    ctx.after_response(conversation.deliver_startup_events)
    return AddConversationSubscriptionResponse(subscription_id=subscription)


@handles(methods.REMOVE_CONVERSATION_LISTENER)
def remove_conversation_listener(
    params: RemoveConversationListenerParams, ctx: RequestContext
) -> RemoveConversationSubscriptionResponse:
    ctx.app.conversations.remove_listener(params.subscription_id)
    return RemoveConversationSubscriptionResponse()
