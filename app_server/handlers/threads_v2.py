"""v2 threads and turns: ``thread/start``, ``thread/resume``,
``thread/unsubscribe``, ``turn/start``, ``turn/steer``, ``turn/interrupt``.

A thread started or resumed over v2 gets the v2 face (``thread/*``,
``turn/*``, ``item/*``) and, as with the reference, its ``codex/event/*``
too (unless the client opted out of them)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from app_server_protocol import methods
from app_server_protocol.common import SandboxMode
from app_server_protocol.items import (
    InputItem,
    InputItemImage,
    InputItemImageData,
    InputItemLocalImage,
    InputItemLocalImageData,
    InputItemText,
    InputItemTextData,
)
from app_server_protocol.v2.items import UserInput, UserInputImage, UserInputLocalImage
from app_server_protocol.v2.items import UserInputText as V2Text
from app_server_protocol.v2.notifications import (
    ThreadClosedNotification,
    ThreadStartedNotification,
    ThreadStatusChangedNotification,
)
from app_server_protocol.v2.threads import (
    Thread,
    ThreadResumeParams,
    ThreadResumeResponse,
    ThreadStartParams,
    ThreadStartResponse,
    ThreadStatusNotLoaded,
    ThreadUnsubscribeParams,
    ThreadUnsubscribeResponse,
    ThreadUnsubscribeStatus,
)
from app_server_protocol.v2.turns import (
    Turn,
    TurnInterruptParams,
    TurnInterruptResponse,
    TurnStartParams,
    TurnStartResponse,
    TurnStatus,
    TurnSteerParams,
    TurnSteerResponse,
)

from ..app import RequestContext
from ..config.resolve import ConfigOverrides
from ..conversations.conversation import Conversation
from ..conversations.ids import uuid7
from ..conversations.turns import TurnSettings, UserTurn
from ..conversations.v2_thread import (
    core_approval_policy,
    core_sandbox,
    live_thread,
    v2_approval_policy,
    v2_sandbox,
)
from ..errors import InvalidRequest
from .registry import handles
from .thread_answers import ResumeAnswer, read_with_turns_json
from .thread_common import subscribe


def _overrides(
    params: ThreadStartParams | ThreadResumeParams,
) -> ConfigOverrides:
    config: dict[str, Any] = dict(params.config or {})
    if params.model_provider is not None:
        config["model_provider"] = params.model_provider
    return ConfigOverrides(
        model=params.model,
        cwd=params.cwd,
        approval_policy=core_approval_policy(params.approval_policy),
        sandbox_mode=None if params.sandbox is None else SandboxMode(params.sandbox.value),
        config=config,
        base_instructions=params.base_instructions,
        developer_instructions=params.developer_instructions,
        personality=params.personality.value if params.personality is not None else None,
    )


def _thread_uuid(thread_id: str) -> UUID:
    try:
        return UUID(thread_id)
    except ValueError as exc:
        raise InvalidRequest(f"invalid thread id: {exc}") from None


def _loaded(ctx: RequestContext, thread_id: str) -> Conversation:
    conversation = ctx.app.conversations.loaded(_thread_uuid(thread_id))
    if conversation is None:
        raise InvalidRequest(f"thread not found: {thread_id}")
    return conversation


def _announce(ctx: RequestContext, conversation: Conversation) -> None:
    async def started() -> None:
        notification = ThreadStartedNotification(thread=live_thread(conversation))
        await ctx.app.clients.notify(methods.THREAD_STARTED, notification)
        await conversation.deliver_startup_events()

    ctx.after_response(started)


def _announce_resumed(ctx: RequestContext, conversation: Conversation) -> None:
    # A resumed thread is not announced with `thread/started` (as the reference).
    ctx.after_response(conversation.deliver_startup_events)


@handles(methods.THREAD_START)
async def thread_start(params: ThreadStartParams, ctx: RequestContext) -> ThreadStartResponse:
    conversation = await ctx.app.conversations.start_conversation(_overrides(params), ctx.outgoing)
    ctx.app.turns.prepare(conversation.config.model_provider)
    await subscribe(ctx, conversation)
    _announce(ctx, conversation)
    config = conversation.config
    return ThreadStartResponse(
        thread=live_thread(conversation),
        model=config.model,
        model_provider=config.model_provider_id,
        cwd=str(config.cwd),
        approval_policy=v2_approval_policy(config.approval_policy),
        sandbox=v2_sandbox(config.sandbox_policy),
        reasoning_effort=config.model_reasoning_effort,
    )


@handles(methods.THREAD_RESUME)
async def thread_resume(params: ThreadResumeParams, ctx: RequestContext) -> ThreadResumeResponse:
    manager = ctx.app.conversations
    if params.history is not None:
        return await _resume_from_history(params, ctx)
    thread_uuid = _thread_uuid(params.thread_id) if params.path is None else None
    conversation = manager.loaded(thread_uuid) if thread_uuid is not None else None
    if conversation is not None and not conversation.materialized:
        # As 0.107.0: a thread is resumed from its file, made with its first turn.
        raise InvalidRequest(f"no rollout found for thread id {params.thread_id}")
    if conversation is None:
        path = params.path
        if path is None:
            assert thread_uuid is not None
            found = manager.find_rollout(thread_uuid)
            if found is None:
                raise InvalidRequest(f"no rollout found for thread id {params.thread_id}")
            path = str(found)
        conversation, _events = await manager.resume_with(
            path, _overrides(params), ctx.outgoing, events=False
        )
        # Unlike a new thread's, a resumed thread's HTTP client is not made
        # ahead (`turns.prepare`): a client resuming threads to read them
        # keeps some 5 MB less, and the first turn after a resume, which
        # makes it, still takes less than the reference's.
    await subscribe(ctx, conversation)
    # The turns as `thread/read` projects them (one reading of a rollout).
    thread_id = str(conversation.id)
    thread, turns_json = await read_with_turns_json(ctx, conversation.rollout_path, thread_id)
    thread = thread.model_copy(update={"status": live_thread(conversation).status})
    _announce_resumed(ctx, conversation)
    return _resumed(conversation, thread, turns_json)


async def _resume_from_history(
    params: ThreadResumeParams, ctx: RequestContext
) -> ThreadResumeResponse:
    """A new thread whose model history starts with the items the client
    gives (``threadId`` and ``path`` are ignored), as 0.107 serves it: its
    own context follows them, and it has no turns yet."""
    history = list(params.history or [])
    conversation = await ctx.app.conversations.start_conversation(
        _overrides(params), ctx.outgoing, history
    )
    ctx.app.turns.prepare(conversation.config.model_provider)
    await subscribe(ctx, conversation)
    _announce_resumed(ctx, conversation)
    return _resumed(conversation, live_thread(conversation))


@handles(methods.THREAD_UNSUBSCRIBE)
async def thread_unsubscribe(
    params: ThreadUnsubscribeParams, ctx: RequestContext
) -> ThreadUnsubscribeResponse:
    manager = ctx.app.conversations
    conversation = manager.loaded(_thread_uuid(params.thread_id))
    if conversation is None:
        return ThreadUnsubscribeResponse(status=ThreadUnsubscribeStatus.NOT_LOADED)
    if not manager.follows_v2(conversation, ctx.outgoing):
        return ThreadUnsubscribeResponse(status=ThreadUnsubscribeStatus.NOT_SUBSCRIBED)
    closed = await manager.unsubscribe_v2(conversation, ctx.outgoing)
    if closed:

        async def announce_closed() -> None:
            clients = ctx.app.clients
            status = ThreadStatusChangedNotification(
                thread_id=params.thread_id, status=ThreadStatusNotLoaded()
            )
            await clients.notify(methods.THREAD_STATUS_CHANGED, status)
            notification = ThreadClosedNotification(thread_id=params.thread_id)
            await clients.notify(methods.THREAD_CLOSED, notification)

        ctx.after_response(announce_closed)
    return ThreadUnsubscribeResponse(status=ThreadUnsubscribeStatus.UNSUBSCRIBED)


def _input_items(inputs: list[UserInput]) -> list[InputItem]:
    items: list[InputItem] = []
    for part in inputs:
        if isinstance(part, V2Text):
            items.append(InputItemText(data=InputItemTextData(text=part.text)))
        elif isinstance(part, UserInputImage):
            items.append(InputItemImage(data=InputItemImageData(image_url=part.url)))
        elif isinstance(part, UserInputLocalImage):
            items.append(InputItemLocalImage(data=InputItemLocalImageData(path=part.path)))
        else:
            # Skills and mentions reach the model as their name and path.
            items.append(InputItemText(data=InputItemTextData(text=f"{part.name} ({part.path})")))
    return items


def _turn_settings(params: TurnStartParams, conversation: Conversation) -> TurnSettings | None:
    if all(
        value is None
        for value in (
            params.cwd,
            params.approval_policy,
            params.sandbox_policy,
            params.model,
            params.effort,
            params.summary,
            params.personality,
        )
    ):
        return None
    agent = conversation.agent
    assert agent is not None
    current = agent.settings
    approval = core_approval_policy(params.approval_policy)
    sandbox = core_sandbox(params.sandbox_policy)
    return TurnSettings(
        cwd=params.cwd if params.cwd is not None else current.cwd,
        approval_policy=approval if approval is not None else current.approval_policy,
        sandbox_policy=sandbox if sandbox is not None else current.sandbox_policy,
        model=params.model if params.model is not None else current.model,
        effort=params.effort if params.effort is not None else current.effort,
        summary=params.summary if params.summary is not None else current.summary,
        personality=(
            params.personality.value if params.personality is not None else current.personality
        ),
    )


@handles(methods.TURN_START)
async def turn_start(params: TurnStartParams, ctx: RequestContext) -> TurnStartResponse:
    conversation = _loaded(ctx, params.thread_id)
    # A thread started over v1 is seen over v2 from its first v2 turn on.
    await subscribe(ctx, conversation)
    schema = params.output_schema
    turn = UserTurn(
        items=_input_items(params.input),
        settings=_turn_settings(params, conversation),
        output_schema=schema if isinstance(schema, dict) else None,
    )
    turn_id = str(uuid7())
    conversation.submit(turn, submission_id=turn_id)
    return TurnStartResponse(turn=Turn(id=turn_id, items=[], status=TurnStatus.IN_PROGRESS))


@handles(methods.TURN_STEER)
async def turn_steer(params: TurnSteerParams, ctx: RequestContext) -> TurnSteerResponse:
    conversation = _loaded(ctx, params.thread_id)
    running = conversation.running_turn_id
    if running is None:
        raise InvalidRequest("no active turn to steer")
    if running != params.expected_turn_id:
        raise InvalidRequest(
            f"expected active turn id `{params.expected_turn_id}` but found `{running}`"
        )
    conversation.steer(_input_items(params.input))
    return TurnSteerResponse(turn_id=running)


@handles(methods.TURN_INTERRUPT)
async def turn_interrupt(params: TurnInterruptParams, ctx: RequestContext) -> TurnInterruptResponse:
    conversation = _loaded(ctx, params.thread_id)
    await conversation.interrupt()
    return TurnInterruptResponse()


def _resumed(
    conversation: Conversation, thread: Thread, turns_json: bytes | None = None
) -> ThreadResumeResponse:
    """The answer to a ``thread/resume``: ``thread`` and its settings (and
    the thread's turns as JSON, when given apart)."""
    config = conversation.config
    resumed = ThreadResumeResponse if turns_json is None else ResumeAnswer
    answer = resumed(
        thread=thread,
        model=config.model,
        model_provider=config.model_provider_id,
        cwd=str(config.cwd),
        approval_policy=v2_approval_policy(config.approval_policy),
        sandbox=v2_sandbox(config.sandbox_policy),
        reasoning_effort=config.model_reasoning_effort,
    )
    if isinstance(answer, ResumeAnswer) and turns_json is not None:
        return answer.with_turns_json(turns_json)
    return answer
