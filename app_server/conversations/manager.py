"""The live conversations of the daemon, their listeners, and the requests
that create, resume, list and archive them."""

from __future__ import annotations

import functools
import json
import logging
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final
from uuid import UUID

import anyio

from app_server_protocol.common import SessionSourceKind, TurnAbortReason, approval_mode
from app_server_protocol.events import EventMsg
from app_server_protocol.items import ContentItemInputText, ResponseItem, ResponseItemMessage
from app_server_protocol.rollout import BaseInstructions, SessionMeta
from app_server_protocol.v1.conversations import (
    ConversationSummary,
    ListConversationsResponse,
    NewConversationParams,
)

from .._version import __version__
from ..agent.context import combined_instructions, initial_context
from ..agent.model_family import find_family
from ..agent.personality import thread_instructions
from ..agent.thread import open_agent_thread
from ..config.layers import ConfigError
from ..config.resolve import ConfigOverrides
from ..context_tags import is_injected_context
from ..errors import InternalError, InvalidRequest
from ..logs import log
from ..mcp.manager import McpConnections, start_servers
from ..rust_format import os_error_message
from ..user_agent import originator
from .archive import ArchiveRefused, archivable_path, move_to_archive
from .conversation import Conversation, Listener
from .git_info import collect_git_info
from .head import read_head
from .ids import uuid7
from .listing import DEFAULT_PAGE_SIZE, ListedConversation, RolloutIndex
from .naming import (
    ARCHIVED_SESSIONS_SUBDIR,
    SESSIONS_SUBDIR,
    format_update_cursor,
    new_rollout_path,
    parse_update_cursor,
    utc_timestamp,
)
from .reader import EventKinds, RecordedConversation, RolloutReadError, read_rollout
from .recorder import RolloutRecorder, rollout_line
from .summaries import DEFAULT_PROVIDER_ID, summary_fields
from .thread_fork import fork_rollout
from .thread_store import ThreadCatalog
from .turns import AgentServices, TurnRunner, UserTurn
from .v2_face import V2Face

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

    from ..audience import Clients
    from ..config.model import Config
    from ..config.service import ConfigService
    from ..outgoing import Outgoing
    from ..telemetry import Telemetry

#: How long a daemon exit waits for one conversation's rollout writes.
_EXIT_WRITE_SECONDS: Final = 2.0


def overrides_from(params: NewConversationParams | None) -> ConfigOverrides:
    if params is None:
        return ConfigOverrides()
    config = dict(params.config or {})
    if params.model_provider is not None:
        config["model_provider"] = params.model_provider
    if params.compact_prompt is not None:
        config["compact_prompt"] = params.compact_prompt
    return ConfigOverrides(
        model=params.model,
        profile=params.profile,
        cwd=params.cwd,
        approval_policy=None
        if params.approval_policy is None
        else approval_mode(params.approval_policy),
        sandbox_mode=params.sandbox,
        config=config,
        base_instructions=params.base_instructions,
        developer_instructions=params.developer_instructions,
        include_apply_patch_tool=params.include_apply_patch_tool,
    )


