"""The model client's calls: streaming, retries, timeouts, errors, rate limits (respx)."""

from __future__ import annotations

import logging
import subprocess
import sys
import time

import anyio
import httpx
import pytest
import respx

from app_server.config.model import ModelProviderInfo
from app_server.model_client import (
    AuthRefreshFailed,
    Completed,
    ConnectionFailed,
    ContextWindowExceeded,
    Created,
    Credentials,
    InternalServerError,
    ModelError,
    OutputItemDone,
    OutputTextDelta,
    RateLimits,
    RetryLimitReached,
    StaticCredentials,
    StreamDisconnected,
    StreamRetrying,
    UnexpectedStatus,
    UsageLimitReached,
    UsageNotIncluded,
    needs_tls,
    transport,
    warm_up,
)
from app_server.model_client import client as client_module
from app_server.model_client.rate_limits import parse_rate_limits
from app_server.model_client.transport import close_shared_client, prebuild, shared_client
from app_server_protocol.common import AuthMode
from app_server_protocol.usage import RateLimitSnapshot, RateLimitWindow
from tests import mock_model_server as mm
from tests.model_client_support import (
    BASE_URL,
    CHAT_URL,
    RESPONSES_URL,
    RecordedSleeps,
    chat_ok_response,
    client,
    collect,
    ok_response,
    prompt,
    provider,
    sse_body,
    sse_response,
    streamed_response,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> RecordedSleeps:
    recorded = RecordedSleeps()
    monkeypatch.setattr(client_module, "_sleep", recorded)
    return recorded


def error_response(status: int, body: object = None, **headers: str) -> httpx.Response:
    if body is None:
        body = {"error": {"message": f"HTTP {status}"}}
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


# --------------------------------------------------------------------------
# A normal call
# --------------------------------------------------------------------------


async def test_events_of_a_responses_call() -> None:
    headers = mm.rate_limit_headers(primary_used=12.5, primary_reset_at=1_900_000_000)
    with respx.mock() as router:
        router.post(RESPONSES_URL).mock(
            return_value=sse_response(
                mm.created("resp_9"),
                mm.text_delta("Hel"),
                mm.text_delta("lo"),
                mm.output_item_done(mm.message_item("Hello")),
                mm.completed("resp_9", mm.usage(42, 7)),
                headers=headers,
            )
        )
        events, error = await collect(client(provider()))
    assert error is None
    assert events[0] == RateLimits(
        RateLimitSnapshot(
            limit_id="codex",
            primary=RateLimitWindow(used_percent=12.5, window_minutes=300, resets_at=1_900_000_000),
            secondary=RateLimitWindow(used_percent=50.0, window_minutes=10080),
        )
    )
    assert events[1:4] == [Created(), OutputTextDelta("Hel"), OutputTextDelta("lo")]
    assert isinstance(events[4], OutputItemDone)
    completed = events[5]
    assert isinstance(completed, Completed) and completed.response_id == "resp_9"
    assert completed.token_usage is not None and completed.token_usage.total_tokens == 49
    assert len(events) == 6


async def test_rate_limits_come_first_even_without_headers() -> None:
    with respx.mock() as router:
        router.post(RESPONSES_URL).mock(return_value=ok_response())
        events, _ = await collect(client(provider()))
    assert events[0] == RateLimits(RateLimitSnapshot(limit_id="codex"))


async def test_chat_call_yields_no_rate_limits() -> None:
    with respx.mock() as router:
        router.post(CHAT_URL).mock(return_value=chat_ok_response("Hi"))
        events, error = await collect(client(provider(wire_api="chat")))
    assert error is None
    assert [type(e) for e in events] == [OutputItemDone, Completed]


async def test_events_split_across_chunks_arrive_whole() -> None:
    body = sse_body(
        mm.created(),
        mm.text_delta("\u00e9\u2603"),
        mm.output_item_done(mm.message_item("x")),
        mm.completed(),
    )
    parts: list[bytes | float | Exception] = [body[i : i + 3] for i in range(0, len(body), 3)]
    response, _ = streamed_response(parts)
    with respx.mock() as router:
        router.post(RESPONSES_URL).mock(return_value=response)
        events, error = await collect(client(provider()))
    assert error is None
    assert OutputTextDelta("\u00e9\u2603") in events


async def test_reading_stops_at_completed() -> None:
    # After response.completed the rest of the body gets only a short drain.
    body = sse_body(mm.created(), mm.completed())
    response, stream = streamed_response([body, 30.0, b"data: late\n\n"])
    with respx.mock() as router, anyio.fail_after(5):
        router.post(RESPONSES_URL).mock(return_value=response)
        events, error = await collect(client(provider()))
    assert error is None and isinstance(events[-1], Completed)
    assert stream.closed


async def test_closing_the_stream_early_closes_the_response() -> None:
    response, stream = streamed_response([sse_body(mm.created(), mm.text_delta("a")), 30.0])
    with respx.mock() as router, anyio.fail_after(5):
        router.post(RESPONSES_URL).mock(return_value=response)
        async with client(provider()).stream(prompt()) as events:
            async for event in events:
                if isinstance(event, OutputTextDelta):
                    break
    assert stream.closed


async def test_cancelling_the_consumer_closes_the_response() -> None:
    response, stream = streamed_response([sse_body(mm.created()), 30.0])
    with respx.mock() as router:
        router.post(RESPONSES_URL).mock(return_value=response)
        with anyio.move_on_after(0.2):
            await collect(client(provider(stream_idle_timeout_ms=60_000)))
    assert stream.closed


# --------------------------------------------------------------------------
# Request-level retries
# --------------------------------------------------------------------------


async def test_500_is_retried_then_reported_as_high_demand(sleeps: RecordedSleeps) -> None:
    with respx.mock() as router:
        route = router.post(RESPONSES_URL).mock(return_value=error_response(500))
        events, error = await collect(client(provider(request_max_retries=2)))
    assert route.call_count == 3
    assert isinstance(error, InternalServerError)
    assert (
        str(error) == "We're currently experiencing high demand, which may cause temporary errors."
    )
    assert events == []
    assert len(sleeps.delays) == 2


async def test_500_then_success(sleeps: RecordedSleeps) -> None:
    with respx.mock() as router:
        route = router.post(RESPONSES_URL).mock(
            side_effect=[error_response(502), error_response(500), ok_response("finally")]
        )
        events, error = await collect(client(provider(request_max_retries=2)))
    assert error is None and route.call_count == 3
    assert not any(isinstance(e, StreamRetrying) for e in events)


async def test_backoff_grows_exponentially_with_jitter(sleeps: RecordedSleeps) -> None:
    info = provider(request_max_retries=3)
    model_client = client(info, backoff=client_module.default_backoff)
    with respx.mock() as router:
        router.post(RESPONSES_URL).mock(return_value=error_response(503))
        _, error = await collect(model_client)
    assert isinstance(error, RetryLimitReached)
    assert str(error) == "exceeded retry limit, last status: 503 Service Unavailable"
    for attempt, delay in enumerate(sleeps.delays, start=1):
        base = 0.2 * 2 ** (attempt - 1)
        assert 0.9 * base <= delay <= 1.1 * base


async def test_429_honours_retry_after(sleeps: RecordedSleeps) -> None:
    with respx.mock() as router:
        route = router.post(RESPONSES_URL).mock(
            side_effect=[
                error_response(429, **{"retry-after": "7"}),
                error_response(429, **{"retry-after": "0.5"}),
                ok_response(),
            ]
        )
        _, error = await collect(client(provider(request_max_retries=4)))
    assert error is None and route.call_count == 3
    assert sleeps.delays == [7.0, 0.5]


async def test_429_exhausted_reports_status_request_id_and_rate_limits(
    sleeps: RecordedSleeps,
) -> None:
    headers = {**mm.rate_limit_headers(primary_used=97), "cf-ray": "ray-1"}
    with respx.mock() as router:
        router.post(RESPONSES_URL).mock(return_value=error_response(429, **headers))
        _, error = await collect(client(provider(request_max_retries=1)))
    assert isinstance(error, RetryLimitReached)
    assert (
        str(error) == "exceeded retry limit, last status: 429 Too Many Requests, request id: ray-1"
    )
    assert error.rate_limits is not None and error.rate_limits.primary is not None
    assert error.rate_limits.primary.used_percent == 97


async def test_dropped_connection_is_retried(sleeps: RecordedSleeps) -> None:
    with respx.mock() as router:
        route = router.post(RESPONSES_URL).mock(
            side_effect=[
                httpx.ConnectError("refused"),
                httpx.RemoteProtocolError("eof"),
                ok_response(),
            ]
        )
        _, error = await collect(client(provider(request_max_retries=2)))
    assert error is None and route.call_count == 3


async def test_dropped_connection_exhausted() -> None:
    info = provider(request_max_retries=1, query_params={"v": "1"})
    with respx.mock() as router:
        route = router.post(url__startswith=RESPONSES_URL).mock(side_effect=httpx.ConnectError("x"))
        _, error = await collect(client(info))
    assert route.call_count == 2
    assert isinstance(error, ConnectionFailed)
    assert str(error) == f"Connection failed: error sending request for url ({RESPONSES_URL}?v=1)"


async def test_400_is_not_retried_and_shows_the_body(sleeps: RecordedSleeps) -> None:
    body = {"error": {"message": "Unknown parameter: 'tools[0].name'"}}
    with respx.mock() as router:
        route = router.post(RESPONSES_URL).mock(return_value=error_response(400, body))
        _, error = await collect(client(provider(request_max_retries=3)))
    assert route.call_count == 1
    assert isinstance(error, UnexpectedStatus)
    assert str(error) == (
        "unexpected status 400 Bad Request: "
        '{"error":{"message":"Unknown parameter: \'tools[0].name\'"}}'
    )


async def test_chat_retries_only_429_and_5xx(sleeps: RecordedSleeps) -> None:
    info = provider(wire_api="chat", request_max_retries=1)
    with respx.mock() as router:
        route = router.post(CHAT_URL).mock(return_value=error_response(500))
        _, error = await collect(client(info))
    assert route.call_count == 2
    assert str(error) == "exceeded retry limit, last status: 500 Internal Server Error"
    with respx.mock() as router:
        route = router.post(CHAT_URL).mock(return_value=error_response(401, "denied"))
        _, error = await collect(client(info))
    assert route.call_count == 1
    assert str(error) == "unexpected status 401 Unauthorized: denied"


async def test_unknown_status_text() -> None:
    with respx.mock() as router:
        router.post(RESPONSES_URL).mock(return_value=error_response(599))
        _, error = await collect(client(provider()))
    assert str(error) == "exceeded retry limit, last status: 599 <unknown status code>"


# --------------------------------------------------------------------------
# Usage limits (429 with a body)
# --------------------------------------------------------------------------


async def test_usage_limit_is_not_retried_and_carries_rate_limits() -> None:
    headers = mm.rate_limit_headers(primary_used=100, secondary_used=None)
    reply = mm.usage_limit_reached(plan_type="plus", resets_at=int(time.time()) + 3725)
    with respx.mock() as router:
        route = router.post(RESPONSES_URL).mock(
            return_value=error_response(429, reply.body, **headers)
        )
        _, error = await collect(client(provider(request_max_retries=3, stream_max_retries=3)))
    assert route.call_count == 1
    assert isinstance(error, UsageLimitReached) and not error.retry_turn
    assert str(error) in (
        "You've hit your usage limit. Upgrade to Pro (https://openai.com/chatgpt/pricing) "
        f"or try again in 1 hour {minutes} minutes."
        for minutes in (1, 2)
    )
    assert error.rate_limits == RateLimitSnapshot(
        limit_id="codex",
        primary=RateLimitWindow(used_percent=100, window_minutes=300),
        secondary=None,
    )


async def test_usage_limit_plan_comes_from_the_login_when_the_body_has_none() -> None:
    reply = mm.usage_limit_reached(plan_type=None)
    login = StaticCredentials(Credentials("tok-123456", AuthMode.CHATGPT, "acct", "free"))
    with respx.mock() as router:
        router.post(RESPONSES_URL).mock(return_value=error_response(429, reply.body))
        _, error = await collect(client(provider(), credentials=login))
    assert str(error) == (
        "You've hit your usage limit. Upgrade to Plus to continue using Codex "
        "(https://openai.com/chatgpt/pricing)."
    )


async def test_usage_not_included() -> None:
    with respx.mock() as router:
        router.post(RESPONSES_URL).mock(
            return_value=error_response(429, {"error": {"type": "usage_not_included"}})
        )
        _, error = await collect(client(provider(request_max_retries=2, stream_max_retries=2)))
    assert isinstance(error, UsageNotIncluded)
    assert str(error) == (
        "To use Codex with your ChatGPT plan, upgrade to Plus: https://openai.com/chatgpt/pricing."
    )


# --------------------------------------------------------------------------
# 401 and refreshing credentials
# --------------------------------------------------------------------------


class RefreshingLogin:
    def __init__(self, refresh_result: bool | Exception = True) -> None:
        self.token = "old-token-123456"
        self.refreshes = 0
        self.refresh_result = refresh_result

    async def current(self) -> Credentials | None:
        return Credentials(self.token, AuthMode.CHATGPT, "acct-1")

    async def refresh(self) -> bool:
        self.refreshes += 1
        if isinstance(self.refresh_result, Exception):
            raise self.refresh_result
        self.token = "new-token-654321"
        return self.refresh_result


async def test_401_refreshes_once_and_retries_at_once(sleeps: RecordedSleeps) -> None:
    login = RefreshingLogin()
    with respx.mock() as router:
        route = router.post(RESPONSES_URL).mock(side_effect=[error_response(401), ok_response()])
        _, error = await collect(client(provider(request_max_retries=0), credentials=login))
    assert error is None
    assert login.refreshes == 1 and sleeps.delays == []
    tokens = [call.request.headers["authorization"] for call in route.calls]
    assert tokens == ["Bearer old-token-123456", "Bearer new-token-654321"]


async def test_a_second_401_is_not_refreshed_again(sleeps: RecordedSleeps) -> None:
    login = RefreshingLogin()
    with respx.mock() as router:
        route = router.post(RESPONSES_URL).mock(
            return_value=error_response(401, **{"cf-ray": "r-9"})
        )
        _, error = await collect(client(provider(request_max_retries=1), credentials=login))
    assert login.refreshes == 1 and route.call_count == 3
    assert str(error) == "exceeded retry limit, last status: 401 Unauthorized, request id: r-9"


async def test_failed_refresh_is_reported() -> None:
    login = RefreshingLogin(AuthRefreshFailed("Your access token could not be refreshed."))
    with respx.mock() as router:
        route = router.post(RESPONSES_URL).mock(return_value=error_response(401))
        _, error = await collect(client(provider(stream_max_retries=3), credentials=login))
    assert route.call_count == 1
    assert str(error) == "Your access token could not be refreshed."


# --------------------------------------------------------------------------
# Stream-level retries
# --------------------------------------------------------------------------


async def test_broken_stream_is_retried_with_a_notice(sleeps: RecordedSleeps) -> None:
    broken, _ = streamed_response(
        [sse_body(mm.created(), mm.text_delta("par")), httpx.ReadError("reset")],
        headers={"cf-ray": "ray-7"},
    )
    with respx.mock() as router:
        route = router.post(RESPONSES_URL).mock(side_effect=[broken, ok_response("whole")])
        events, error = await collect(client(provider(stream_max_retries=2)))
    assert error is None and route.call_count == 2
    retry = next(e for e in events if isinstance(e, StreamRetrying))
    assert (retry.attempt, retry.max_retries, retry.message) == (1, 2, "Reconnecting... 1/2")
    assert isinstance(retry.error, StreamDisconnected)
    assert str(retry.error) == (
        "stream disconnected before completion: Transport error: Error while reading the "
        "server response: error decoding response body, request id: ray-7"
    )
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "RateLimits",
        "Created",
        "OutputTextDelta",
        "StreamRetrying",
        "RateLimits",
        "Created",
        "OutputItemDone",
        "Completed",
    ]
    assert sleeps.delays == [0.0]  # the test client's backoff


