"""The kind of a failed model request, as the `error` event tells it
(``codex_error_info``), so that clients can react to some of them."""

from __future__ import annotations

from app_server_protocol.errors import (
    CodexErrorInfo,
    CodexErrorKind,
    HttpConnectionFailed,
    HttpStatus,
    ResponseStreamDisconnected,
    ResponseTooManyFailedAttempts,
)

from ..model_client import errors


def codex_error_info(error: errors.ModelError) -> CodexErrorInfo:
    match error:
        case errors.ContextWindowExceeded():
            return CodexErrorKind.CONTEXT_WINDOW_EXCEEDED
        case errors.UsageLimitReached() | errors.UsageNotIncluded():
            return CodexErrorKind.USAGE_LIMIT_EXCEEDED
        case errors.AuthRefreshFailed():
            return CodexErrorKind.UNAUTHORIZED
        case errors.InternalServerError():
            return CodexErrorKind.INTERNAL_SERVER_ERROR
        case errors.RetryLimitReached(status=status):
            return ResponseTooManyFailedAttempts(
                response_too_many_failed_attempts=HttpStatus(http_status_code=status)
            )
        case errors.ConnectionFailed():
            return HttpConnectionFailed(http_connection_failed=HttpStatus())
        case _:
            # A stream that broke for good (its retries spent) is `other`,
            # as the reference reports it; each retry said it broke.
            return CodexErrorKind.OTHER


def retry_error_info(error: errors.ModelError) -> CodexErrorInfo:
    """The kind a ``stream_error`` reports when the request is sent again."""
    status = getattr(error, "status", None)
    return ResponseStreamDisconnected(
        response_stream_disconnected=HttpStatus(
            http_status_code=status if isinstance(status, int) else None
        )
    )
