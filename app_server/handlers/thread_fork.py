"""`thread/fork`: a new loaded thread from a recorded one's history (the
file side is `conversations.thread_fork`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app_server_protocol import methods
from app_server_protocol.v1.conversations import NewConversationParams
from app_server_protocol.v2.notifications import (
    ThreadStartedNotification,
)
from app_server_protocol.v2.threads import ThreadForkParams, ThreadForkResponse

from ..agent.personality import developer_message
from ..app import RequestContext
from ..conversations.conversation import Conversation
from ..conversations.thread_fork import ForkError
from ..conversations.v2_thread import v2_sandbox
from ..errors import InternalError, InvalidRequest
from .registry import handles
from .thread_common import read_recorded, rollout_of, subscribe, thread_id_of


def _fork_overrides(params: ThreadForkParams) -> NewConversationParams:
    given = params.model_dump(by_alias=True, exclude_none=True)
    overrides: dict[str, Any] = {
        key: given[key]
        for key in ("model", "cwd", "approvalPolicy", "sandbox", "baseInstructions")
        if key in given
    }
    config = dict(given.get("config") or {})
    if params.model_provider is not None:
        config["model_provider"] = params.model_provider
    if params.developer_instructions is not None:
        config["developer_instructions"] = params.developer_instructions
    if config:
        overrides["config"] = config
    try:
        return NewConversationParams.model_validate(overrides)
    except ValueError as exc:
        raise InvalidRequest(f"Invalid request: {exc}") from None


def _tell_developer_instructions(conversation: Conversation) -> None:
    """A fork starts its own context after the history it copied: the
    developer instructions it was given reach the model (as in 0.107)."""
    agent = conversation.agent
    text = conversation.config.developer_instructions
    if agent is None or not text:
        return
    item = developer_message(text)
    agent.history.append(item)
    conversation.record_items([item])


@handles(methods.THREAD_FORK)
async def thread_fork(params: ThreadForkParams, ctx: RequestContext) -> ThreadForkResponse:
    app = ctx.app
    manager = app.conversations
    source = Path(params.path) if params.path is not None else None
    if source is None:
        thread_id = thread_id_of(params.thread_id)
        source = await rollout_of(app, thread_id, archived=False)
        if source is None:
            raise InvalidRequest(f"no rollout found for thread id {thread_id}")
    overrides = _fork_overrides(params)
    try:
        path = await manager.fork_file(source)
    except (ForkError, OSError) as exc:
        raise InternalError(f"error forking thread: {exc}") from None
    conversation, _events = await manager.resume_conversation(str(path), overrides, ctx.outgoing)
    app.turns.prepare(conversation.config.model_provider)
    _tell_developer_instructions(conversation)
    fork_id = str(conversation.id)
    thread = await read_recorded(app, path, True, fork_id)
    config = conversation.config
    # The forking connection follows the new thread, as after thread/start.
    await subscribe(ctx, conversation)

    async def announce() -> None:
        await app.clients.notify(methods.THREAD_STARTED, ThreadStartedNotification(thread=thread))
        await conversation.deliver_startup_events()

    ctx.after_response(announce)
    return ThreadForkResponse(
        thread=thread,
        model=config.model,
        model_provider=config.model_provider_id,
        cwd=str(config.cwd),
        approval_policy=config.approval_policy.value,
        sandbox=v2_sandbox(config.sandbox_policy),
        reasoning_effort=config.model_reasoning_effort,
    )
