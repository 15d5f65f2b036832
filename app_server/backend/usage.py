"""The ChatGPT plan's rate limits, read from the backend's usage endpoint.

``GET {chatgpt_base_url}/wham/usage`` when the base URL is the ChatGPT API
(it contains ``/backend-api``), ``GET {chatgpt_base_url}/api/codex/usage``
otherwise, with the ChatGPT access token and the workspace header. The answer
is validated with the generated models (`models.py`), as strictly as the
reference reads it, and mapped to the protocol's `RateLimitSnapshot`.

Every failure is a `UsageError` whose text is the reference's shape
(``failed to fetch codex rate limits: ...``), with the URL, the status and a
bounded excerpt of the body: never a traceback, never a credential.

This module imports httpx: import it only when the request is about to be made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import anyio
import httpx
from pydantic import ValidationError

from app_server_protocol.usage import (
    CODEX_LIMIT_ID,
    PlanType,
    RateLimitSnapshot,
    RateLimitWindow,
)

from ..logs import log, redact
from ..model_client.errors import status_text
from .models import RateLimitStatusDetails, RateLimitStatusPayload, RateLimitWindowSnapshot

if TYPE_CHECKING:
    from ..auth import RequestAuth

#: How long the whole request may take.
TIMEOUT_S: Final = 30.0
#: How much of an unexpected body an error message quotes.
BODY_EXCERPT_CHARS: Final = 1000
_PREFIX: Final = "failed to fetch codex rate limits: "
_CHATGPT_HOSTS: Final = ("https://chatgpt.com", "https://chat.openai.com")


class UsageError(Exception):
    """Reading the usage failed; ``str(error)`` is the message for the client."""


@dataclass(frozen=True)
class UsageRequest:
    url: str
    headers: dict[str, str]


def usage_url(chatgpt_base_url: str) -> str:
    """Where the usage endpoint is, for a configured ``chatgpt_base_url``."""
    base = chatgpt_base_url.rstrip("/")
    if base.startswith(_CHATGPT_HOSTS) and "/backend-api" not in base:
        base += "/backend-api"
    if "/backend-api" in base:
        return f"{base}/wham/usage"
    return f"{base}/api/codex/usage"


def build_request(chatgpt_base_url: str, auth: RequestAuth, user_agent: str) -> UsageRequest:
    headers = {
        "user-agent": user_agent,
        "authorization": f"Bearer {auth.bearer_token}",
    }
    if auth.account_id:
        headers["chatgpt-account-id"] = auth.account_id
    return UsageRequest(usage_url(chatgpt_base_url), headers)


async def fetch_rate_limits(
    request: UsageRequest, client: httpx.AsyncClient | None = None
) -> RateLimitSnapshot:
    """GET the usage endpoint and map its answer; raises `UsageError`."""
    return snapshot_from_payload(await fetch_usage(request, client))


async def fetch_usage(
    request: UsageRequest, client: httpx.AsyncClient | None = None
) -> RateLimitStatusPayload:
    """GET the usage endpoint and validate its answer; raises `UsageError`."""
    from ..model_client.transport import shared_client

    client = client or shared_client()
    url = request.url
    log.debug("GET %s", url)
    try:
        # httpx's timeout bounds each read or write; a server that trickles
        # its answer is stopped by this one.
        with anyio.fail_after(TIMEOUT_S):
            response = await client.get(url, headers=request.headers, timeout=TIMEOUT_S)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise UsageError(f"{_PREFIX}invalid URL {url}: {exc}") from None
    except (httpx.TimeoutException, TimeoutError):
        raise UsageError(f"{_PREFIX}error sending request for url ({url}): timed out") from None
    except httpx.HTTPError as exc:
        log.debug("usage request failed: %s", exc)
        raise UsageError(
            f"{_PREFIX}error sending request for url ({url}): {_network_reason(exc)}"
        ) from None
    body = response.content
    details = f"content-type={response.headers.get('content-type', '')}; body={_excerpt(body)}"
    if not response.is_success:
        status = status_text(response.status_code)
        raise UsageError(f"{_PREFIX}GET {url} failed: {status}; {details}")
    try:
        payload = RateLimitStatusPayload.model_validate_json(body, strict=True)
    except ValidationError as exc:
        raise UsageError(f"{_PREFIX}Decode error for {url}: {_describe(exc)}; {details}") from None
    return payload


def snapshot_from_payload(payload: RateLimitStatusPayload) -> RateLimitSnapshot:
    """The Codex limit, with the account's plan."""
    snapshot = snapshot_from_details(payload.rate_limit)
    return snapshot.model_copy(
        update={"limit_id": CODEX_LIMIT_ID, "plan_type": _plan_type(payload.plan_type)}
    )


def snapshot_from_details(details: RateLimitStatusDetails | None) -> RateLimitSnapshot:
    """One limit's windows (the Codex limit's, or an additional limit's)."""
    if details is None:
        return RateLimitSnapshot()
    return RateLimitSnapshot(
        primary=_window(details.primary_window), secondary=_window(details.secondary_window)
    )


def _plan_type(plan: str) -> PlanType:
    if plan == "education":
        return PlanType.EDU
    try:
        return PlanType(plan)
    except ValueError:
        return PlanType.UNKNOWN


def _window(window: RateLimitWindowSnapshot | None) -> RateLimitWindow | None:
    if window is None:
        return None
    seconds = window.limit_window_seconds
    return RateLimitWindow(
        used_percent=float(window.used_percent),
        # Whole minutes, rounded up; a window of no length is unknown.
        window_minutes=math.ceil(seconds / 60) if seconds > 0 else None,
        resets_at=window.reset_at,
    )


def _excerpt(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace")
    if len(text) > BODY_EXCERPT_CHARS:
        text = text[:BODY_EXCERPT_CHARS] + f"... ({len(body)} bytes)"
    return redact(text)


def _describe(error: ValidationError) -> str:
    """The first problems of the answer, field by field (without the values)."""
    parts = []
    for item in error.errors(include_url=False, include_input=False)[:3]:
        # Drop the union-branch tags pydantic adds (`str-enum[PlanType]`).
        path = [str(p) for p in item["loc"] if not str(p).endswith("]")]
        where = ".".join(path)
        if item["type"] == "json_invalid":
            parts.append(str(item.get("ctx", {}).get("error", item["msg"])))
        elif item["type"] == "missing" and path:
            inside = f" in `{'.'.join(path[:-1])}`" if len(path) > 1 else ""
            parts.append(f"missing field `{path[-1]}`{inside}")
        else:
            parts.append(f"`{where}`: {item['msg']}" if where else item["msg"])
    return "; ".join(parts)


def _network_reason(error: httpx.HTTPError) -> str:
    return redact(str(error) or type(error).__name__)
