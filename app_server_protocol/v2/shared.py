"""Top-level types of the reference that the v2 API uses (its TypeScript imports
them from ``../``): the ones the top-level modules already define are
re-exported from there; the ones they lack are defined here until they do.

Every v2 module imports these names from this module only, so that moving a
definition to its top-level home changes this file and nothing else.
"""

from enum import StrEnum

from typing_extensions import TypeAliasType

from .._base import JsonValue, SnakeModel
from ..common import (
    AuthMode,
    ForcedLoginMethod,
    ModeKind,
    ReasoningEffort,
    ReasoningSummary,
    SubAgentSource,
    Verbosity,
)
from ..items import MessagePhase, ResponseItem
from ..jsonrpc import RequestId
from ..mcp import Resource, ResourceTemplate, Tool
from ..usage import PlanType

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
