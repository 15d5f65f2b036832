"""Top-level types of the reference that the v2 API uses (its TypeScript imports
them from ``../``): the ones the top-level modules already define are
re-exported from there; the ones they lack are defined here until they do.

Every v2 module imports these names from this module only, so that moving a
definition to its top-level home changes this file and nothing else.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from typing_extensions import TypeAliasType

from .._base import JsonValue, SnakeModel
from ..common import AuthMode, ForcedLoginMethod, ReasoningEffort, ReasoningSummary, Verbosity
from ..items import ResponseItem
from ..jsonrpc import RequestId
from ..mcp import Resource, ResourceTemplate, Tool

__all__ = [
    "AbsolutePathBuf",
    "AuthMode",
    "CollaborationMode",
    "ForcedLoginMethod",
    "InputModality",
    "JsonValue",
    "MacOsAutomationValue",
    "MacOsPreferencesValue",
    "MessagePhase",
    "ModeKind",
    "Personality",
    "PlanType",
    "ReasoningEffort",
    "ReasoningSummary",
    "RequestId",
    "Resource",
    "ResourceTemplate",
    "ResponseItem",
    "Settings",
    "SubAgentSource",
    "ThreadId",
    "Tool",
    "Verbosity",
    "WebSearchMode",
]

AbsolutePathBuf = TypeAliasType("AbsolutePathBuf", str)
"""An absolute, normalised path (not necessarily canonical, nor existing)."""

MacOsPreferencesValue = TypeAliasType("MacOsPreferencesValue", bool | str)
"""Access to macOS preferences: all or nothing, or a named level."""

MacOsAutomationValue = TypeAliasType("MacOsAutomationValue", bool | list[str])
"""Automation of other macOS apps: all or nothing, or the listed bundle ids."""

ThreadId = TypeAliasType("ThreadId", str)
"""A thread's id (a UUID; Codex makes v7 ones)."""


class MessagePhase(StrEnum):
    """Whether an agent message is commentary on the way or the final answer
    (providers do not always say; None means unknown)."""

    COMMENTARY = "commentary"
    FINAL_ANSWER = "final_answer"


class PlanType(StrEnum):
    """The ChatGPT plan of the signed-in account."""

    FREE = "free"
    GO = "go"
    PLUS = "plus"
    PRO = "pro"
    TEAM = "team"
    BUSINESS = "business"
    ENTERPRISE = "enterprise"
    EDU = "edu"
    UNKNOWN = "unknown"


class Personality(StrEnum):
    """The tone the model takes with the user."""

    NONE = "none"
    FRIENDLY = "friendly"
    PRAGMATIC = "pragmatic"


class InputModality(StrEnum):
    """A kind of input a model accepts."""

    TEXT = "text"
    IMAGE = "image"


class WebSearchMode(StrEnum):
    """Whether the model may search the web, and how fresh the results are."""

    DISABLED = "disabled"
    CACHED = "cached"
    LIVE = "live"


class ModeKind(StrEnum):
    """A collaboration mode: plan first, or the default way of working."""

    PLAN = "plan"
    DEFAULT = "default"


class Settings(SnakeModel):
    """The settings a collaboration mode runs with."""

    model: str
    reasoning_effort: ReasoningEffort | None = None
    developer_instructions: str | None = None
    """None: the mode's built-in instructions."""


class CollaborationMode(SnakeModel):
    """A preset collaboration mode and its settings."""

    mode: ModeKind
    settings: Settings


class ThreadSpawn(SnakeModel):
    ts_inline: ClassVar[bool] = True
    parent_thread_id: ThreadId
    depth: int
    agent_nickname: str | None = None
    agent_role: str | None = None


class SubAgentSourceThreadSpawn(SnakeModel):
    """A sub-agent that another thread spawned."""

    ts_inline: ClassVar[bool] = True
    thread_spawn: ThreadSpawn


class SubAgentSourceOther(SnakeModel):
    ts_inline: ClassVar[bool] = True
    other: str


SubAgentSource = TypeAliasType(
    "SubAgentSource",
    Literal["review", "compact", "memory_consolidation"]
    | SubAgentSourceThreadSpawn
    | SubAgentSourceOther,
)
"""Why a sub-agent thread exists: a review, a compaction, a spawn by another
thread, memory consolidation, or another named reason."""
