"""Why a model request failed, with the message the user is shown.

``str(error)`` is the text of the turn's ``error`` event; each text below is
the reference's, checked against its binary. Messages never carry a
credential: the parts that come from outside (a response body, a URL) go
through the log redactor first.
"""

from __future__ import annotations

from typing import Final

from app_server_protocol.usage import RateLimitSnapshot

from ..logs import redact


class ModelError(Exception):
    """A model request failed; ``str(error)`` is the message for the user."""

    retry_turn: bool = True
    """Whether sending the request again may help (the stream-level retries
    apply). False for errors that would only fail again the same way."""

    retry_after: float | None = None
    """Seconds the provider asked to wait before the next attempt."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ContextWindowExceeded(ModelError):
    """The conversation no longer fits the model's context window. Never retried."""

    retry_turn = False

    def __init__(self) -> None:
        super().__init__(
            "Codex ran out of room in the model's context window. Start a new conversation "
            "or clear earlier history before retrying."
        )


class UsageLimitReached(ModelError):
    """The ChatGPT plan's usage limit is reached (HTTP 429 ``usage_limit_reached``)."""

    retry_turn = False

    def __init__(
        self,
        plan_type: str | None,
        resets_in_seconds: int | None,
        rate_limits: RateLimitSnapshot | None,
    ) -> None:
        super().__init__(usage_limit_message(plan_type, resets_in_seconds))
        self.plan_type = plan_type
        self.resets_in_seconds = resets_in_seconds
        self.rate_limits = rate_limits
        """The snapshot from the 429's headers: report it before the error."""


class UsageNotIncluded(ModelError):
    """The ChatGPT plan does not include Codex."""

    retry_turn = False

    def __init__(self) -> None:
        super().__init__(
            "To use Codex with your ChatGPT plan, upgrade to Plus: https://openai.com/chatgpt/pricing."
        )


class MissingEnvVar(ModelError):
    """The provider's ``env_key`` variable is not set."""

    retry_turn = False

    def __init__(self, var: str, instructions: str | None = None) -> None:
        message = f"Missing environment variable: `{var}`."
        if instructions:
            message += f" {instructions}"
        super().__init__(message)
        self.var = var


class AuthRefreshFailed(ModelError):
    """The provider rejected the credentials and refreshing them failed."""

    retry_turn = False


class UnsupportedOperation(ModelError):
    retry_turn = False

    def __init__(self, what: str) -> None:
        super().__init__(f"unsupported operation: {what}")


class InternalServerError(ModelError):
    """HTTP 500 from the Responses API, still failing after the request retries."""

    def __init__(self) -> None:
        super().__init__(
            "We're currently experiencing high demand, which may cause temporary errors."
        )


class RetryLimitReached(ModelError):
    """A retryable status (429, 401, 5xx) kept coming back until the retries ran out."""

    def __init__(
        self,
        status: int,
        request_id: str | None = None,
        rate_limits: RateLimitSnapshot | None = None,
    ) -> None:
        message = f"exceeded retry limit, last status: {status_text(status)}"
        super().__init__(message + _request_id_suffix(request_id))
        self.status = status
        self.request_id = request_id
        self.rate_limits = rate_limits
        """The snapshot from the last response's headers (a 429's, for instance)."""


class UnexpectedStatus(ModelError):
    """A status that retrying cannot fix (400, 403, 404, ...), with the body
    the provider sent: it usually says what is wrong with the request."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"unexpected status {status_text(status)}: {redact(body)}")
        self.status = status
        self.body = body


class ConnectionFailed(ModelError):
    """The request could not be sent (refused, DNS, TLS, reset before a reply)."""

    def __init__(self, url: str) -> None:
        super().__init__(f"Connection failed: error sending request for url ({redact(url)})")
        self.url = url


class StreamDisconnected(ModelError):
    """The stream ended without the response being completed."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(f"stream disconnected before completion: {reason}")
        self.reason = reason
        self.retry_after = retry_after


IDLE_TIMEOUT_REASON: Final = "idle timeout waiting for SSE"
CLOSED_EARLY_REASON: Final = "stream closed before response.completed"


def stream_read_failed(request_id: str | None) -> StreamDisconnected:
    """The connection broke in the middle of the body."""
    return StreamDisconnected(
        "Transport error: Error while reading the server response: error decoding response body"
        + _request_id_suffix(request_id)
    )


def _request_id_suffix(request_id: str | None) -> str:
    return f", request id: {request_id}" if request_id else ""


# --------------------------------------------------------------------------
# Texts
# --------------------------------------------------------------------------

# Reason phrases as the reference prints them (they differ from Python's
# `http.HTTPStatus` for 413, 414, 416 and 422).
_REASONS: Final = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi-Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Payload Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    417: "Expectation Failed",
    418: "I'm a teapot",
    421: "Misdirected Request",
    422: "Unprocessable Entity",
    423: "Locked",
    424: "Failed Dependency",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    510: "Not Extended",
    511: "Network Authentication Required",
}


def status_text(status: int) -> str:
    """``429 Too Many Requests``; ``599 <unknown status code>``."""
    return f"{status} {_REASONS.get(status, '<unknown status code>')}"


def usage_limit_message(plan_type: str | None, resets_in_seconds: int | None) -> str:
    """What to tell a ChatGPT user whose plan hit its usage limit."""
    plan = (plan_type or "").lower()
    if plan == "free":
        return (
            "You've hit your usage limit. Upgrade to Plus to continue using Codex "
            "(https://openai.com/chatgpt/pricing)."
        )
    if plan == "plus":
        return (
            "You've hit your usage limit. Upgrade to Pro (https://openai.com/chatgpt/pricing)"
            + _or_try_again(resets_in_seconds)
        )
    if plan in ("team", "business"):
        return (
            "You've hit your usage limit. To get more access now, send a request to your admin"
            + _or_try_again(resets_in_seconds)
        )
    if resets_in_seconds is None:
        return "You've hit your usage limit. Try again later."
    return f"You've hit your usage limit. Try again in {reset_duration(resets_in_seconds)}."


def _or_try_again(resets_in_seconds: int | None) -> str:
    if resets_in_seconds is None:
        return " or try again later."
    return f" or try again in {reset_duration(resets_in_seconds)}."


def reset_duration(seconds: int) -> str:
    """``2 days 1 minute``, ``1 hour 2 minutes``, ``less than a minute``."""
    seconds = max(seconds, 0)
    parts = []
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        count = seconds // size
        seconds %= size
        if count:
            parts.append(f"{count} {unit}{'' if count == 1 else 's'}")
    return " ".join(parts) if parts else "less than a minute"
