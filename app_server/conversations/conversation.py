"""One live conversation: its state, its own task, and the one path every
event takes (`Conversation.emit`). It is its agent's `TurnHost`: the agent
reaches the client, the rollout and the daemon's services through it."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

import anyio
import pydantic_core
from anyio.abc import TaskGroup

from app_server_protocol import methods
from app_server_protocol.common import ReviewDecisionKind, TurnAbortReason
from app_server_protocol.events import (
    ErrorEvent,
    EventMsg,
    McpStartupCompleteEvent,
    McpStartupFailure,
    RawResponseItemEvent,
    ShutdownCompleteEvent,
    TurnAbortedEvent,
    TurnCompleteEvent,
    UserMessageEvent,
)
from app_server_protocol.items import InputItem, ResponseItem
from app_server_protocol.rollout import (
    PERSISTED_EVENT_TYPES,
    CompactedItem,
    TurnContextItem,
    is_persisted_response_item,
)
from app_server_protocol.usage import RateLimitSnapshot
from app_server_protocol.v2.notifications import AccountRateLimitsUpdatedNotification
from app_server_protocol.v2.threads import ThreadStatusSystemError

from ..account_limits import account_rate_limits
from ..agent.context import TURN_ABORTED_TEXT, context_message
from ..audience import FanOut
from ..logs import current_thread_id, log
from .approval_requests import ask_client, ask_client_v2
from .ids import uuid7
from .recorder import RolloutRecorder
from .turns import AgentServices, Interrupt, Shutdown, Submission, TurnRunner, UserTurn
from .v2_face import V2Face

if TYPE_CHECKING:
    from ..agent.host import ApprovalQuestion
    from ..agent.thread import AgentThread
    from ..audience import Clients
    from ..config.model import Config
    from ..model_client import CredentialsSource
    from ..outgoing import Outgoing
    from ..telemetry.events import ConversationTelemetry


class ConversationClosed(Exception):
    """The conversation has shut down (or is shutting down)."""


@dataclass(eq=False)
class Listener:
    """A client subscription to a conversation's events."""

    subscription_id: UUID
    raw_events: bool
    """Also receives ``codex/event/raw_response_item``."""
    connection: Outgoing
    """The connection that added it (and gets the events)."""


@dataclass(eq=False)
class _RunningTurn:
    submission_id: str
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    abort_reason: TurnAbortReason | None = None
    finished: anyio.Event = field(default_factory=anyio.Event)
    interrupts: list[anyio.Event] = field(default_factory=list)
    """The interrupts waiting for the turn: set once it has stopped (and
    ``turn_aborted`` is out)."""

    def finish(self) -> None:
        self.finished.set()
        for done in self.interrupts:
            done.set()

    def abort(self, reason: TurnAbortReason) -> None:
        if self.abort_reason is None:
            self.abort_reason = reason
        self.scope.cancel()


