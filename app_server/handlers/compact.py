"""``thread/compact/start``: the thread's history is summarised and replaced
(`agent.compaction`), in a turn of its own.

As 0.107.0: the answer (``{}``) comes at once and the turn follows; a turn
still running is replaced (``turn_aborted``, reason ``replaced``); the turn
is not announced with ``turn/started`` but ends with ``turn/completed``;
a thread that is not loaded is not found."""

from __future__ import annotations

from uuid import UUID

from app_server_protocol import methods
from app_server_protocol.common import TurnAbortReason
from app_server_protocol.v2.threads import (
    ThreadCompactStartParams,
    ThreadCompactStartResponse,
    ThreadStatusIdle,
)

from ..app import RequestContext
from ..conversations.ids import uuid7
from ..conversations.turns import UserTurn
from ..errors import InvalidRequest
from .registry import handles
from .thread_common import thread_id_of


@handles(methods.THREAD_COMPACT_START)
async def thread_compact_start(
    params: ThreadCompactStartParams, ctx: RequestContext
) -> ThreadCompactStartResponse:
    thread_id = thread_id_of(params.thread_id)
    conversations = ctx.app.conversations
    conversation = conversations.loaded(UUID(thread_id))
    if conversation is None:
        raise InvalidRequest(f"thread not found: {thread_id}")
    # The connection follows the thread from now on (as after `turn/start`);
    # a thread started over v1 gets its v2 face.
    fresh = conversations.subscribe_v2(conversation, ctx.outgoing)
    if fresh is not None:
        await fresh.set_status(ThreadStatusIdle())
    turn_id = str(uuid7())
    if conversation.v2 is not None:
        conversation.v2.start_unannounced(turn_id)
    conversation.abort_turn(TurnAbortReason.REPLACED)
    conversation.submit(UserTurn(items=[], compact=True), submission_id=turn_id)
    return ThreadCompactStartResponse()