async def test_stream_retries_are_bounded(sleeps: RecordedSleeps) -> None:
    with respx.mock() as router:
        route = router.post(RESPONSES_URL).mock(
            side_effect=lambda request: sse_response(mm.created(), mm.text_delta("x"))
        )
        events, error = await collect(client(provider(stream_max_retries=2)))
    assert route.call_count == 3
    assert [e.message for e in events if isinstance(e, StreamRetrying)] == [
        "Reconnecting... 1/2",
        "Reconnecting... 2/2",
    ]
    assert str(error) == (
        "stream disconnected before completion: stream closed before response.completed"
    )


async def test_exhausted_request_retries_then_stream_retries(sleeps: RecordedSleeps) -> None:
    # As the reference: each stream attempt has its own request retries.
    with respx.mock() as router:
        route = router.post(RESPONSES_URL).mock(return_value=error_response(500))
        events, error = await collect(client(provider(request_max_retries=1, stream_max_retries=2)))
    assert route.call_count == 6
    assert [e.message for e in events if isinstance(e, StreamRetrying)] == [
        "Reconnecting... 1/2",
        "Reconnecting... 2/2",
    ]
    assert isinstance(error, InternalServerError)


async def test_400_is_retried_at_stream_level(sleeps: RecordedSleeps) -> None:
    with respx.mock() as router:
        route = router.post(RESPONSES_URL).mock(return_value=error_response(400, "bad"))
        events, error = await collect(client(provider(request_max_retries=3, stream_max_retries=1)))
    assert route.call_count == 2
    assert len([e for e in events if isinstance(e, StreamRetrying)]) == 1
    assert str(error) == "unexpected status 400 Bad Request: bad"


