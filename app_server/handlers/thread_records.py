"""v2 methods on recorded threads: list, read, archive, unarchive, name,
rollback, and the list of loaded threads. A thread's record is its rollout
file (see `thread_common`)."""

from __future__ import annotations

from uuid import UUID

import anyio

from app_server_protocol import methods
from app_server_protocol.v2.notifications import (
    ThreadArchivedNotification,
    ThreadNameUpdatedNotification,
    ThreadStatusChangedNotification,
    ThreadUnarchivedNotification,
)
from app_server_protocol.v2.threads import (
    Thread,
    ThreadArchiveParams,
    ThreadArchiveResponse,
    ThreadListParams,
    ThreadListResponse,
    ThreadLoadedListParams,
    ThreadLoadedListResponse,
    ThreadReadParams,
    ThreadReadResponse,
    ThreadRollbackParams,
    ThreadRollbackResponse,
    ThreadSetNameParams,
    ThreadSetNameResponse,
    ThreadSortKey,
    ThreadStatusNotLoaded,
    ThreadUnarchiveParams,
    ThreadUnarchiveResponse,
)

from ..app import RequestContext
from ..conversations.rollback import drop_last_turns, rolled_back_payload
from ..conversations.thread_names import append_thread_name, read_thread_names
from ..conversations.thread_store import (
    DEFAULT_THREAD_PAGE_SIZE,
    MAX_THREAD_PAGE_SIZE,
    InvalidCursor,
    ThreadFilter,
    move_out_of_archive,
    unarchive_target,
)
from ..conversations.v2_thread import live_thread
from ..errors import InternalError, InvalidRequest
from ..rust_format import os_error_message
from .registry import handles
from .thread_answers import ReadAnswer, read_with_turns_json
from .thread_common import (
    default_provider,
    loaded,
    loaded_statuses,
    read_recorded,
    rollout_of,
    thread_id_of,
)


@handles(methods.THREAD_READ)
async def thread_read(params: ThreadReadParams, ctx: RequestContext) -> ThreadReadResponse:
    thread_id = thread_id_of(params.thread_id)
    app = ctx.app
    path = await rollout_of(app, thread_id, archived=False)
    if path is None:
        path = await rollout_of(app, thread_id, archived=True)
    if path is None:
        conversation = loaded(app, thread_id)
        if conversation is None or conversation.agent is None:
            raise InvalidRequest(f"thread not loaded: {thread_id}")
        # Loaded, before its first turn: no file yet, only the live thread.
        if params.include_turns:
            raise InvalidRequest(
                f"thread {thread_id} is not materialized yet; "
                "includeTurns is unavailable before first user message"
            )
        return ThreadReadResponse(thread=live_thread(conversation))
    if params.include_turns:
        thread, turns_json = await read_with_turns_json(ctx, path, thread_id)
        return ReadAnswer(thread=thread).with_turns_json(turns_json)
    return ThreadReadResponse(thread=await read_recorded(app, path, False, thread_id))


@handles(methods.THREAD_LIST)
async def thread_list(params: ThreadListParams, ctx: RequestContext) -> ThreadListResponse:
    app = ctx.app
    manager = app.conversations
    # What loaded threads recorded so far is in their files first.
    await manager.flush_all()
    limit = DEFAULT_THREAD_PAGE_SIZE if params.limit is None else params.limit
    limit = min(limit, MAX_THREAD_PAGE_SIZE)

    def page() -> tuple[list[Thread], str | None]:
        provider = default_provider(app)
        names = read_thread_names(manager.codex_home)
        thread_filter = ThreadFilter(
            providers=params.model_providers,
            default_provider=provider,
            source_kinds=[str(kind) for kind in params.source_kinds or []],
            cwd=params.cwd,
            search_term=params.search_term,
        )
        summaries, next_cursor = manager.thread_catalog.page(
            archived=bool(params.archived),
            sort_key=params.sort_key or ThreadSortKey.CREATED_AT,
            cursor=params.cursor,
            limit=limit,
            thread_filter=thread_filter,
            names=names,
        )
        threads = [
            summary.thread(default_provider=provider, name=names.get(summary.id))
            for summary in summaries
        ]
        return threads, next_cursor

    try:
        threads, next_cursor = await anyio.to_thread.run_sync(page)
    except InvalidCursor:
        raise InvalidRequest(f"invalid cursor: {params.cursor}") from None
    statuses = loaded_statuses(app)
    if not params.archived:
        for thread in threads:
            status = statuses.get(thread.id)
            if status is not None:
                thread.status = status
    return ThreadListResponse(data=threads, next_cursor=next_cursor)


