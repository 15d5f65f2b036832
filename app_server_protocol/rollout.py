"""Rollout files: the JSON Lines record of a conversation under
``CODEX_HOME/sessions/YYYY/MM/DD/rollout-<local time>-<uuid>.jsonl``.

A file format shared with the reference (each reads the other's files), not
part of the wire protocol: these models are not exported to TypeScript.

Every line is ``{"timestamp", "type", "payload"}``: the timestamp is when the
line was recorded (UTC, milliseconds, ``Z``) and ``type`` says what the
payload is. A line that does not validate is skipped by every reader, as the
reference skips it.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Final, Literal

from pydantic import Field, TypeAdapter, field_validator
from typing_extensions import TypeAliasType

from ._base import SnakeModel, skip_none
from .common import (
    AskForApproval,
    ConversationId,
    ReasoningEffort,
    ReasoningSummary,
    SandboxPolicy,
)
from .events import EventMsg
from .items import ResponseItem


class SessionSource(StrEnum):
    """Which kind of client started the conversation."""

    CLI = "cli"
    VSCODE = "vscode"
    EXEC = "exec"
    MCP = "mcp"
    UNKNOWN = "unknown"
    """Any other name (a newer version's); such conversations are not listed."""


#: Sources whose conversations `listConversations` shows.
INTERACTIVE_SOURCES: Final = frozenset({SessionSource.CLI, SessionSource.VSCODE})


class GitInfo(SnakeModel):
    """The repository the conversation started in (each part only when git knew it)."""

    commit_hash: str | None = skip_none()
    branch: str | None = skip_none()
    repository_url: str | None = skip_none()


class SessionMeta(SnakeModel):
    """The payload of a ``session_meta`` line: who started the conversation, where."""

    id: ConversationId
    timestamp: str = Field(description="When the conversation started (UTC, RFC 3339).")
    cwd: str
    originator: str
    cli_version: str
    instructions: str | None = Field(
        default=None, description="The user's instructions (AGENTS.md files) at the start."
    )
    source: SessionSource = SessionSource.VSCODE
    git: GitInfo | None = skip_none()

    @field_validator("source", mode="before")
    @classmethod
    def _unknown_source(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in SessionSource._value2member_map_:
            return SessionSource.UNKNOWN
        return value


class TurnContextItem(SnakeModel):
    """The payload of a ``turn_context`` line: the settings a turn ran with."""

    cwd: str
    approval_policy: AskForApproval
    sandbox_policy: SandboxPolicy
    model: str
    effort: ReasoningEffort | None = skip_none()
    summary: ReasoningSummary


class CompactedItem(SnakeModel):
    """The payload of a ``compacted`` line: the summary that replaced older history."""

    message: str


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


RolloutLine = TypeAliasType(
    "RolloutLine",
    Annotated[
        SessionMetaLine | ResponseItemLine | EventMsgLine | TurnContextLine | CompactedLine,
        Field(discriminator="type"),
    ],
)
"""One line of a rollout file."""


@cache
def rollout_line_adapter() -> TypeAdapter[RolloutLine]:
    """Validates a line from its bytes: ``.validate_json(line, strict=True)``.
    Built on first use (building it takes a while)."""
    return TypeAdapter(RolloutLine)


#: Event kinds the reference records in rollout files; every other event is
#: only sent to listeners.
PERSISTED_EVENT_TYPES: Final = frozenset(
    {
        "user_message",
        "agent_message",
        "agent_reasoning",
        "agent_reasoning_raw_content",
        "token_count",
        "entered_review_mode",
        "exited_review_mode",
        "turn_aborted",
    }
)


def is_persisted_response_item(item: ResponseItem) -> bool:
    """Every model item is recorded except those of an unknown kind."""
    return item.type != "other"
