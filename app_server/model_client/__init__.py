"""Streaming calls to the model provider (Responses API or Chat Completions).

The turn loop builds a `Prompt`, calls `ModelClient.stream` and consumes the
`ModelEvent`s; failures are `ModelError`s whose text is the user's message.
Credentials come from a `CredentialsSource` (the auth service).

Importing this package is cheap: httpx is imported when the first request
is sent, or earlier, off the event loop, by `warm_up`.
"""

from __future__ import annotations

from .auth import Credentials, CredentialsSource, StaticCredentials
from .client import ModelClient, ModelStream, warm_up
from .errors import (
    AuthRefreshFailed,
    ConnectionFailed,
    ContextWindowExceeded,
    InternalServerError,
    MissingEnvVar,
    ModelError,
    RetryLimitReached,
    StreamDisconnected,
    UnexpectedStatus,
    UnsupportedOperation,
    UsageLimitReached,
    UsageNotIncluded,
)
from .events import (
    Completed,
    Created,
    ModelEvent,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    RateLimits,
    ReasoningContentDelta,
    ReasoningSummaryDelta,
    ReasoningSummaryPartAdded,
    StreamRetrying,
)
from .prompt import Prompt, Reasoning
from .request import needs_tls

__all__ = [
    "AuthRefreshFailed",
    "Completed",
    "ConnectionFailed",
    "ContextWindowExceeded",
    "Created",
    "Credentials",
    "CredentialsSource",
    "InternalServerError",
    "MissingEnvVar",
    "ModelClient",
    "ModelError",
    "ModelEvent",
    "ModelStream",
    "OutputItemAdded",
    "OutputItemDone",
    "OutputTextDelta",
    "Prompt",
    "RateLimits",
    "Reasoning",
    "ReasoningContentDelta",
    "ReasoningSummaryDelta",
    "ReasoningSummaryPartAdded",
    "RetryLimitReached",
    "StaticCredentials",
    "StreamDisconnected",
    "StreamRetrying",
    "UnexpectedStatus",
    "UnsupportedOperation",
    "UsageLimitReached",
    "UsageNotIncluded",
    "needs_tls",
    "warm_up",
]
