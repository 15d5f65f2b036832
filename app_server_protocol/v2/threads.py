"""Threads: a conversation with the agent, its status and token usage, and the
`thread/*` methods that start, resume, fork, list, read, name, archive and
roll one back."""

from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator
from typing_extensions import TypeAliasType

from .._base import CamelModel, JsonValue, UInt32, WithNewerFields
from .common import (
    ApprovalsReviewer,
    AskForApproval,
    GitInfo,
    SandboxMode,
    SandboxPolicy,
    SessionSource,
    ThreadSourceKind,
)
from .shared import Personality, ReasoningEffort, ResponseItem
from .turns import Turn


class ThreadActiveFlag(StrEnum):
    """What a running thread is waiting for, if anything."""

    WAITING_ON_APPROVAL = "waitingOnApproval"
    WAITING_ON_USER_INPUT = "waitingOnUserInput"


class ThreadStatusNotLoaded(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["notLoaded"] = "notLoaded"


class ThreadStatusIdle(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["idle"] = "idle"


class ThreadStatusSystemError(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["systemError"] = "systemError"


class ThreadStatusActive(CamelModel):
    """Running a turn."""

    ts_inline: ClassVar[bool] = True
    type: Literal["active"] = "active"
    active_flags: list[ThreadActiveFlag]


ThreadStatus = TypeAliasType(
    "ThreadStatus",
    Annotated[
        ThreadStatusNotLoaded | ThreadStatusIdle | ThreadStatusSystemError | ThreadStatusActive,
        Field(discriminator="type"),
    ],
)
"""What a thread is doing: not loaded in memory, idle, broken, or running a turn."""


class Thread(WithNewerFields):
    """A thread and what the daemon knows of it. `turns` is filled only where
    its history is returned (`thread/resume`, `thread/fork`, `thread/rollback`,
    and `thread/read` with `includeTurns`); elsewhere it is empty."""

    newer_fields: ClassVar[frozenset[str]] = frozenset({"sessionId"})

    id: str
    session_id: str
    """The id shared by the threads of one session tree: a root thread's own id,
    its root's for a fork or sub-agent. Newer than 0.107.0 (older clients ignore
    it); when a message lacks it, the thread's own id is assumed."""
    preview: str
    """Usually the user's first message."""
    ephemeral: bool
    model_provider: str
    created_at: int
    """Unix time, in seconds."""
    updated_at: int
    """Unix time, in seconds."""
    status: ThreadStatus
    path: str | None = None
    cwd: str
    cli_version: str
    source: SessionSource
    agent_nickname: str | None = None
    agent_role: str | None = None
    git_info: GitInfo | None = None
    name: str | None = None
    turns: list[Turn]

    @model_validator(mode="before")
    @classmethod
    def _root_session(cls, data: Any) -> Any:
        if isinstance(data, dict) and "sessionId" not in data and "session_id" not in data:
            return {**data, "sessionId": data.get("id")}
        return data


class TokenUsageBreakdown(CamelModel):
    """Token counts."""

    total_tokens: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    reasoning_output_tokens: int


class ThreadTokenUsage(CamelModel):
    """The tokens of the whole thread, of its last model response, and the model's context
    window."""

    total: TokenUsageBreakdown
    last: TokenUsageBreakdown
    model_context_window: int | None = None


class DynamicToolSpec(CamelModel):
    """A tool the client provides and runs itself (`item/tool/call`)."""

    name: str
    description: str
    input_schema: JsonValue


class ThreadStartParams(CamelModel):
    """Start a thread. Each setting given overrides `config.toml`."""

    model: str | None = None
    model_provider: str | None = None
    cwd: str | None = None
    approval_policy: AskForApproval | None = None
    approvals_reviewer: ApprovalsReviewer | None = None
    """Who answers approval requests (newer than 0.107.0)."""
    sandbox: SandboxMode | None = None
    config: dict[str, JsonValue] | None = None
    service_name: str | None = None
    base_instructions: str | None = None
    developer_instructions: str | None = None
    personality: Personality | None = None
    ephemeral: bool | None = None
    dynamic_tools: list[DynamicToolSpec] | None = None
    mock_experimental_field: str | None = None
    experimental_raw_events: bool = False
    """Also send the model's raw Responses API items (`rawResponseItem/completed`)."""
    persist_extended_history: bool = False
    """Record more events in the rollout, so that a later resume, fork or read
    can rebuild a richer history."""


class ThreadStartResponse(WithNewerFields):
    newer_fields: ClassVar[frozenset[str]] = frozenset({"approvalsReviewer"})

    thread: Thread
    model: str
    model_provider: str
    cwd: str
    approval_policy: AskForApproval
    approvals_reviewer: ApprovalsReviewer = ApprovalsReviewer.USER
    """Newer than 0.107.0; older clients ignore it."""
    sandbox: SandboxPolicy
    reasoning_effort: ReasoningEffort | None = None


class ThreadResumeParams(CamelModel):
    """Load a recorded thread and continue it. `history` (unstable) wins over `path`, which wins
    over `threadId`."""

    thread_id: str
    history: list[ResponseItem] | None = None
    path: str | None = None
    model: str | None = None
    model_provider: str | None = None
    cwd: str | None = None
    approval_policy: AskForApproval | None = None
    approvals_reviewer: ApprovalsReviewer | None = None
    """Who answers approval requests (newer than 0.107.0)."""
    sandbox: SandboxMode | None = None
    config: dict[str, JsonValue] | None = None
    base_instructions: str | None = None
    developer_instructions: str | None = None
    personality: Personality | None = None
    persist_extended_history: bool = False


class ThreadResumeResponse(WithNewerFields):
    newer_fields: ClassVar[frozenset[str]] = frozenset({"approvalsReviewer"})

    thread: Thread
    model: str
    model_provider: str
    cwd: str
    approval_policy: AskForApproval
    approvals_reviewer: ApprovalsReviewer = ApprovalsReviewer.USER
    """Newer than 0.107.0; older clients ignore it."""
    sandbox: SandboxPolicy
    reasoning_effort: ReasoningEffort | None = None


class ThreadForkParams(CamelModel):
    """Copy a recorded thread into a new one. `path` (unstable) wins over `threadId`."""

    thread_id: str
    path: str | None = None
    model: str | None = None
    model_provider: str | None = None
    cwd: str | None = None
    approval_policy: AskForApproval | None = None
    approvals_reviewer: ApprovalsReviewer | None = None
    """Who answers approval requests (newer than 0.107.0)."""
    sandbox: SandboxMode | None = None
    config: dict[str, JsonValue] | None = None
    base_instructions: str | None = None
    developer_instructions: str | None = None
    persist_extended_history: bool = False


class ThreadForkResponse(WithNewerFields):
    newer_fields: ClassVar[frozenset[str]] = frozenset({"approvalsReviewer"})

    thread: Thread
    model: str
    model_provider: str
    cwd: str
    approval_policy: AskForApproval
    approvals_reviewer: ApprovalsReviewer = ApprovalsReviewer.USER
    """Newer than 0.107.0; older clients ignore it."""
    sandbox: SandboxPolicy
    reasoning_effort: ReasoningEffort | None = None


class ThreadArchiveParams(CamelModel):
    """Move a thread's rollout to the archive."""

    thread_id: str


class ThreadArchiveResponse(CamelModel):
    pass


class ThreadUnarchiveParams(CamelModel):
    """Bring an archived thread back."""

    thread_id: str


class ThreadUnarchiveResponse(CamelModel):
    thread: Thread


class ThreadUnsubscribeParams(CamelModel):
    """Stop receiving a thread's notifications on this connection."""

    thread_id: str


class ThreadUnsubscribeStatus(StrEnum):
    """What `thread/unsubscribe` found."""

    NOT_LOADED = "notLoaded"
    NOT_SUBSCRIBED = "notSubscribed"
    UNSUBSCRIBED = "unsubscribed"


class ThreadUnsubscribeResponse(CamelModel):
    status: ThreadUnsubscribeStatus


class ThreadSetNameParams(CamelModel):
    """Give a thread a title."""

    thread_id: str
    name: str


class ThreadSetNameResponse(CamelModel):
    pass


class ThreadRollbackParams(CamelModel):
    """Drop the last turns of a thread's history (files the agent changed stay changed)."""

    thread_id: str
    num_turns: UInt32
    """At least 1 (the handler says so when it is 0)."""


class ThreadRollbackResponse(CamelModel):
    thread: Thread


class ThreadSortKey(StrEnum):
    """The order of `thread/list`."""

    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


class ThreadListParams(CamelModel):
    """List recorded threads, newest first, a page at a time."""

    cursor: str | None = None
    limit: UInt32 | None = None
    sort_key: ThreadSortKey | None = None
    model_providers: list[str] | None = None
    source_kinds: list[ThreadSourceKind] | None = None
    archived: bool | None = None
    cwd: str | None = None
    search_term: str | None = None


class ThreadListResponse(CamelModel):
    """A page of threads; `nextCursor` is null on the last page."""

    data: list[Thread]
    next_cursor: str | None = None


class ThreadLoadedListParams(CamelModel):
    """List the threads loaded in memory."""

    cursor: str | None = None
    limit: UInt32 | None = None


class ThreadLoadedListResponse(CamelModel):
    """A page of thread ids; `nextCursor` is null on the last page."""

    data: list[str]
    next_cursor: str | None = None


class ThreadReadParams(CamelModel):
    """Read a thread, with its turns if asked."""

    thread_id: str
    include_turns: bool = False


class ThreadReadResponse(CamelModel):
    thread: Thread


class ThreadCompactStartParams(CamelModel):
    """Compact a thread's history now."""

    thread_id: str


class ThreadCompactStartResponse(CamelModel):
    pass