async def test_rate_limit_hint_of_a_failed_response_sets_the_delay(sleeps: RecordedSleeps) -> None:
    failed = mm.failed_event("Slow down. Please try again in 1.5s.", "rate_limit_exceeded")
    with respx.mock() as router:
        router.post(RESPONSES_URL).mock(
            side_effect=[sse_response(mm.created(), failed), ok_response()]
        )
        events, error = await collect(client(provider(stream_max_retries=1)))
    assert error is None
    retry = next(e for e in events if isinstance(e, StreamRetrying))
    assert retry.delay == 1.5 and sleeps.delays == [1.5]


async def test_context_window_exceeded_is_never_retried(sleeps: RecordedSleeps) -> None:
    failed = mm.failed_event("Your input exceeds the context window", "context_length_exceeded")
    with respx.mock() as router:
        route = router.post(RESPONSES_URL).mock(return_value=sse_response(mm.created(), failed))
        events, error = await collect(client(provider(request_max_retries=3, stream_max_retries=3)))
    assert route.call_count == 1
    assert isinstance(error, ContextWindowExceeded)
    assert not any(isinstance(e, StreamRetrying) for e in events)
    assert sleeps.delays == []


# --------------------------------------------------------------------------
# Idle timeout
# --------------------------------------------------------------------------