class ConversationManager:
    """Creates, finds, resumes, lists and archives conversations."""

    def __init__(
        self,
        *,
        codex_home: Path,
        config: ConfigService,
        clients: Clients,
        task_group: TaskGroup,
        services: AgentServices,
        index: RolloutIndex | None = None,
        thread_catalog: ThreadCatalog | None = None,
    ) -> None:
        # As the reference, paths are reported under the real CODEX_HOME.
        self.codex_home = Path(os.path.realpath(codex_home))
        self.sessions_root = self.codex_home / SESSIONS_SUBDIR
        self.archive_root = self.codex_home / ARCHIVED_SESSIONS_SUBDIR
        self.index = index or RolloutIndex(str(self.sessions_root))
        self.thread_catalog = thread_catalog or ThreadCatalog(self.sessions_root, self.archive_root)
        """The v2 view of the recorded threads (`thread/list`, `thread/read`...)."""
        self.turn_runner: TurnRunner | None = None
        """Runs every user turn (the app installs the model turn loop here)."""
        self.telemetry: Telemetry | None = None
        self._config = config
        self._clients = clients
        self._services = services
        self._task_group = task_group
        self._conversations: dict[UUID, Conversation] = {}
        self._subscriptions: dict[UUID, UUID] = {}
        """The conversation of each subscription, by id (not the conversation
        itself: one that ended must not be kept alive by its listeners)."""

    # -- finding ----------------------------------------------------------------

    def get(self, conversation_id: UUID) -> Conversation:
        conversation = self._conversations.get(conversation_id)
        if conversation is None or conversation.closing:
            raise InvalidRequest(f"conversation not found: {conversation_id}")
        return conversation

    def loaded(self, thread_id: UUID) -> Conversation | None:
        """The live thread ``thread_id``, if loaded (and not closing)."""
        conversation = self._conversations.get(thread_id)
        if conversation is None or conversation.closing:
            return None
        return conversation

    def subscribe_v2(self, conversation: Conversation, connection: Outgoing) -> V2Face | None:
        """``connection`` follows the thread over v2 (its legacy events come
        with it, as with the reference, unless the connection listens to them
        already). Returns the thread's v2 face if it is new."""
        if connection.closed:
            return None  # it closed while its request ran: it follows nothing
        # A face made for v1 listeners is new to v2 clients (its status is told).
        fresh = conversation.v2 is None or conversation.v2.v1_only
        face = conversation.subscribe_v2()
        if connection not in conversation.v2_subscribers:
            listens = any(each.connection is connection for each in conversation.listeners)
            conversation.v2_subscribers[connection] = (
                None if listens else self.add_listener(conversation.id, False, connection)
            )
        return face if fresh else None

    def follows_v2(self, conversation: Conversation, connection: Outgoing) -> bool:
        return connection in conversation.v2_subscribers

    async def unsubscribe_v2(self, conversation: Conversation, connection: Outgoing) -> bool:
        """``connection`` stops following the thread (its v2 notifications and
        the legacy events it got with them); the thread is unloaded when no
        one listens any more. Returns whether it was."""
        self._leave_v2(conversation, connection)
        if conversation.listeners or conversation.v2_subscribers:
            return False
        self._unregister(conversation)
        await conversation.shutdown()
        return True

    def _leave_v2(self, conversation: Conversation, connection: Outgoing) -> None:
        if connection not in conversation.v2_subscribers:
            return
        listener = conversation.v2_subscribers.pop(connection)
        if listener is not None and listener in self._subscriptions:
            self.remove_listener(listener)
        if not conversation.v2_subscribers:
            conversation.v2 = None

    # `get` refuses a conversation that is closing, and the submission follows
    # without an await: it cannot find the conversation closed.

    def send_turn(self, conversation_id: UUID, turn: UserTurn) -> str:
        """Queue a user turn; returns its submission id."""
        return self.get(conversation_id).submit(turn)

    async def interrupt(self, conversation_id: UUID) -> TurnAbortReason:
        """Stop the conversation's running turn (``turn_aborted`` goes out first)."""
        return await self.get(conversation_id).interrupt()

    def live(self) -> list[Conversation]:
        return list(self._conversations.values())

    def find_live(self, conversation_id: UUID) -> Conversation | None:
        """The loaded conversation of that id, if any (even one still starting)."""
        conversation = self._conversations.get(conversation_id)
        return None if conversation is None or conversation.closing else conversation

    # -- listeners --------------------------------------------------------------

    def add_listener(self, conversation_id: UUID, raw_events: bool, connection: Outgoing) -> UUID:
        conversation = self.get(conversation_id)
        listener = Listener(uuid.uuid4(), raw_events, connection)
        if not connection.closed:
            conversation.listeners.append(listener)
            self._subscriptions[listener.subscription_id] = conversation_id
        return listener.subscription_id

    def drop_connection(self, connection: Outgoing, closed_by_client: bool = False) -> None:
        """The connection is gone (given up, or ``closed_by_client``): no
        conversation sends it events any more (they go on running, and
        recording what happens, loaded)."""
        removed = 0
        for conversation in self._conversations.values():
            self._leave_v2(conversation, connection)
            kept = [each for each in conversation.listeners if each.connection is not connection]
            for listener in conversation.listeners:
                if listener.connection is connection:
                    self._subscriptions.pop(listener.subscription_id, None)
                    removed += 1
            conversation.listeners = kept
            if conversation.owner is connection:
                conversation.owner = None
        if removed:
            level = logging.INFO if closed_by_client else logging.WARNING
            gone = connection.name
            log.log(level, "%d conversation listeners removed (%s is gone)", removed, gone)

    def remove_listener(self, subscription_id: UUID) -> None:
        conversation_id = self._subscriptions.pop(subscription_id, None)
        if conversation_id is None:
            raise InvalidRequest(f"subscription not found: {subscription_id}")
        conversation = self._conversations.get(conversation_id)
        if conversation is not None:
            conversation.listeners = [
                listener
                for listener in conversation.listeners
                if listener.subscription_id != subscription_id
            ]

    # -- creating and resuming --------------------------------------------------

    def _register(self, conversation_id: UUID, owner: Outgoing | None) -> Conversation:
        conversation = Conversation(
            conversation_id,
            clients=self._clients,
            runner=self._runner(),
            services=self._services,
            owner=owner,
        )
        self._conversations[conversation_id] = conversation
        return conversation

    def _runner(self) -> TurnRunner:
        if self.turn_runner is None:
            raise InternalError("no turn runner is installed")
        return self.turn_runner

    def _unregister(self, conversation: Conversation) -> None:
        if self._conversations.get(conversation.id) is conversation:
            del self._conversations[conversation.id]

    async def _resolve_config(self, overrides: ConfigOverrides) -> Config:
        try:
            return await anyio.to_thread.run_sync(self._config.resolve, overrides)
        except ConfigError as exc:
            raise InvalidRequest(f"error deriving config: {exc}") from None

    async def _start_mcp(self, config: Config, action: str) -> McpConnections:
        """The conversation's MCP servers, started (in parallel)."""
        return await start_servers(
            config,
            task_group=self._task_group,
            codex_home=self.codex_home,
            failing_as=f"error {action} conversation",
        )

    async def new_conversation(
        self, params: NewConversationParams, owner: Outgoing | None = None
    ) -> Conversation:
        """Start a conversation; its rollout file is made with its first turn."""
        return await self.start_conversation(overrides_from(params), owner)

    async def start_conversation(
        self,
        overrides: ConfigOverrides,
        owner: Outgoing | None = None,
        prior: list[ResponseItem] | None = None,
    ) -> Conversation:
        """Start a conversation (a thread) with the settings ``overrides``
        gives over the configuration, for the connection ``owner``; ``prior``:
        a history the client gives (`thread/resume` with ``history``), which
        the thread's context follows."""
        started = datetime.now(UTC)
        # Registered before anything is awaited: from now on its id is known.
        conversation = self._register(uuid7(int(started.timestamp() * 1000)), owner)
        conversation.created_at = int(started.timestamp())
        conversation.preview = _first_user_text(prior or [])
        mcp: McpConnections | None = None
        try:
            config = await self._resolve_config(overrides)
            mcp = await self._start_mcp(config, "creating")
            instructions = await anyio.to_thread.run_sync(
                combined_instructions, self.codex_home, config.cwd, config.project_doc_max_bytes
            )
            git = await collect_git_info(config.cwd)
            model_instructions = await anyio.to_thread.run_sync(
                thread_instructions, config, config.model, config.personality
            )
            meta = SessionMeta(
                id=conversation.id,
                timestamp=utc_timestamp(started),
                cwd=str(config.cwd),
                originator=originator(),
                cli_version=__version__,
                instructions=instructions,
                source=SessionSourceKind.VSCODE,
                model_provider=config.model_provider_id,
                base_instructions=BaseInstructions(text=model_instructions),
                git=git,
            )
            context, _ = initial_context(
                str(config.cwd),
                config.approval_policy,
                config.sandbox_policy,
                instructions,
                config.developer_instructions,
            )
            history: list[ResponseItem] = [*(prior or []), *context]
            first_lines = rollout_line("session_meta", meta.__pydantic_serializer__.to_json(meta))
            for item in history:
                first_lines += rollout_line(
                    "response_item", item.__pydantic_serializer__.to_json(item)
                )
            path = new_rollout_path(self.sessions_root, conversation.id, started)
            # The file is made with the first turn (`Conversation.materialize`).
            recorder = RolloutRecorder.deferred(path, first_lines, on_created=self.note_new_file)
            agent = open_agent_thread(
                conversation,
                config=config,
                history=history,
                user_instructions=instructions,
                mcp=mcp,
                instructions=model_instructions,
                personality=config.personality,
            )
            conversation.configure(agent=agent, recorder=recorder)
        except BaseException:
            await self._abandon(conversation, mcp)
            raise
        self._task_group.start_soon(conversation.run)
        await self._telemetry_starts(conversation)
        return conversation

    async def _telemetry_starts(self, conversation: Conversation) -> None:
        if self.telemetry is not None:
            config = conversation.config
            await self.telemetry.conversation_starts(
                conversation, conversation.id, config, find_family(config.model)
            )

    async def _abandon(self, conversation: Conversation, mcp: McpConnections | None) -> None:
        """Undo a start that failed: forget the conversation (what was sent
        to it meanwhile is answered), stop its servers."""
        self._unregister(conversation)
        with anyio.CancelScope(shield=True):
            await conversation.shutdown()
            if mcp is not None:
                await mcp.aclose()

    async def fork_file(self, source: Path) -> Path:
        """A new thread's rollout file (a new id, now) holding ``source``'s
        history (see `fork_rollout`). Raises `ForkError` or `OSError`."""
        started = datetime.now(UTC)
        new_id = uuid7(int(started.timestamp() * 1000))
        path = await anyio.to_thread.run_sync(
            fork_rollout, source, self.sessions_root, new_id, started
        )
        self.note_new_file(path)
        return path

    def note_new_file(self, path: Path) -> None:
        # Folder mtimes may not move within one clock tick: tell the index.
        folder = path.parent
        for _ in range(3):
            self.index.forget_folder(str(folder))
            folder = folder.parent

    async def resume_conversation(
        self, path_text: str, params: NewConversationParams | None, owner: Outgoing | None = None
    ) -> tuple[Conversation, list[EventMsg]]:
        """Load a rollout file as a live conversation (the same id); new
        records are appended to the same file. Returns the recorded events."""
        return await self.resume_with(path_text, overrides_from(params), owner)

    def find_rollout(self, thread_id: UUID) -> Path | None:
        """The rollout file of ``thread_id`` under ``sessions``, if any."""
        suffix = f"-{thread_id}.jsonl"
        for path in sorted(self.sessions_root.glob("*/*/*/rollout-*.jsonl"), reverse=True):
            if path.name.endswith(suffix):
                return path
        return None

    async def resume_with(
        self,
        path_text: str,
        overrides: ConfigOverrides,
        owner: Outgoing | None = None,
        events: EventKinds = True,
    ) -> tuple[Conversation, list[EventMsg]]:
        """`resume_conversation` with explicit settings; returns the recorded
        ``events`` asked for."""
        config = await self._resolve_config(overrides)
        path = Path(path_text)
        recorded = await _read_for_resume(path, events=events)
        previous = self._conversations.get(recorded.meta.id)
        if previous is not None:
            # One writer per file: the conversation loaded before gives way,
            # and what it writes as it stops (an aborted turn) is read too.
            self._unregister(previous)
            await previous.shutdown()
            recorded = await _read_for_resume(path, events=events)
        conversation = self._register(recorded.meta.id, owner)
        conversation.created_at = _unix_seconds(recorded.meta.timestamp)
        conversation.preview = recorded.preview
        mcp: McpConnections | None = None
        try:
            mcp = await self._start_mcp(config, "resuming")
            try:
                recorder = await RolloutRecorder.resume(path)
            except OSError as exc:
                raise InternalError(
                    f"error resuming conversation: {os_error_message(exc)}"
                ) from None
            agent = open_agent_thread(
                conversation,
                config=config,
                history=recorded.response_items,
                user_instructions=recorded.meta.instructions,
                mcp=mcp,
                instructions=_recorded_instructions(recorded),
                personality=_recorded_personality(recorded),
            )
            conversation.configure(agent=agent, recorder=recorder)
        except BaseException:
            await self._abandon(conversation, mcp)
            raise
        self._task_group.start_soon(conversation.run)
        await self._telemetry_starts(conversation)
        return conversation, recorded.event_msgs

    async def fork_conversation(
        self, path_text: str, params: NewConversationParams | None, owner: Outgoing | None = None
    ) -> tuple[Conversation, list[EventMsg]]:
        """A new conversation (a new id and rollout file) that starts with
        everything recorded in ``path_text``. Returns the recorded events."""
        config = await self._resolve_config(overrides_from(params))
        source = await _read_for_resume(Path(path_text), action="forking")
        started = datetime.now(UTC)
        conversation = self._register(uuid7(int(started.timestamp() * 1000)), owner)
        mcp: McpConnections | None = None
        try:
            mcp = await self._start_mcp(config, "forking")
            meta = source.meta.model_copy(
                update={
                    "id": conversation.id,
                    "forked_from_id": source.meta.id,
                    "timestamp": utc_timestamp(started),
                    "originator": originator(),
                    "cli_version": __version__,
                }
            )
            lines = rollout_line("session_meta", meta.__pydantic_serializer__.to_json(meta))
            lines += await anyio.to_thread.run_sync(_records_after_meta, source.path)
            path = new_rollout_path(self.sessions_root, conversation.id, started)
            try:
                recorder = await RolloutRecorder.create(path, lines)
            except OSError as exc:
                raise InternalError(
                    f"error forking conversation: cannot create {path}: {os_error_message(exc)}"
                ) from None
            self.note_new_file(path)
            agent = open_agent_thread(
                conversation,
                config=config,
                history=source.response_items,
                user_instructions=source.meta.instructions,
                mcp=mcp,
                instructions=_recorded_instructions(source),
                personality=_recorded_personality(source),
            )
            conversation.configure(agent=agent, recorder=recorder)
        except BaseException:
            await self._abandon(conversation, mcp)
            raise
        self._task_group.start_soon(conversation.run)
        await self._telemetry_starts(conversation)
        return conversation, source.event_msgs

    # -- listing ------------------------------------------------------------------

    async def list_conversations(
        self, page_size: int | None, cursor: str | None
    ) -> ListConversationsResponse:
        # What live conversations recorded so far is in their files first.
        await self.flush_all()
        anchor = parse_update_cursor(cursor) if cursor is not None else None
        size = DEFAULT_PAGE_SIZE if page_size is None else page_size
        items, last = await anyio.to_thread.run_sync(self.index.page, size, anchor)
        fallback_provider = await self._default_provider_id()
        return ListConversationsResponse(
            items=[
                ConversationSummary.model_validate(summary_fields(item, fallback_provider))
                for item in items
            ],
            next_cursor=format_update_cursor(last) if last is not None and items else None,
        )

    async def conversation_summary(
        self, *, path_text: str | None = None, conversation_id: UUID | None = None
    ) -> ConversationSummary:
        """The summary of one rollout file, named by its path (relative to
        ``CODEX_HOME``) or found by its conversation's id."""
        await self.flush_all()
        exact = path_text is not None
        if path_text is None:
            assert conversation_id is not None
            path_text = await self.rollout_path_of(conversation_id)
            if path_text is None:
                raise InvalidRequest(f"no rollout found for conversation id {conversation_id}")
        path = self.codex_home / path_text
        summary, stat = await anyio.to_thread.run_sync(read_head, str(path))
        if stat is None:
            try:
                await anyio.to_thread.run_sync(path.stat)
            except OSError as exc:
                reason = os_error_message(exc)
            else:
                reason = "the file cannot be read"
            raise InternalError(f"failed to load conversation summary from {path}: {reason}")
        if summary is None:
            raise InternalError(
                f"failed to load conversation summary from {path}: no conversation in it"
            )
        listed = ListedConversation(str(path), summary, stat.st_mtime_ns)
        fallback = await self._default_provider_id()
        fields = summary_fields(listed, fallback, exact_timestamp=exact)
        return ConversationSummary.model_validate(fields)

    async def _default_provider_id(self) -> str:
        """The configured model provider, named in summaries of files that do not say."""
        try:
            config = await self._resolve_config(overrides_from(None))
        except InvalidRequest:
            return DEFAULT_PROVIDER_ID
        return config.model_provider_id

    async def rollout_path_of(self, conversation_id: UUID) -> str | None:
        """The rollout file of a conversation: the live one's, or one found under
        ``sessions`` by its name; None when there is none."""
        live = self._conversations.get(conversation_id)
        if live is not None and live.materialized:
            return str(live.rollout_path)
        suffix = f"-{conversation_id}.jsonl"

        def find() -> str | None:
            for path in sorted(self.sessions_root.rglob(f"rollout-*{suffix}"), reverse=True):
                return str(path)
            return None

        return await anyio.to_thread.run_sync(find)

    # -- archiving ----------------------------------------------------------------

    async def archive_conversation(self, conversation_id: UUID, rollout_path: str) -> None:
        """Shut the conversation down if it is live, then move its file to
        ``archived_sessions``."""
        try:
            real = await anyio.to_thread.run_sync(
                archivable_path, self.sessions_root, conversation_id, rollout_path
            )
        except ArchiveRefused as exc:
            raise InvalidRequest(str(exc)) from None
        except OSError as exc:
            raise InternalError(
                "failed to archive thread: unable to resolve sessions directory: "
                + os_error_message(exc)
            ) from None
        conversation = self._conversations.get(conversation_id)
        if conversation is not None:
            self._unregister(conversation)
            await conversation.shutdown()
        try:
            await anyio.to_thread.run_sync(move_to_archive, real, self.archive_root)
        except OSError as exc:
            raise InternalError(
                f"failed to archive conversation: {os_error_message(exc)}"
            ) from None

    # -- the daemon's lifetime ------------------------------------------------------

    async def flush_all(self) -> None:
        for conversation in self.live():
            await conversation.flush()

    async def close_all(self) -> None:
        """The daemon is exiting: finish every conversation's rollout writes."""
        for conversation in self.live():
            with anyio.move_on_after(_EXIT_WRITE_SECONDS):
                try:
                    await conversation.close_for_exit()
                except Exception:
                    log.exception("closing conversation %s", conversation.id)
        self._conversations.clear()


