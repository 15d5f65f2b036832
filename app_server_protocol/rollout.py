"""Rollout files: the JSON Lines record of a conversation under
``CODEX_HOME/sessions/YYYY/MM/DD/rollout-<local time>-<uuid>.jsonl``.

A file format shared with the reference (each reads the other's files), not
part of the wire protocol: these models are not exported to TypeScript.

Every line is ``{"timestamp", "type", "payload"}``: the timestamp is when the
line was recorded (UTC, milliseconds, ``Z``) and ``type`` says what the
payload is. A line that does not validate is skipped by every reader, as the
reference skips it.
"""

from functools import cache
from typing import Annotated, Final, Literal

from pydantic import ConfigDict, Field, TypeAdapter
from typing_extensions import TypeAliasType

from ._base import JsonValue, SnakeModel, skip_none
from .common import (
    AskForApproval,
    ConversationId,
    ModeKind,
    ReasoningEffort,
    ReasoningSummary,
    SandboxPolicy,
    SessionSource,
    SessionSourceKind,
)
from .events import EventMsg, UserMessageEvent
from .items import ResponseItem

#: Sources whose conversations `listConversations` shows.
INTERACTIVE_SOURCES: Final = frozenset({SessionSourceKind.CLI, SessionSourceKind.VSCODE})


class GitInfo(SnakeModel):
    """The repository the conversation started in (each part only when git knew it)."""

    commit_hash: str | None = skip_none()
    branch: str | None = skip_none()
    repository_url: str | None = skip_none()


class BaseInstructions(SnakeModel):
    text: str


class SessionMeta(SnakeModel):
    """The payload of a ``session_meta`` line: who started the conversation, where."""

    id: ConversationId
    forked_from_id: ConversationId | None = skip_none()
    timestamp: str = Field(description="When the conversation started (UTC, RFC 3339).")
    cwd: str
    originator: str
    cli_version: str
    instructions: str | None = skip_none(
        "The user's instructions (AGENTS.md files) at the start (written by 0.50 and by us)."
    )
    source: SessionSource = SessionSourceKind.VSCODE
    agent_nickname: str | None = skip_none()
    agent_role: str | None = skip_none()
    model_provider: str | None = skip_none()
    base_instructions: BaseInstructions | None = skip_none()
    dynamic_tools: list[JsonValue] | None = skip_none()
    git: GitInfo | None = skip_none()


class CollaborationSettings(SnakeModel):
    model: str
    reasoning_effort: ReasoningEffort | None = None
    developer_instructions: str | None = None


class CollaborationMode(SnakeModel):
    mode: ModeKind
    settings: CollaborationSettings


class TurnContextItem(SnakeModel):
    """The payload of a ``turn_context`` line: the settings a turn ran with.

    Keys this version does not know are kept, so that a line reads and writes
    back unchanged."""

    model_config = ConfigDict(extra="allow")

    turn_id: str | None = skip_none()
    cwd: str
    current_date: str | None = skip_none()
    timezone: str | None = skip_none()
    approval_policy: AskForApproval
    sandbox_policy: SandboxPolicy
    network: JsonValue | None = skip_none()
    model: str
    personality: str | None = skip_none()
    collaboration_mode: CollaborationMode | None = skip_none()
    effort: ReasoningEffort | None = skip_none()
    summary: ReasoningSummary
    user_instructions: str | None = skip_none()
    developer_instructions: str | None = skip_none()
    final_output_json_schema: JsonValue | None = skip_none()
    truncation_policy: JsonValue | None = skip_none()


class CompactedItem(SnakeModel):
    """The payload of a ``compacted`` line: the summary that replaced older history."""

    message: str
    replacement_history: list[ResponseItem] | None = skip_none()


class SessionMetaLine(SnakeModel):
    timestamp: str
    type: Literal["session_meta"] = "session_meta"
    payload: SessionMeta


class ResponseItemLine(SnakeModel):
    timestamp: str
    type: Literal["response_item"] = "response_item"
    payload: ResponseItem


class EventMsgLine(SnakeModel):
    timestamp: str
    type: Literal["event_msg"] = "event_msg"
    payload: EventMsg


class TurnContextLine(SnakeModel):
    timestamp: str
    type: Literal["turn_context"] = "turn_context"
    payload: TurnContextItem


class CompactedLine(SnakeModel):
    timestamp: str
    type: Literal["compacted"] = "compacted"
    payload: CompactedItem


class UserMessageLine(SnakeModel):
    """An ``event_msg`` line of a user message: the one event a reader of
    the model's history looks at (for the thread's preview)."""

    timestamp: str
    type: Literal["event_msg"] = "event_msg"
    payload: UserMessageEvent


RolloutLine = TypeAliasType(
    "RolloutLine",
    Annotated[
        SessionMetaLine | ResponseItemLine | EventMsgLine | TurnContextLine | CompactedLine,
        Field(discriminator="type"),
    ],
)
"""One line of a rollout file."""


HistoryLine = TypeAliasType(
    "HistoryLine",
    Annotated[
        SessionMetaLine | ResponseItemLine | UserMessageLine | TurnContextLine | CompactedLine,
        Field(discriminator="type"),
    ],
)
"""A rollout line as a reader that keeps no event sees it: other events do not validate."""


@cache
def rollout_line_adapter() -> TypeAdapter[RolloutLine]:
    """Validates a line from its bytes: ``.validate_json(line, strict=True)``.
    Built on first use (building it takes a while). The values read are
    not cached (only the keys): a long rollout's ids and short texts would
    otherwise stay in pydantic's string cache, scattered among the parse's
    freed memory, which could then not be given back."""
    return TypeAdapter(RolloutLine, config=ConfigDict(cache_strings="keys"))


@cache
def history_line_adapter() -> TypeAdapter[HistoryLine]:
    """`rollout_line_adapter` for a reader that keeps no event (a v2 resume):
    without the validators of the eighty-odd event kinds, a daemon that only
    resumes threads never builds them (over a megabyte)."""
    return TypeAdapter(HistoryLine, config=ConfigDict(cache_strings="keys"))


#: Event kinds the reference records in rollout files; every other event is
#: only sent to listeners.
PERSISTED_EVENT_TYPES: Final = frozenset(
    {
        "user_message",
        "agent_message",
        "agent_reasoning",
        "agent_reasoning_raw_content",
        "token_count",
        "task_started",
        "task_complete",
        "context_compacted",
        "thread_rolled_back",
        "undo_completed",
        "entered_review_mode",
        "exited_review_mode",
        "turn_aborted",
    }
)


def is_persisted_response_item(item: ResponseItem) -> bool:
    """Every model item is recorded except those of an unknown kind."""
    return item.type != "other"