async def test_idle_stream_times_out() -> None:
    response, stream = streamed_response([sse_body(mm.created(), mm.text_delta("a")), 30.0])
    with respx.mock() as router, anyio.fail_after(5):
        router.post(RESPONSES_URL).mock(return_value=response)
        events, error = await collect(client(provider(stream_idle_timeout_ms=100)))
    assert isinstance(error, StreamDisconnected)
    assert str(error) == "stream disconnected before completion: idle timeout waiting for SSE"
    assert OutputTextDelta("a") in events
    assert stream.closed


async def test_keepalive_comments_do_not_count_as_activity() -> None:
    parts: list[bytes | float | Exception] = [sse_body(mm.created())]
    parts += [b": ping\n\n", 0.03] * 20
    response, _ = streamed_response(parts)
    with respx.mock() as router, anyio.fail_after(5):
        router.post(RESPONSES_URL).mock(return_value=response)
        _, error = await collect(client(provider(stream_idle_timeout_ms=150)))
    assert isinstance(error, StreamDisconnected) and "idle timeout" in str(error)


async def test_events_within_the_idle_timeout_keep_the_stream_alive() -> None:
    parts: list[bytes | float | Exception] = [sse_body(mm.created())]
    for index in range(6):
        parts += [0.05, sse_body(mm.text_delta(str(index)))]
    parts.append(sse_body(mm.completed()))
    response, _ = streamed_response(parts)
    with respx.mock() as router, anyio.fail_after(5):
        router.post(RESPONSES_URL).mock(return_value=response)
        events, error = await collect(client(provider(stream_idle_timeout_ms=200)))
    assert error is None
    assert len([e for e in events if isinstance(e, OutputTextDelta)]) == 6


