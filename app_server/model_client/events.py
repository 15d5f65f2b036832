"""What a model stream yields to the turn loop.

One small frozen dataclass per kind of event; `ModelEvent` is their union.
Both wire APIs produce the same events (Chat Completions is mapped onto the
Responses API's vocabulary), so the turn loop has one thing to consume.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from app_server_protocol.items import ResponseItem
from app_server_protocol.usage import RateLimitSnapshot, TokenUsage

if TYPE_CHECKING:
    from .errors import ModelError


@dataclass(frozen=True, slots=True)
class Created:
    """The provider accepted the request and started the response."""


@dataclass(frozen=True, slots=True)
class OutputTextDelta:
    """A piece of the assistant message being written."""

    delta: str


@dataclass(frozen=True, slots=True)
class ReasoningSummaryDelta:
    """A piece of the reasoning summary."""

    delta: str


@dataclass(frozen=True, slots=True)
class ReasoningSummaryPartAdded:
    """A new section of the reasoning summary starts."""

    item_id: str = ""
    summary_index: int = 0


@dataclass(frozen=True, slots=True)
class ReasoningContentDelta:
    """A piece of raw reasoning text (providers that expose it)."""

    delta: str


@dataclass(frozen=True, slots=True)
class OutputItemAdded:
    """The model started an output item (its content is usually not final)."""

    item: ResponseItem


@dataclass(frozen=True, slots=True)
class OutputItemDone:
    """An output item is complete: a message, reasoning, a tool call, ..."""

    item: ResponseItem


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The account's rate limits, from the response headers.

    Yielded first on every successful Responses API response (both windows
    None when the provider sends no ``x-codex-*`` headers), never on Chat
    Completions."""

    snapshot: RateLimitSnapshot


@dataclass(frozen=True, slots=True)
class Completed:
    """The response is finished; always the last event of a stream.

    ``response_id`` is empty and ``token_usage`` None on Chat Completions."""

    response_id: str
    token_usage: TokenUsage | None


@dataclass(frozen=True, slots=True)
class StreamRetrying:
    """The attempt failed and the request is about to be sent again, after
    ``delay`` seconds.

    Whatever this attempt yielded before is superseded: the next attempt
    starts over (the turn loop reports `message` as a ``stream_error``)."""

    attempt: int
    """1 for the first retry."""
    max_retries: int
    delay: float
    error: ModelError

    @property
    def message(self) -> str:
        return f"Reconnecting... {self.attempt}/{self.max_retries}"


ModelEvent: TypeAlias = (
    Created
    | OutputTextDelta
    | ReasoningSummaryDelta
    | ReasoningSummaryPartAdded
    | ReasoningContentDelta
    | OutputItemAdded
    | OutputItemDone
    | RateLimits
    | Completed
    | StreamRetrying
)