class Conversation:
    """A conversation the client can talk to. Submissions are handled in
    order by `run`, the conversation's own task; a user turn runs in a task of
    its own (so that it can be interrupted) and the turns sent meanwhile wait
    their turn."""

    def __init__(
        self,
        conversation_id: UUID,
        *,
        clients: Clients,
        runner: TurnRunner,
        services: AgentServices,
        owner: Outgoing | None = None,
    ) -> None:
        # A conversation exists (and can be found by its id) from the moment
        # its id is made; `configure` gives it the rest before its task starts.
        self.id = conversation_id
        self.listeners: list[Listener] = []
        self.recorder: RolloutRecorder | None = None
        self.agent: AgentThread | None = None
        """The agent's side of the conversation (model, policies, tools,
        history, MCP servers), from `configure` on."""
        self._startup_events: list[EventMsg] = []
        self._clients = clients
        self.owner = owner
        """The connection that started (or resumed) it: it is asked about
        approvals while no connection listens."""
        self._runner = runner
        self._services = services
        self._id_json = f'"{conversation_id}"'.encode()
        send, receive = anyio.create_memory_object_stream[Submission](math.inf)
        self._send = send
        self._receive = receive
        self._turn: _RunningTurn | None = None
        self._queued: deque[tuple[Submission, UserTurn]] = deque()
        self._tasks: TaskGroup | None = None
        self._started = False
        self._closing = False
        self._stopped = anyio.Event()
        self.v2: V2Face | None = None
        """The v2 face, while a v2 client has started, resumed or subscribed to it."""
        self.v2_subscribers: dict[Outgoing, UUID | None] = {}
        """The connections that follow the thread over v2, each with the legacy
        listener its subscription added, if it added one."""
        self.subscribers = FanOut(lambda: list(self.v2_subscribers))
        """The thread's v2 requests go to them."""
        self.v2_audience = FanOut(self._v2_audience)
        """The thread's v2 notifications go to them: its v2 subscribers and its
        v1 listeners' connections (0.107.0 sends those v2 notifications too)."""
        self.created_at = 0
        """Unix time (seconds) the thread was created (set by its manager)."""
        self.preview = ""
        """The user's first message (the thread's preview)."""

    def subscribe_v2(self, *, v1_only: bool = False) -> V2Face:
        """The thread's v2 face (made at the first v2 subscription, or the
        first v1 listener: ``v1_only``)."""
        if self.v2 is None:
            self.v2 = V2Face(str(self.id), self.v2_audience, self._clients, v1_only=v1_only)
        elif not v1_only:
            self.v2.v1_only = False
        return self.v2

    def _v2_audience(self) -> list[Outgoing]:
        connections = dict.fromkeys(self.v2_subscribers)
        connections.update(dict.fromkeys(listener.connection for listener in self.listeners))
        return list(connections)

    def audience(self) -> list[Outgoing]:
        """The connections that follow the thread (over v2 or as listeners),
        or else the one that started it."""
        connections = dict.fromkeys(self.v2_subscribers)
        connections.update(dict.fromkeys(listener.connection for listener in self.listeners))
        if not connections and self.owner is not None:
            return [self.owner]
        return list(connections)

    def configure(self, *, agent: AgentThread, recorder: RolloutRecorder) -> None:
        self.agent = agent
        self.recorder = recorder
        self.rollout_path = recorder.path
        # How the MCP servers started is told to the first listener (and
        # those that failed are errors), as 0.107.0 tells it.
        failures = agent.mcp.failures
        self._startup_events = [ErrorEvent(message=text) for text in failures.values()]
        self._startup_events.append(
            McpStartupCompleteEvent(
                ready=sorted(agent.mcp.servers),
                failed=[
                    McpStartupFailure(server=name, error=text) for name, text in failures.items()
                ],
            )
        )

    @property
    def config(self) -> Config:
        """The settings the conversation was created (or resumed) with."""
        return self._configured().config

    def _configured(self) -> AgentThread:
        if self.agent is None:
            raise RuntimeError(f"conversation {self.id} is not configured yet")
        return self.agent

    # -- what handlers call ---------------------------------------------------

    @property
    def closing(self) -> bool:
        return self._closing

    def submit(self, op: UserTurn | Interrupt | Shutdown, submission_id: str | None = None) -> str:
        """Queue a submission; returns its id (a fresh UUIDv7 unless given, as
        0.107.0 numbers them: a turn's id is its submission's)."""
        if self._closing:
            raise ConversationClosed(str(self.id))
        submission = Submission(str(uuid7()) if submission_id is None else submission_id, op)
        self._send.send_nowait(submission)
        return submission.id

    @property
    def running_turn_id(self) -> str | None:
        """The submission id (a v2 turn's id) of the running turn, if any."""
        return self._turn.submission_id if self._turn is not None else None

    def steer(self, items: list[InputItem]) -> None:
        """Add input to the running turn: the model gets it with its next request."""
        self._configured().pending_input.extend(items)

    def take_submission_id(self) -> str:
        """The id of a submission made without a queue entry (the client's
        answer to an approval request is one, for the reference)."""
        return str(uuid7())

    def abort_turn(self, reason: TurnAbortReason) -> None:
        """Stop the running turn from inside it (the user chose ``abort`` at an
        approval request); ``turn_aborted`` follows once it has stopped."""
        if self._turn is not None:
            self._turn.abort(reason)

    async def interrupt(self) -> TurnAbortReason:
        """Stop the running turn (``turn_aborted`` is sent first); returns at
        once when no turn runs."""
        op = Interrupt()
        self.submit(op)
        await op.done.wait()
        return TurnAbortReason.INTERRUPTED

    async def shutdown(self) -> None:
        """Abort the running turn, write what is queued for the rollout, send
        ``shutdown_complete``, and stop."""
        if not self._started:
            # Its task has not started yet: it will stop at once (see `run`).
            self._closing = True
            await self._release()
            self._mark_stopped()
            return
        if not self._closing:
            self.submit(Shutdown())
            self._closing = True
        await self._stopped.wait()

    async def close_for_exit(self) -> None:
        """The daemon is exiting (its tasks are cancelled already): finish
        writing the rollout."""
        self._closing = True
        await self._release()

    async def _release(self) -> None:
        """Write what is queued for the rollout and close it; stop the MCP
        servers. Safe to call more than once."""
        if self.recorder is not None:
            await self.recorder.close()
        if self.agent is not None:
            await self.agent.mcp.aclose()

    async def deliver_startup_events(self) -> None:
        """What happened while the conversation started (MCP servers that
        failed), to the listeners there are now; sent once."""
        events, self._startup_events = self._startup_events, []
        for event in events:
            await self.emit("", event)

    # -- what the agent calls (the `TurnHost`) ---------------------------------

    @property
    def thread_id(self) -> UUID:
        return self.id

    @property
    def user_agent(self) -> str:
        return self._services.user_agent()

    def credentials(self, config: Config) -> CredentialsSource:
        return self._services.credentials(config)

    @property
    def telemetry(self) -> ConversationTelemetry | None:
        return self._services.telemetry(self)

    async def ask_approval(
        self, submission_id: str, question: ApprovalQuestion
    ) -> ReviewDecisionKind:
        async def announce(event: EventMsg) -> None:
            await self.emit(submission_id, event)

        if self.v2 is not None and not self.v2.v1_only:
            return await ask_client_v2(
                question,
                face=self.v2,
                turn_id=submission_id,
                outgoing=self.subscribers,
                announce=announce,
                answered=self.take_submission_id,
            )
        return await ask_client(
            question,
            conversation_id=self.id,
            turn_id=submission_id,
            outgoing=FanOut(self.audience),
            announce=announce,
            answered=self.take_submission_id,
            face=self.v2,
        )

    async def report_rate_limits(self, snapshot: RateLimitSnapshot) -> None:
        update = AccountRateLimitsUpdatedNotification(rate_limits=account_rate_limits(snapshot))
        await FanOut(self.audience).notify(methods.ACCOUNT_RATE_LIMITS_UPDATED, update)

    async def emit(self, submission_id: str, event: EventMsg) -> None:
        """Send ``event`` to every listener as ``codex/event/<type>``, and
        record it in the rollout when the reference persists its kind. It is
        serialised once, and not at all when nobody would get it."""
        face = self.v2
        if face is not None:
            await face.before(submission_id, event)
        await self._emit_legacy(submission_id, event)
        if face is not None:
            await face.after(submission_id, event)

    async def _emit_legacy(self, submission_id: str, event: EventMsg) -> None:
        kind = event.type
        if not self.preview and isinstance(event, UserMessageEvent):
            self.preview = event.message
        persisted = kind in PERSISTED_EVENT_TYPES
        method = "codex/event/" + kind
        raw = isinstance(event, RawResponseItemEvent)
        listeners = [
            listener
            for listener in self.listeners
            if (listener.raw_events or not raw) and listener.connection.face.wants(method)
        ]
        if not (listeners or persisted):
            return
        payload = event.__pydantic_serializer__.to_json(event)
        if persisted:
            self._record("event_msg", payload)
        if not listeners:
            return
        message = (
            b'{"method":"codex/event/'
            + kind.encode()
            + b'","params":{"id":'
            + pydantic_core.to_json(submission_id)
            + b',"msg":'
            + payload
            + b',"conversationId":'
            + self._id_json
            + b"}}\n"
        )
        for listener in listeners:
            await listener.connection.send(message)

    async def emit_raw_item(self, submission_id: str, item: ResponseItem) -> None:
        """``codex/event/raw_response_item``, for listeners that asked for it.
        Without them the event is not even made (its model is built lazily,
        at its first use, and most clients never ask for it)."""
        if any(listener.raw_events for listener in self.listeners):
            await self.emit(submission_id, RawResponseItemEvent(item=item))

    async def mcp_tool_call_progress(self, submission_id: str, call_id: str, message: str) -> None:
        """An MCP tool call's progress, to the v2 face (`McpProgressSink`)."""
        if self.v2 is not None:
            await self.v2.mcp_tool_call_progress(call_id, message)

    def record_items(self, items: Iterable[ResponseItem]) -> None:
        """Keep model items in the rollout (those the reference keeps)."""
        for item in items:
            if is_persisted_response_item(item):
                self._record("response_item", item.__pydantic_serializer__.to_json(item))

    def record_turn_context(self, context: TurnContextItem) -> None:
        self._record("turn_context", context.__pydantic_serializer__.to_json(context))

    @property
    def materialized(self) -> bool:
        """Whether the thread's rollout file exists (it is made with the first turn)."""
        return self.recorder is not None and self.recorder.materialized

    async def materialize(self) -> None:
        """Make the rollout file, if it is not made yet."""
        if self.recorder is None:
            return
        try:
            await self.recorder.materialize()
        except OSError as exc:
            # The turn goes on; its records wait for the next attempt.
            log.error("cannot create rollout %s: %s", self.recorder.path, exc)

    def record_compaction(self, compacted: CompactedItem) -> None:
        self._record("compacted", compacted.__pydantic_serializer__.to_json(compacted))

    async def flush(self) -> None:
        """Wait until everything recorded so far is in the file."""
        if self.recorder is not None:
            await self.recorder.flush()

    def _record(self, kind: str, payload: bytes) -> None:
        if self.recorder is None:
            log.error("conversation %s has no rollout yet; a %s record is lost", self.id, kind)
            return
        self.recorder.record(kind, payload)

    # -- the conversation's task ----------------------------------------------

    async def run(self) -> None:
        """Handle submissions in order until shut down."""
        self._started = True
        current_thread_id.set(str(self.id))  # named in every log line of its tasks
        try:
            if self._closing:
                # Shut down while it was starting (another resume of its file,
                # an archive): what `configure` gave it is released here.
                await self._release()
                return
            async with anyio.create_task_group() as tasks:
                self._tasks = tasks
                if self.recorder is not None:
                    tasks.start_soon(self.recorder.run)
                async for submission in self._receive:
                    op = submission.op
                    if isinstance(op, UserTurn):
                        self._queued.append((submission, op))
                        self._start_next_turn()
                    elif isinstance(op, Interrupt):
                        self._interrupt(op)
                    else:
                        await self._shutdown(submission)
                        break
                tasks.cancel_scope.cancel()
        except Exception:
            # The daemon goes on; the conversation is gone ("not found").
            log.exception("conversation %s stopped after an unexpected failure", self.id)
            if self.v2 is not None:
                with anyio.CancelScope(shield=True):
                    await self.v2.set_status(ThreadStatusSystemError())
        finally:
            self._mark_stopped()

    def _mark_stopped(self) -> None:
        """Nothing more will be handled: an interrupt still queued is answered
        (there is no turn left to stop), a turn still queued is dropped."""
        self._closing = True
        if self._turn is not None:
            self._turn.finish()
        dropped = 0
        while True:
            try:
                submission = self._receive.receive_nowait()
            except (anyio.WouldBlock, anyio.ClosedResourceError):
                break
            if isinstance(submission.op, Interrupt):
                submission.op.done.set()
            elif isinstance(submission.op, UserTurn):
                dropped += 1
        if dropped:
            log.warning("conversation %s stopped with %d turn(s) not handled", self.id, dropped)
        self._receive.close()
        self._stopped.set()

    def _start_next_turn(self) -> None:
        if self._turn is not None or not self._queued or self._tasks is None:
            return
        submission, op = self._queued.popleft()
        agent = self._configured()
        if op.settings is not None:
            agent.settings = op.settings
        turn = self._turn = _RunningTurn(submission.id)
        self._tasks.start_soon(self._run_turn, agent, turn, op)

    async def _run_turn(self, agent: AgentThread, turn: _RunningTurn, op: UserTurn) -> None:
        await self.materialize()
        try:
            with turn.scope:
                await self._runner.run_turn(agent, self, turn.submission_id, op)
        except Exception:
            log.exception("a turn of conversation %s failed", self.id)
            await self.emit(turn.submission_id, ErrorEvent(message="the turn failed unexpectedly"))
            await self.emit(
                turn.submission_id,
                TurnCompleteEvent(turn_id=turn.submission_id, last_agent_message=None),
            )
        if turn.abort_reason is TurnAbortReason.INTERRUPTED:
            # The model is told, on its next request, that the user stopped this turn.
            marker = context_message(TURN_ABORTED_TEXT)
            agent.history.extend([marker])
            self.record_items([marker])
        if turn.abort_reason is not None:
            await self.emit(
                turn.submission_id,
                TurnAbortedEvent(turn_id=turn.submission_id, reason=turn.abort_reason),
            )
            await self.flush()
        self._turn = None
        turn.finish()
        if not self._closing:
            self._start_next_turn()

    def _interrupt(self, op: Interrupt) -> None:
        turn = self._turn
        if turn is None or self._tasks is None:
            op.done.set()
            return
        turn.abort(TurnAbortReason.INTERRUPTED)
        turn.interrupts.append(op.done)

    async def _shutdown(self, submission: Submission) -> None:
        self._closing = True
        if self._queued:
            log.warning(
                "conversation %s shut down with %d turn(s) not started",
                self.id,
                len(self._queued),
            )
            self._queued.clear()
        turn = self._turn
        if turn is not None:
            turn.abort(TurnAbortReason.INTERRUPTED)
            await turn.finished.wait()
        await self._release()
        await self.emit(submission.id, ShutdownCompleteEvent())