async def test_chat_idle_timeout_and_broken_stream() -> None:
    chunk = sse_body(mm.chat_chunk({"content": "a"}))
    idle, _ = streamed_response([chunk, 30.0])
    broken, _ = streamed_response([chunk, httpx.ReadError("reset")])
    info = provider(wire_api="chat", stream_idle_timeout_ms=100)
    with respx.mock() as router, anyio.fail_after(5):
        router.post(CHAT_URL).mock(side_effect=[idle, broken])
        _, first = await collect(client(info))
        _, second = await collect(client(info))
    assert str(first) == "stream disconnected before completion: idle timeout waiting for SSE"
    assert str(second) == (
        "stream disconnected before completion: Transport error: Error while reading the "
        "server response: error decoding response body"
    )


# --------------------------------------------------------------------------
# Rate-limit headers
# --------------------------------------------------------------------------


def test_rate_limit_header_mapping() -> None:
    snapshot = parse_rate_limits(
        httpx.Headers(
            {
                "X-Codex-Primary-Used-Percent": "12.5",
                "x-codex-primary-window-minutes": "300",
                "x-codex-primary-reset-at": "1704069000",
                "x-codex-secondary-used-percent": "80",
                "x-codex-secondary-window-minutes": "10080",
                "x-codex-secondary-reset-after-seconds": "600",
            }
        ),
        now=lambda: 1_700_000_000.7,
    )
    assert snapshot == RateLimitSnapshot(
        limit_id="codex",
        primary=RateLimitWindow(used_percent=12.5, window_minutes=300, resets_at=1704069000),
        secondary=RateLimitWindow(used_percent=80.0, window_minutes=10080, resets_at=1_700_000_600),
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"x-codex-primary-window-minutes": "60"}, None),
        ({"x-codex-primary-used-percent": "0", "x-codex-primary-window-minutes": "0"}, None),
        ({"x-codex-primary-used-percent": "abc"}, None),
        ({"x-codex-primary-used-percent": "inf"}, None),
        ({"x-codex-primary-used-percent": "NaN"}, None),
        ({"x-codex-primary-used-percent": "1_0"}, None),
        (
            {"x-codex-primary-used-percent": "0", "x-codex-primary-reset-at": "5"},
            RateLimitWindow(used_percent=0, resets_at=5),
        ),
        (
            {"x-codex-primary-used-percent": " 7 ", "x-codex-primary-window-minutes": "60.0"},
            RateLimitWindow(used_percent=7),
        ),
        (
            {"x-codex-primary-used-percent": "1e1", "x-codex-primary-window-minutes": "+15"},
            RateLimitWindow(used_percent=10, window_minutes=15),
        ),
    ],
)
def test_rate_limit_window_edge_cases(
    headers: dict[str, str], expected: RateLimitWindow | None
) -> None:
    assert parse_rate_limits(headers).primary == expected


