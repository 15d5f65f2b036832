"""What kind of failure an `error` or `stream_error` event reports."""

from enum import StrEnum
from typing import ClassVar

from pydantic import Field
from typing_extensions import TypeAliasType

from ._base import SnakeModel


class CodexErrorKind(StrEnum):
    CONTEXT_WINDOW_EXCEEDED = "context_window_exceeded"
    USAGE_LIMIT_EXCEEDED = "usage_limit_exceeded"
    SERVER_OVERLOADED = "server_overloaded"
    INTERNAL_SERVER_ERROR = "internal_server_error"
    UNAUTHORIZED = "unauthorized"
    BAD_REQUEST = "bad_request"
    SANDBOX_ERROR = "sandbox_error"
    THREAD_ROLLBACK_FAILED = "thread_rollback_failed"
    OTHER = "other"


class HttpStatus(SnakeModel):
    http_status_code: int | None = None


class HttpConnectionFailed(SnakeModel):
    ts_inline: ClassVar[bool] = True
    http_connection_failed: HttpStatus


class ResponseStreamConnectionFailed(SnakeModel):
    ts_inline: ClassVar[bool] = True
    response_stream_connection_failed: HttpStatus


class ResponseStreamDisconnected(SnakeModel):
    ts_inline: ClassVar[bool] = True
    response_stream_disconnected: HttpStatus


class ResponseTooManyFailedAttempts(SnakeModel):
    ts_inline: ClassVar[bool] = True
    response_too_many_failed_attempts: HttpStatus = Field(
        description="The retries ran out; the last answer's status, when there was one."
    )


CodexErrorInfo = TypeAliasType(
    "CodexErrorInfo",
    CodexErrorKind
    | HttpConnectionFailed
    | ResponseStreamConnectionFailed
    | ResponseStreamDisconnected
    | ResponseTooManyFailedAttempts,
)
"""The kind of a failure, for clients that react to some of them."""
