"""v2 methods on recorded threads: list, read, archive, unarchive, name,
rollback, fork, and the list of loaded threads. A thread's record is its rollout file; a
loaded thread's file is flushed before it is read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import anyio

from app_server_protocol import methods
from app_server_protocol.common import SandboxPolicy as CoreSandboxPolicy
from app_server_protocol.common import SandboxPolicyReadOnly as CoreReadOnly
from app_server_protocol.common import SandboxPolicyWorkspaceWrite as CoreWorkspaceWrite
from app_server_protocol.v1.conversations import NewConversationParams
from app_server_protocol.v2.common import (
    ReadOnlyAccessFullAccess,
    SandboxPolicy,
    SandboxPolicyDangerFullAccess,
    SandboxPolicyReadOnly,
    SandboxPolicyWorkspaceWrite,
)
from app_server_protocol.v2.notifications import (
    ThreadArchivedNotification,
    ThreadNameUpdatedNotification,
    ThreadStartedNotification,
    ThreadStatusChangedNotification,
    ThreadUnarchivedNotification,
)
from app_server_protocol.v2.threads import (
    Thread,
    ThreadArchiveParams,
    ThreadArchiveResponse,
    ThreadForkParams,
    ThreadForkResponse,
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
    ThreadStatus,
    ThreadStatusIdle,
    ThreadStatusNotLoaded,
    ThreadUnarchiveParams,
    ThreadUnarchiveResponse,
)

from ..app import App, RequestContext
from ..config.layers import ConfigError
from ..conversations.conversation import Conversation
from ..conversations.ids import uuid7
from ..conversations.rollback import drop_last_turns, rolled_back_payload
from ..conversations.thread_fork import ForkError, fork_rollout
from ..conversations.thread_ids import InvalidThreadId, parse_thread_id
from ..conversations.thread_names import append_thread_name, read_thread_names
from ..conversations.thread_store import (
    DEFAULT_THREAD_PAGE_SIZE,
    MAX_THREAD_PAGE_SIZE,
    InvalidCursor,
    ThreadFilter,
    move_out_of_archive,
    unarchive_target,
)
from ..conversations.thread_view import DEFAULT_MODEL_PROVIDER, ThreadReadError, read_thread
from ..errors import InternalError, InvalidRequest
from ..rust_format import os_error_message
from .registry import handles


def _thread_id(text: str) -> str:
    try:
        return parse_thread_id(text)
    except InvalidThreadId as exc:
        raise InvalidRequest(f"invalid thread id: {exc}") from None


def _default_provider(app: App) -> str:
    try:
        return app.config.toml().model_provider or DEFAULT_MODEL_PROVIDER
    except (ConfigError, OSError, ValueError):
        return DEFAULT_MODEL_PROVIDER


def _loaded(app: App, thread_id: str) -> Conversation | None:
    return app.conversations.find_live(UUID(thread_id))


def _loaded_status(app: App) -> dict[str, ThreadStatus]:
    return {str(conversation.id): ThreadStatusIdle() for conversation in app.conversations.live()}


async def _rollout_of(app: App, thread_id: str, *, archived: bool) -> Path | None:
    """The thread's rollout file: a loaded thread's own (flushed), else the
    file of that id in the live tree or the archive."""
    if not archived:
        conversation = _loaded(app, thread_id)
        if conversation is not None and conversation.recorder is not None:
            await conversation.flush()
            return conversation.recorder.path
    catalog = app.conversations.thread_catalog
    return await anyio.to_thread.run_sync(catalog.find_rollout, thread_id, archived)


async def _read(app: App, path: Path, include_turns: bool, thread_id: str) -> Thread:
    provider, names = await anyio.to_thread.run_sync(
        lambda: (_default_provider(app), read_thread_names(app.conversations.codex_home))
    )
    status = _loaded_status(app).get(thread_id)
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


@handles(methods.THREAD_READ)
async def thread_read(params: ThreadReadParams, ctx: RequestContext) -> ThreadReadResponse:
    thread_id = _thread_id(params.thread_id)
    app = ctx.app
    path = await _rollout_of(app, thread_id, archived=False)
    if path is None:
        path = await _rollout_of(app, thread_id, archived=True)
    if path is None:
        raise InvalidRequest(f"thread not loaded: {thread_id}")
    return ThreadReadResponse(thread=await _read(app, path, params.include_turns, thread_id))


@handles(methods.THREAD_LIST)
async def thread_list(params: ThreadListParams, ctx: RequestContext) -> ThreadListResponse:
    app = ctx.app
    manager = app.conversations
    # What loaded threads recorded so far is in their files first.
    await manager.flush_all()
    limit = DEFAULT_THREAD_PAGE_SIZE if params.limit is None else params.limit
    limit = min(limit, MAX_THREAD_PAGE_SIZE)

    def page() -> tuple[list[Thread], str | None]:
        provider = _default_provider(app)
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
    statuses = _loaded_status(app)
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
    thread_id = _thread_id(params.thread_id)
    app = ctx.app
    path = await _rollout_of(app, thread_id, archived=False)
    if path is None:
        raise InvalidRequest(f"no rollout found for thread id {thread_id}")
    was_loaded = _loaded(app, thread_id) is not None
    await app.conversations.archive_conversation(UUID(thread_id), str(path))
    if was_loaded:
        # As 0.107.0: the thread is unloaded before the reply, archived after it.
        await app.outgoing.notify(
            methods.THREAD_STATUS_CHANGED,
            ThreadStatusChangedNotification(thread_id=thread_id, status=ThreadStatusNotLoaded()),
        )

    async def announce() -> None:
        await app.outgoing.notify(
            methods.THREAD_ARCHIVED, ThreadArchivedNotification(thread_id=thread_id)
        )

    ctx.after_response(announce)
    return ThreadArchiveResponse()


@handles(methods.THREAD_UNARCHIVE)
async def thread_unarchive(
    params: ThreadUnarchiveParams, ctx: RequestContext
) -> ThreadUnarchiveResponse:
    thread_id = _thread_id(params.thread_id)
    app = ctx.app
    archived = await _rollout_of(app, thread_id, archived=True)
    if archived is None:
        raise InvalidRequest(f"no archived rollout found for thread id {thread_id}")
    target = unarchive_target(app.conversations.sessions_root, archived)
    try:
        await anyio.to_thread.run_sync(move_out_of_archive, archived, target)
    except OSError as exc:
        raise InternalError(f"failed to unarchive thread: {os_error_message(exc)}") from None
    thread = await _read(app, target, False, thread_id)

    async def announce() -> None:
        await app.outgoing.notify(
            methods.THREAD_UNARCHIVED, ThreadUnarchivedNotification(thread_id=thread_id)
        )

    ctx.after_response(announce)
    return ThreadUnarchiveResponse(thread=thread)


@handles(methods.THREAD_NAME_SET)
async def thread_name_set(
    params: ThreadSetNameParams, ctx: RequestContext
) -> ThreadSetNameResponse:
    thread_id = _thread_id(params.thread_id)
    name = params.name.strip()
    if not name:
        raise InvalidRequest("thread name must not be empty")
    app = ctx.app
    # Only a loaded thread can be named (as in 0.107.0).
    if _loaded(app, thread_id) is None:
        raise InvalidRequest(f"thread not found: {thread_id}")
    try:
        await anyio.to_thread.run_sync(
            append_thread_name, app.conversations.codex_home, thread_id, name
        )
    except OSError as exc:
        raise InternalError(f"failed to set thread name: {os_error_message(exc)}") from None

    async def announce() -> None:
        await app.outgoing.notify(
            methods.THREAD_NAME_UPDATED,
            ThreadNameUpdatedNotification(thread_id=thread_id, thread_name=name),
        )

    ctx.after_response(announce)
    return ThreadSetNameResponse()


@handles(methods.THREAD_ROLLBACK)
async def thread_rollback(
    params: ThreadRollbackParams, ctx: RequestContext
) -> ThreadRollbackResponse:
    thread_id = _thread_id(params.thread_id)
    if params.num_turns < 1:
        raise InvalidRequest("numTurns must be >= 1")
    app = ctx.app
    conversation = _loaded(app, thread_id)
    if conversation is None or conversation.agent is None or conversation.recorder is None:
        raise InvalidRequest(f"thread not found: {thread_id}")
    agent = conversation.agent
    agent.history = drop_last_turns(agent.history, params.num_turns)
    conversation.recorder.record("event_msg", rolled_back_payload(params.num_turns))
    await conversation.flush()
    thread = await _read(app, conversation.recorder.path, True, thread_id)
    return ThreadRollbackResponse(thread=thread)


def _v2_sandbox(policy: CoreSandboxPolicy) -> SandboxPolicy:
    if isinstance(policy, CoreWorkspaceWrite):
        return SandboxPolicyWorkspaceWrite(
            writable_roots=list(policy.writable_roots),
            read_only_access=ReadOnlyAccessFullAccess(),
            network_access=policy.network_access,
            exclude_tmpdir_env_var=policy.exclude_tmpdir_env_var,
            exclude_slash_tmp=policy.exclude_slash_tmp,
        )
    if isinstance(policy, CoreReadOnly):
        return SandboxPolicyReadOnly(access=ReadOnlyAccessFullAccess())
    return SandboxPolicyDangerFullAccess()


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


@handles(methods.THREAD_FORK)
async def thread_fork(params: ThreadForkParams, ctx: RequestContext) -> ThreadForkResponse:
    app = ctx.app
    manager = app.conversations
    source = Path(params.path) if params.path is not None else None
    if source is None:
        thread_id = _thread_id(params.thread_id)
        source = await _rollout_of(app, thread_id, archived=False)
        if source is None:
            raise InvalidRequest(f"no rollout found for thread id {thread_id}")
    overrides = _fork_overrides(params)
    started = datetime.now(UTC)
    new_id = uuid7(int(started.timestamp() * 1000))
    try:
        path = await anyio.to_thread.run_sync(
            fork_rollout, source, manager.sessions_root, new_id, started
        )
    except (ForkError, OSError) as exc:
        raise InternalError(f"error forking thread: {exc}") from None
    manager.note_new_file(path)
    conversation, _events = await manager.resume_conversation(str(path), overrides)
    app.turns.prepare()
    fork_id = str(conversation.id)
    thread = await _read(app, path, True, fork_id)
    config = conversation.config
    await app.outgoing.notify(
        methods.THREAD_STATUS_CHANGED,
        ThreadStatusChangedNotification(thread_id=fork_id, status=ThreadStatusIdle()),
    )

    async def announce() -> None:
        await app.outgoing.notify(methods.THREAD_STARTED, ThreadStartedNotification(thread=thread))

    ctx.after_response(announce)
    return ThreadForkResponse(
        thread=thread,
        model=config.model,
        model_provider=config.model_provider_id,
        cwd=str(config.cwd),
        approval_policy=config.approval_policy.value,
        sandbox=_v2_sandbox(config.sandbox_policy),
        reasoning_effort=config.model_reasoning_effort,
    )