# --------------------------------------------------------------------------
# Secrets, the shared pool, lazy imports
# --------------------------------------------------------------------------


async def test_secrets_stay_out_of_errors_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    secret = "sk-proj-SECRETSECRETSECRET"
    caplog.set_level(logging.DEBUG, logger="app_server")
    info = provider(env_key="KEY", request_max_retries=1, stream_max_retries=1)
    with respx.mock() as router:
        router.post(RESPONSES_URL).mock(
            side_effect=[
                error_response(500),
                sse_response(mm.created()),
                error_response(400, f"invalid key {secret}"),
            ]
        )
        events, error = await collect(client(info, environ={"KEY": secret}))
    assert isinstance(error, UnexpectedStatus)
    assert secret not in str(error)
    assert secret not in caplog.text
    assert all(secret not in str(e) for e in events)


async def test_the_shared_client_is_reused_across_calls() -> None:
    await close_shared_client()
    first = shared_client()
    assert shared_client() is first
    with respx.mock() as router:
        router.post(RESPONSES_URL).mock(side_effect=lambda request: ok_response())
        await collect(client(provider()))
        await collect(client(provider()))
    assert shared_client() is first
    await close_shared_client()
    assert shared_client() is not first
    await close_shared_client()


async def test_connections_are_kept_alive_across_calls(mock_model: mm.MockModelServer) -> None:
    mock_model.enqueue(mm.assistant_message("one"), mm.assistant_message("two"))
    info = ModelProviderInfo(name="mock", base_url=mock_model.base_url)
    model_client = client(info)
    for _ in range(2):
        _, error = await collect(model_client)
        assert error is None
    first, second = mock_model.model_requests
    assert first.client_port == second.client_port
    await close_shared_client()


