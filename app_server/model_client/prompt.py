"""What one model request carries: the `Prompt` the turn loop hands the client."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app_server_protocol.common import ReasoningEffort, ReasoningSummary, Verbosity
from app_server_protocol.items import ResponseItem


@dataclass(frozen=True, slots=True)
class Reasoning:
    """The ``reasoning`` parameter, for models that reason (None fields are left out)."""

    effort: ReasoningEffort | None = None
    summary: ReasoningSummary | None = None

    def to_json(self) -> dict[str, str]:
        value: dict[str, str] = {}
        if self.effort is not None:
            value["effort"] = self.effort.value
        if self.summary is not None:
            value["summary"] = self.summary.value
        return value


@dataclass(frozen=True, slots=True)
class Prompt:
    """The content of one model request."""

    model: str
    instructions: str
    """The system instructions (Responses ``instructions``; the Chat system message)."""
    input: Sequence[ResponseItem]
    """The conversation so far, as the model sees it."""
    tools: Sequence[Mapping[str, Any]] = ()
    """Tool definitions in the Responses API shape (``{"type": "function", "name": ...}``);
    Chat Completions gets the function tools, converted."""
    parallel_tool_calls: bool = False
    reasoning: Reasoning | None = None
    """None for models that do not reason: the body says ``"reasoning": null``."""
    verbosity: Verbosity | None = None
    output_schema: Mapping[str, Any] | None = None
    """A JSON schema the final message must follow (Responses API only)."""
