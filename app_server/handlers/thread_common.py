"""What the v2 thread handlers share: client thread ids, where a thread's
rollout is, and reading it as a `Thread` (a loaded thread's file is flushed
first, and its status is the live one)."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import anyio

from app_server_protocol.v2.threads import Thread, ThreadStatus, ThreadStatusIdle

from ..app import App, RequestContext
from ..config.layers import ConfigError
from ..conversations.conversation import Conversation
from ..conversations.thread_ids import InvalidThreadId, parse_thread_id
from ..conversations.thread_names import read_thread_names
from ..conversations.thread_view import DEFAULT_MODEL_PROVIDER, ThreadReadError, read_thread
from ..errors import InternalError, InvalidRequest


def thread_id_of(text: str) -> str:
    """The canonical id a client gave; the reference's error otherwise."""
    try:
        return parse_thread_id(text)
    except InvalidThreadId as exc:
        raise InvalidRequest(f"invalid thread id: {exc}") from None


def default_provider(app: App) -> str:
    try:
        return app.config.toml().model_provider or DEFAULT_MODEL_PROVIDER
    except (ConfigError, OSError, ValueError):
        return DEFAULT_MODEL_PROVIDER


def loaded(app: App, thread_id: str) -> Conversation | None:
    return app.conversations.find_live(UUID(thread_id))


def loaded_statuses(app: App) -> dict[str, ThreadStatus]:
    return {str(conversation.id): ThreadStatusIdle() for conversation in app.conversations.live()}


async def rollout_of(app: App, thread_id: str, *, archived: bool) -> Path | None:
    """The thread's rollout file: a loaded thread's own (flushed), else the
    file of that id in the live tree or the archive."""
    if not archived:
        conversation = loaded(app, thread_id)
        if conversation is not None and conversation.recorder is not None:
            if not conversation.materialized:
                return None  # no file before the first turn
            await conversation.flush()
            return conversation.recorder.path
    catalog = app.conversations.thread_catalog
    return await anyio.to_thread.run_sync(catalog.find_rollout, thread_id, archived)


async def read_recorded(app: App, path: Path, include_turns: bool, thread_id: str) -> Thread:
    provider, names = await anyio.to_thread.run_sync(
        lambda: (default_provider(app), read_thread_names(app.conversations.codex_home))
    )
    status = loaded_statuses(app).get(thread_id)
    try:
        return await anyio.to_thread.run_sync(
            lambda: read_thread(
                path,
                include_turns,
                default_provider=provider,
                name=names.get(thread_id),
                status=status,
            )
        )
    except ThreadReadError as exc:
        raise InternalError(f"failed to read thread {thread_id}: {exc}") from None


async def subscribe(ctx: RequestContext, conversation: Conversation) -> None:
    """This connection follows the thread over v2 (and gets its legacy events);
    the thread's first v2 subscription gives it its v2 face."""
    face = ctx.app.conversations.subscribe_v2(conversation, ctx.outgoing)
    if face is not None:
        await face.set_status(ThreadStatusIdle())