def test_importing_the_package_does_not_import_httpx() -> None:
    code = (
        "import sys, app_server.model_client as m; "
        "assert 'httpx' not in sys.modules, 'httpx imported'; print(m.ModelClient.__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ModelClient"


async def test_errors_are_model_errors() -> None:
    # Everything the turn loop has to catch is a ModelError.
    with respx.mock() as router:
        router.post(url__startswith=BASE_URL).mock(return_value=error_response(418, "teapot"))
        _, error = await collect(client(provider()))
    assert isinstance(error, ModelError)
    assert str(error) == "unexpected status 418 I'm a teapot: teapot"


async def test_warm_up_prepares_the_shared_client() -> None:
    await close_shared_client()
    await warm_up()
    prepared = shared_client()
    await warm_up()  # a second call keeps the client it finds
    assert shared_client() is prepared
    await close_shared_client()


async def test_a_client_built_ahead_is_adopted() -> None:
    await close_shared_client()
    prebuild()  # the loader's, before any event loop
    spare = transport.spare_or_new_client()
    assert transport.spare_or_new_client() is not spare  # taken once
    await spare.aclose()
    prebuild()
    await warm_up()  # adopts the spare instead of building another
    assert shared_client() is not None and transport._spare is None
    await close_shared_client()


async def test_a_request_waits_for_the_warm_up_under_way(
    mock_model: mm.MockModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    await close_shared_client()
    built: list[object] = []
    real_new_client = transport.new_client

    def counting_new_client() -> object:
        client = real_new_client()
        built.append(client)
        return client

    monkeypatch.setattr(transport, "new_client", counting_new_client)
    mock_model.enqueue(mm.assistant_message("one"))
    info = ModelProviderInfo(name="mock", base_url=mock_model.base_url)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(warm_up)
        await anyio.lowlevel.checkpoint()
        _, error = await collect(client(info))
    assert error is None
    assert len(built) == 1  # the request used the warm-up's client
    await close_shared_client()


async def test_against_the_mock_server_both_wire_apis(mock_model: mm.MockModelServer) -> None:
    mock_model.enqueue(mm.reasoning_message(["Plan", "Act"], "Answer", usage_obj=mm.usage(5, 6)))
    mock_model.enqueue(
        mm.chat_tool_calls(mm.ChatToolCall("update_plan", {"plan": []}, call_id="call_9"))
    )
    responses = ModelProviderInfo(name="mock", base_url=mock_model.base_url)
    events, error = await collect(client(responses))
    assert error is None
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "RateLimits",
        "Created",
        "ReasoningSummaryDelta",
        "ReasoningSummaryPartAdded",
        "ReasoningSummaryDelta",
        "OutputItemDone",
        "OutputItemDone",
        "Completed",
    ]
    chat = ModelProviderInfo(name="mock", base_url=mock_model.base_url, wire_api="chat")
    events, error = await collect(client(chat))
    assert error is None
    (call,) = [e.item for e in events if isinstance(e, OutputItemDone)]
    assert call.model_dump(mode="json") == {
        "type": "function_call",
        "name": "update_plan",
        "arguments": '{"plan": []}',
        "call_id": "call_9",
    }
    assert [r.path for r in mock_model.model_requests] == ["/v1/responses", "/v1/chat/completions"]
    await close_shared_client()


async def test_interrupting_a_held_stream(mock_model: mm.MockModelServer) -> None:
    mock_model.enqueue(mm.SseReply([mm.created(), mm.text_delta("partial"), mm.Hold()]))
    info = ModelProviderInfo(name="mock", base_url=mock_model.base_url)
    with anyio.fail_after(10):
        async with client(info).stream(prompt()) as events:
            async for event in events:
                if isinstance(event, OutputTextDelta):
                    break
    mock_model.release()
    await close_shared_client()


@pytest.mark.parametrize("base_url", ["localhost:8080/v1", "ftp://x.test/v1", "http://[::1/v1"])
async def test_a_bad_base_url_fails_at_once(base_url: str, sleeps: RecordedSleeps) -> None:
    # No respx here: httpx itself refuses these URLs, before any network access.
    info = provider(base_url=base_url, request_max_retries=3)
    async with httpx.AsyncClient() as http:
        _, error = await collect(client(info, http_client=http))
    assert isinstance(error, ConnectionFailed)
    assert str(error).startswith("Connection failed: error sending request for url (")
    assert sleeps.delays == []


def _pools() -> transport.SchemeTransport:
    shared = shared_client()
    assert isinstance(shared, transport.ModelHttpClient)
    return shared.pools


async def test_a_provider_over_http_never_loads_the_tls_certificates(
    mock_model: mm.MockModelServer,
) -> None:
    await close_shared_client()
    await warm_up(tls=False)
    mock_model.enqueue(mm.assistant_message("one"))
    _, error = await collect(client(ModelProviderInfo(name="mock", base_url=mock_model.base_url)))
    assert error is None
    assert not _pools().tls_ready
    await close_shared_client()


async def test_the_first_request_over_https_makes_the_tls_context() -> None:
    await close_shared_client()
    await warm_up(tls=False)
    assert not _pools().tls_ready
    secure = "https://model.test/v1"
    with respx.mock() as router:
        router.post(f"{secure}/responses").mock(side_effect=lambda request: ok_response())
        _, error = await collect(client(provider(base_url=secure)))
    assert error is None
    assert _pools().tls_ready
    await close_shared_client()


async def test_warming_up_for_a_provider_over_https_makes_the_tls_context() -> None:
    await close_shared_client()
    await warm_up(tls=False)
    await warm_up(tls=True)  # the client in use gets it
    assert _pools().tls_ready
    await close_shared_client()
    await warm_up()
    assert _pools().tls_ready
    await close_shared_client()


def test_providers_without_a_base_url_or_with_an_https_one_need_tls() -> None:
    assert needs_tls(ModelProviderInfo(name="openai"))
    assert needs_tls(ModelProviderInfo(name="p", base_url="https://example.com/v1"))
    assert not needs_tls(ModelProviderInfo(name="p", base_url="http://127.0.0.1:8080/v1"))
    assert not needs_tls(ModelProviderInfo(name="p", base_url="HTTP://localhost/v1"))