def _unix_seconds(timestamp: str) -> int:
    try:
        return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return 0


def _first_user_text(items: list[ResponseItem]) -> str:
    """What the user typed first in a history (context messages left out)."""
    for item in items:
        if isinstance(item, ResponseItemMessage) and item.role == "user":
            texts = [p.text for p in item.content if isinstance(p, ContentItemInputText)]
            if texts and not any(is_injected_context(text) for text in texts):
                return "".join(texts)
    return ""


def _records_after_meta(path: Path) -> bytes:
    """The lines of a rollout file, as they were written, without its
    ``session_meta`` lines (blocking). A line that is not a JSON object is left out."""
    kept = bytearray()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InternalError(f"error forking conversation: {os_error_message(exc)}") from None
    for raw in data.split(b"\n"):
        line = raw.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("type") != "session_meta":
            kept += line + b"\n"
    return bytes(kept)


async def _read_for_resume(
    path: Path, action: str = "resuming", events: EventKinds = True
) -> RecordedConversation:
    try:
        return await anyio.to_thread.run_sync(functools.partial(read_rollout, path, events=events))
    except RolloutReadError as exc:
        if action == "resuming":
            raise InvalidRequest(f"failed to load rollout `{path}`: {exc}") from None
        raise InternalError(f"error {action} conversation: {exc}") from None


def _recorded_instructions(recorded: RecordedConversation) -> str | None:
    """A recorded thread's model instructions, as its first line kept them."""
    base = recorded.meta.base_instructions
    return base.text if base is not None else None


def _recorded_personality(recorded: RecordedConversation) -> str | None:
    """The personality a recorded thread's last turn had."""
    context = recorded.last_turn_context
    return context.personality if context is not None else None
