"""Notifications the server sends on the v2 API (`thread/*`, `turn/*`,
`item/*`, `account/*`, ...). Their payloads are camelCase."""

import time
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from .._base import CamelModel, JsonValue, WithNewerFields, optional
from .account import RateLimitSnapshot
from .apps import AppInfo
from .common import TextRange
from .items import ThreadItem
from .shared import AuthMode, RequestId, ResponseItem
from .threads import Thread, ThreadStatus, ThreadTokenUsage
from .turns import Turn, TurnError, TurnPlanStep


def unix_time_ms() -> int:
    """Now, in milliseconds since the Unix epoch."""
    return time.time_ns() // 1_000_000


class ErrorNotification(CamelModel):
    """A turn met an error (`error`)."""

    error: TurnError
    will_retry: bool
    """The turn retries by itself; this error is not its end."""
    thread_id: str
    turn_id: str


class ThreadStartedNotification(CamelModel):
    """A thread was started, resumed or forked (`thread/started`)."""

    thread: Thread


class ThreadStatusChangedNotification(CamelModel):
    """A thread's status changed."""

    thread_id: str
    status: ThreadStatus


class ThreadArchivedNotification(CamelModel):
    """A thread was archived."""

    thread_id: str


class ThreadUnarchivedNotification(CamelModel):
    """A thread was brought back from the archive."""

    thread_id: str


class ThreadClosedNotification(CamelModel):
    """A thread was unloaded from memory."""

    thread_id: str


class ThreadNameUpdatedNotification(CamelModel):
    """A thread's title changed (`threadName` is absent when it was cleared)."""

    thread_id: str
    thread_name: str | None = optional()


class ThreadTokenUsageUpdatedNotification(CamelModel):
    """A thread's token usage, after a model response."""

    thread_id: str
    turn_id: str
    token_usage: ThreadTokenUsage


class TurnStartedNotification(CamelModel):
    """A turn started."""

    thread_id: str
    turn: Turn


class TurnCompletedNotification(CamelModel):
    """A turn ended (completed, interrupted or failed)."""

    thread_id: str
    turn: Turn


class TurnDiffUpdatedNotification(CamelModel):
    """The unified diff of everything the turn's patches changed so far."""

    thread_id: str
    turn_id: str
    diff: str


class TurnPlanUpdatedNotification(CamelModel):
    """The agent's plan changed."""

    thread_id: str
    turn_id: str
    explanation: str | None = None
    plan: list[TurnPlanStep]


class ItemStartedNotification(WithNewerFields):
    """An item of a turn started."""

    newer_fields: ClassVar[frozenset[str]] = frozenset({"startedAtMs"})

    item: ThreadItem
    thread_id: str
    turn_id: str
    started_at_ms: int = Field(default_factory=unix_time_ms)
    """When, in milliseconds since the Unix epoch (now, unless given). Newer
    than 0.107.0: older clients ignore it, newer SDKs require it."""


class ItemCompletedNotification(WithNewerFields):
    """An item of a turn is complete: its final state."""

    newer_fields: ClassVar[frozenset[str]] = frozenset({"completedAtMs"})

    item: ThreadItem
    thread_id: str
    turn_id: str
    completed_at_ms: int = Field(default_factory=unix_time_ms)
    """When, in milliseconds since the Unix epoch (now, unless given). Newer
    than 0.107.0: older clients ignore it, newer SDKs require it."""


class RawResponseItemCompletedNotification(CamelModel):
    """A raw Responses API item (only with `experimentalRawEvents`)."""

    thread_id: str
    turn_id: str
    item: ResponseItem


class AgentMessageDeltaNotification(CamelModel):
    """More text of an agent message."""

    thread_id: str
    turn_id: str
    item_id: str
    delta: str


class PlanDeltaNotification(CamelModel):
    """More text of a proposed plan (experimental; the completed item is what counts)."""

    thread_id: str
    turn_id: str
    item_id: str
    delta: str


class CommandExecutionOutputDeltaNotification(CamelModel):
    """More output of a running command."""

    thread_id: str
    turn_id: str
    item_id: str
    delta: str


class TerminalInteractionNotification(CamelModel):
    """The agent wrote to the stdin of a running process."""

    thread_id: str
    turn_id: str
    item_id: str
    process_id: str
    stdin: str