@handles(methods.THREAD_LOADED_LIST)
def thread_loaded_list(
    params: ThreadLoadedListParams, ctx: RequestContext
) -> ThreadLoadedListResponse:
    ids = sorted(str(conversation.id) for conversation in ctx.app.conversations.live())
    if params.cursor is not None:
        ids = [thread_id for thread_id in ids if thread_id > params.cursor]
    if params.limit is None or params.limit >= len(ids):
        return ThreadLoadedListResponse(data=ids, next_cursor=None)
    page = ids[: params.limit]
    return ThreadLoadedListResponse(data=page, next_cursor=page[-1] if page else None)


@handles(methods.THREAD_ARCHIVE)
async def thread_archive(params: ThreadArchiveParams, ctx: RequestContext) -> ThreadArchiveResponse:
    thread_id = thread_id_of(params.thread_id)
    app = ctx.app
    path = await rollout_of(app, thread_id, archived=False)
    if path is None:
        raise InvalidRequest(f"no rollout found for thread id {thread_id}")
    was_loaded = loaded(app, thread_id) is not None
    await app.conversations.archive_conversation(UUID(thread_id), str(path))
    if was_loaded:
        # As 0.107.0: the thread is unloaded before the reply, archived after it.
        await app.clients.notify(
            methods.THREAD_STATUS_CHANGED,
            ThreadStatusChangedNotification(thread_id=thread_id, status=ThreadStatusNotLoaded()),
        )

    async def announce() -> None:
        await app.clients.notify(
            methods.THREAD_ARCHIVED, ThreadArchivedNotification(thread_id=thread_id)
        )

    ctx.after_response(announce)
    return ThreadArchiveResponse()


@handles(methods.THREAD_UNARCHIVE)
async def thread_unarchive(
    params: ThreadUnarchiveParams, ctx: RequestContext
) -> ThreadUnarchiveResponse:
    thread_id = thread_id_of(params.thread_id)
    app = ctx.app
    archived = await rollout_of(app, thread_id, archived=True)
    if archived is None:
        raise InvalidRequest(f"no archived rollout found for thread id {thread_id}")
    target = unarchive_target(app.conversations.sessions_root, archived)
    try:
        await anyio.to_thread.run_sync(move_out_of_archive, archived, target)
    except OSError as exc:
        raise InternalError(f"failed to unarchive thread: {os_error_message(exc)}") from None
    thread = await read_recorded(app, target, False, thread_id)

    async def announce() -> None:
        await app.clients.notify(
            methods.THREAD_UNARCHIVED, ThreadUnarchivedNotification(thread_id=thread_id)
        )

    ctx.after_response(announce)
    return ThreadUnarchiveResponse(thread=thread)


@handles(methods.THREAD_NAME_SET)
async def thread_name_set(
    params: ThreadSetNameParams, ctx: RequestContext
) -> ThreadSetNameResponse:
    thread_id = thread_id_of(params.thread_id)
    name = params.name.strip()
    if not name:
        raise InvalidRequest("thread name must not be empty")
    app = ctx.app
    # Only a loaded thread can be named (as in 0.107.0).
    if loaded(app, thread_id) is None:
        raise InvalidRequest(f"thread not found: {thread_id}")
    try:
        await anyio.to_thread.run_sync(
            append_thread_name, app.conversations.codex_home, thread_id, name
        )
    except OSError as exc:
        raise InternalError(f"failed to set thread name: {os_error_message(exc)}") from None

    async def announce() -> None:
        await app.clients.notify(
            methods.THREAD_NAME_UPDATED,
            ThreadNameUpdatedNotification(thread_id=thread_id, thread_name=name),
        )

    ctx.after_response(announce)
    return ThreadSetNameResponse()


@handles(methods.THREAD_ROLLBACK)
async def thread_rollback(
    params: ThreadRollbackParams, ctx: RequestContext
) -> ThreadRollbackResponse:
    thread_id = thread_id_of(params.thread_id)
    if params.num_turns < 1:
        raise InvalidRequest("numTurns must be >= 1")
    app = ctx.app
    conversation = loaded(app, thread_id)
    if conversation is None or conversation.agent is None or conversation.recorder is None:
        raise InvalidRequest(f"thread not found: {thread_id}")
    agent = conversation.agent
    agent.history = drop_last_turns(agent.history, params.num_turns)
    conversation.recorder.record("event_msg", rolled_back_payload(params.num_turns))
    await conversation.flush()
    thread = await read_recorded(app, conversation.recorder.path, True, thread_id)
    return ThreadRollbackResponse(thread=thread)