class FileChangeOutputDeltaNotification(CamelModel):
    """More output of a patch being applied."""

    thread_id: str
    turn_id: str
    item_id: str
    delta: str


class ServerRequestResolvedNotification(CamelModel):
    """A request the server sent is settled (answered, or no longer needed)."""

    thread_id: str
    request_id: RequestId


class McpToolCallProgressNotification(CamelModel):
    """Progress of an MCP tool call."""

    thread_id: str
    turn_id: str
    item_id: str
    message: str


class McpServerOauthLoginCompletedNotification(CamelModel):
    """An MCP OAuth login ended."""

    name: str
    success: bool
    error: str | None = optional()


class AccountUpdatedNotification(CamelModel):
    """The sign-in changed (`authMode` is null when signed out)."""

    auth_mode: AuthMode | None = None


class AccountRateLimitsUpdatedNotification(CamelModel):
    """The account's rate limits changed."""

    rate_limits: RateLimitSnapshot


class AppListUpdatedNotification(CamelModel):
    """The list of apps changed (experimental)."""

    data: list[AppInfo]


class ReasoningSummaryTextDeltaNotification(CamelModel):
    """More text of a reasoning summary paragraph."""

    thread_id: str
    turn_id: str
    item_id: str
    delta: str
    summary_index: int
    """Which paragraph of the reasoning summary."""


class ReasoningSummaryPartAddedNotification(CamelModel):
    """A new reasoning summary paragraph starts."""

    thread_id: str
    turn_id: str
    item_id: str
    summary_index: int


class ReasoningTextDeltaNotification(CamelModel):
    """More raw reasoning text."""

    thread_id: str
    turn_id: str
    item_id: str
    delta: str
    content_index: int
    """Which part of the raw reasoning."""


class ContextCompactedNotification(CamelModel):
    """The thread's history was compacted (superseded by the `contextCompaction` item)."""

    thread_id: str
    turn_id: str


class ModelRerouteReason(StrEnum):
    """Why a turn moved to another model."""

    HIGH_RISK_CYBER_ACTIVITY = "highRiskCyberActivity"


class ModelReroutedNotification(CamelModel):
    """A turn moved to another model."""

    thread_id: str
    turn_id: str
    from_model: str
    to_model: str
    reason: ModelRerouteReason


class DeprecationNoticeNotification(CamelModel):
    """Something the client uses is deprecated."""

    summary: str
    details: str | None = None


class ConfigWarningNotification(CamelModel):
    """A problem in the configuration, and where it is when known."""

    summary: str
    details: str | None = None
    path: str | None = optional()
    range: TextRange | None = optional()


class ThreadRealtimeAudioChunk(CamelModel):
    """A chunk of audio (experimental)."""

    data: str
    sample_rate: int
    num_channels: int
    samples_per_channel: int | None = None


class ThreadRealtimeStartedNotification(CamelModel):
    """Realtime started on a thread (experimental)."""

    thread_id: str
    session_id: str | None = None


class ThreadRealtimeItemAddedNotification(CamelModel):
    """A non-audio realtime item from the backend (experimental)."""

    thread_id: str
    item: JsonValue


class ThreadRealtimeOutputAudioDeltaNotification(CamelModel):
    """Realtime output audio (experimental)."""

    thread_id: str
    audio: ThreadRealtimeAudioChunk


class ThreadRealtimeErrorNotification(CamelModel):
    """Realtime failed (experimental)."""

    thread_id: str
    message: str


class ThreadRealtimeClosedNotification(CamelModel):
    """Realtime stopped (experimental)."""

    thread_id: str
    reason: str | None = None


class WindowsWorldWritableWarningNotification(CamelModel):
    """Windows: folders anyone can write to weaken the sandbox."""

    sample_paths: list[str]
    extra_count: int
    failed_scan: bool


class WindowsSandboxSetupMode(StrEnum):
    """Windows: how the sandbox is set up."""

    ELEVATED = "elevated"
    UNELEVATED = "unelevated"


class WindowsSandboxSetupCompletedNotification(CamelModel):
    """Windows: the sandbox setup ended."""

    mode: WindowsSandboxSetupMode
    success: bool
    error: str | None = None


class AccountLoginCompletedNotification(CamelModel):
    """A login started by `account/login/start` ended."""

    login_id: str | None = None
    success: bool
    error: str | None = None
