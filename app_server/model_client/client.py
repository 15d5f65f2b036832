"""The model client: one streamed model call, with the reference's retries.

Usage (the turn loop)::

    client = ModelClient(provider, conversation_id=..., user_agent=..., originator=...,
                         credentials=auth_service)
    async with client.stream(prompt) as events:
        async for event in events:
            ...  # OutputTextDelta, OutputItemDone, Completed, StreamRetrying, ...

Two retry budgets apply, both from the provider:

* ``request_max_retries``: a request that gets a retryable answer (429, 401
  and 5xx on the Responses API, 429 and 5xx on Chat Completions, or no
  answer at all) is sent again after a backoff, or after the delay the
  provider's ``retry-after`` asks for, before any event is yielded;
* ``stream_max_retries``: when an attempt fails in any other way that a new
  attempt may fix (the stream broke or went idle, the request retries ran
  out, a 400, ...), the whole call starts over; a `StreamRetrying` event
  says so first.

Errors that retrying cannot fix (context window exceeded, usage limit, a
missing ``env_key`` variable) end the stream at once. Every failure is a
`ModelError` raised from the iteration; its text is the user's message.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import AsyncIterator, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Final

import anyio
import anyio.lowlevel

from app_server_protocol.usage import RateLimitSnapshot

from ..config.model import ModelProviderInfo, WireApi
from ..logs import log, redact
from .auth import Credentials, CredentialsSource
from .chat_stream import ChatStreamParser
from .errors import (
    IDLE_TIMEOUT_REASON,
    ConnectionFailed,
    InternalServerError,
    ModelError,
    RetryLimitReached,
    StreamDisconnected,
    UnexpectedStatus,
    UsageLimitReached,
    UsageNotIncluded,
    stream_read_failed,
)
from .events import Completed, ModelEvent, RateLimits, StreamRetrying
from .prompt import Prompt
from .rate_limits import parse_rate_limits
from .request import (
    RequestIdentity,
    endpoint_url,
    request_body,
    request_headers,
    resolve_credentials,
)
from .responses_stream import ResponsesStreamParser
from .retry import backoff as default_backoff
from .retry import retry_after_header
from .sse import SseDecoder, SseEvent

if TYPE_CHECKING:
    import httpx

    from .observer import RequestObserver

#: How much of an error response's body is read (it goes into the message).
ERROR_BODY_LIMIT: Final = 64 * 1024

#: After the response is complete, how long to wait for the end of its body
#: (it normally follows at once): a fully read response lets its connection
#: go back to the pool for the next call.
DRAIN_TIMEOUT_S: Final = 0.25

#: Waits between attempts (a seam for tests, which record the delays).
_sleep = anyio.sleep


class ModelClient:
    """Streams model calls for one conversation. Cheap to create: the HTTP
    connection pool is shared by the whole process."""

    def __init__(
        self,
        provider: ModelProviderInfo,
        *,
        conversation_id: str,
        user_agent: str,
        originator: str,
        credentials: CredentialsSource | None = None,
        stream_chat_deltas: bool = False,
        task_type: str = "standard",
        environ: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        backoff: Callable[[int], float] = default_backoff,
        telemetry: RequestObserver | None = None,
    ) -> None:
        """
        ``credentials``: the auth service (None: nobody is logged in).
        ``stream_chat_deltas``: forward Chat Completions text and reasoning
        deltas as they come (by default only the assembled items, as the
        reference does). ``environ``: where ``env_key`` and
        ``env_http_headers`` are read, at request time (default
        ``os.environ``). ``http_client``: instead of the process's shared
        one. ``backoff``: seconds to wait before retry number N (1-based).
        ``telemetry``: told of every request attempt and SSE event.
        """
        self.provider = provider
        self.identity = RequestIdentity(conversation_id, user_agent, originator, task_type)
        self.credentials = credentials
        self.stream_chat_deltas = stream_chat_deltas
        self._environ = environ
        self._http_client = http_client
        self._backoff = backoff
        self.telemetry = telemetry

    def stream(self, prompt: Prompt) -> ModelStream:
        """Start a model call; iterate the result for its events.

        Nothing is sent until the iteration starts. Use the result as an async
        context manager (or call `ModelStream.aclose`) so that the HTTP
        response is closed at once when the turn stops early (an interrupt)."""
        return ModelStream(self._events(prompt))

    # -- the call, with the stream-level retries -----------------------------

    async def _events(self, prompt: Prompt) -> AsyncIterator[ModelEvent]:
        body = request_body(prompt, self.provider, self.identity.conversation_id)
        max_retries = self.provider.effective_stream_max_retries
        retries = 0
        while True:
            response: httpx.Response | None = None
            reader: _SseReader | None = None
            try:
                response = await self._send(body)
                parser: ResponsesStreamParser | ChatStreamParser
                if self.provider.wire_api == WireApi.CHAT:
                    parser = ChatStreamParser(stream_deltas=self.stream_chat_deltas)
                    reader = _SseReader(response, self.provider, None, self.telemetry)
                else:
                    yield RateLimits(parse_rate_limits(response.headers))
                    parser = ResponsesStreamParser()
                    request_id = response.headers.get("cf-ray")
                    reader = _SseReader(response, self.provider, request_id, self.telemetry)
                while (data := await reader.next_data()) is not None:
                    for event in parser.feed(data):
                        if isinstance(event, Completed):
                            self._report_usage(event)
                        yield event
                    if parser.done:
                        await reader.drain(DRAIN_TIMEOUT_S)
                        return
                for event in parser.finish():
                    yield event
                return
            except ModelError as error:
                if not error.retry_turn or retries >= max_retries:
                    raise
                failure = error
            finally:
                with anyio.CancelScope(shield=True):
                    if reader is not None:
                        await reader.aclose()
                    if response is not None:
                        await response.aclose()
            retries += 1
            delay = failure.retry_after
            if delay is None:
                delay = self._backoff(retries)
            log.warning(
                "stream disconnected - retrying turn (%d/%d in %.3fs): %s",
                retries,
                max_retries,
                delay,
                failure,
            )
            yield StreamRetrying(retries, max_retries, delay, failure)
            await _sleep(delay)

    # -- sending, with the request-level retries -----------------------------

    async def _send(self, body: bytes) -> httpx.Response:
        """Send the request until it gets a successful response (returned with
        its body unread) or the request retries run out."""
        await _warmed_up()
        import httpx

        from .transport import shared_client

        client = self._http_client or shared_client()
        provider = self.provider
        max_retries = provider.effective_request_max_retries
        environ = os.environ if self._environ is None else self._environ
        retries = 0
        refreshed = False
        while True:
            logged_in = await self.credentials.current() if self.credentials else None
            credentials = resolve_credentials(provider, logged_in, environ)
            url = endpoint_url(provider, credentials)
            headers = request_headers(provider, credentials, self.identity, environ)
            log.debug("POST %s (attempt %d)", redact(url.split("?")[0]), retries + 1)
            wait: float | None = None
            sent = time.monotonic()
            try:
                response = await client.send(
                    httpx.Request("POST", url, headers=headers, content=body), stream=True
                )
            except (httpx.HTTPError, httpx.InvalidURL) as error:
                self._report_request(retries, sent, None, str(error) or type(error).__name__)
                log.debug("model request failed: %s", error)
                failure: ModelError = ConnectionFailed(url)
                if isinstance(error, httpx.InvalidURL | httpx.UnsupportedProtocol):
                    raise failure from None  # a bad base_url: trying again cannot help
            else:
                self._report_request(retries, sent, response.status_code, None)
                if response.is_success:
                    _acknowledge_now(response)
                    return response
                try:
                    if self._should_refresh(response.status_code, refreshed):
                        refreshed = True
                        assert self.credentials is not None
                        if await self.credentials.refresh():
                            continue
                    failure, retryable = await self._failure(response, credentials)
                    wait = retry_after_header(response.headers.get("retry-after"))
                finally:
                    await response.aclose()
                if not retryable:
                    raise failure
            if retries >= max_retries:
                raise failure
            retries += 1
            delay = wait if wait is not None else self._backoff(retries)
            log.warning(
                "model request failed - retrying (%d/%d in %.3fs): %s",
                retries,
                max_retries,
                delay,
                failure,
            )
            await _sleep(delay)

    def _report_request(
        self, attempt: int, sent: float, status: int | None, error: str | None
    ) -> None:
        if self.telemetry is not None:
            self.telemetry.api_request(attempt, time.monotonic() - sent, status, error)

    def _report_usage(self, completed: Completed) -> None:
        usage = completed.token_usage
        if self.telemetry is not None and usage is not None:
            self.telemetry.sse_completed(
                usage.input_tokens,
                usage.output_tokens,
                usage.cached_input_tokens,
                usage.reasoning_output_tokens,
                usage.total_tokens,
            )

    def _should_refresh(self, status: int, refreshed: bool) -> bool:
        return (
            status == 401
            and not refreshed
            and self.credentials is not None
            and self.provider.wire_api == WireApi.RESPONSES
        )

    async def _failure(
        self, response: httpx.Response, credentials: Credentials | None
    ) -> tuple[ModelError, bool]:
        """What an unsuccessful response means, and whether sending the request
        again may help. For a retryable status, the error is the one to report
        once the retries run out."""
        status = response.status_code
        chat = self.provider.wire_api == WireApi.CHAT
        if not (status == 429 or status >= 500 or (status == 401 and not chat)):
            return UnexpectedStatus(status, await _read_text(response)), False
        if chat:
            return RetryLimitReached(status), True
        rate_limits = parse_rate_limits(response.headers)
        if status == 429:
            usage_error = _usage_error(await _read_text(response), credentials, rate_limits)
            if usage_error is not None:
                return usage_error, False
        if status == 500:
            return InternalServerError(), True
        return RetryLimitReached(status, response.headers.get("cf-ray"), rate_limits), True


def _acknowledge_now(response: httpx.Response) -> None:
    """Acknowledge the response's headers at once instead of after the
    kernel's delayed-ACK timer (up to 40 ms on Linux).

    A server that writes the headers and the first body bytes separately,
    with Nagle's algorithm on, holds the body back until its headers are
    acknowledged; on a kept-alive connection the kernel delays that
    acknowledgement, and every model call would wait for it."""
    quickack = getattr(socket, "TCP_QUICKACK", None)
    stream = response.extensions.get("network_stream")
    if quickack is None or stream is None:
        return
    # A socket.socket, or asyncio's TransportSocket wrapper of one.
    sock = stream.get_extra_info("socket")
    if sock is not None and hasattr(sock, "setsockopt"):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


_warming: tuple[anyio.Event, object] | None = None
"""The warm-up under way, and its event loop."""


async def warm_up(tls: bool = True) -> None:
    """Import httpx and build the shared HTTP client in a worker thread, so
    that the first model request does not pay for it (about 100 ms) on the
    event loop; with its TLS context when ``tls`` (for a provider reached
    over https: `request.needs_tls`). Optional; call it in the background
    once the daemon is up. A request sent meanwhile waits for it
    (`_warmed_up`) rather than build a second client."""
    global _warming
    done = anyio.Event()
    _warming = (done, anyio.lowlevel.current_token().native_token)

    def build() -> httpx.AsyncClient:
        from .transport import spare_or_new_client

        return spare_or_new_client(tls)

    try:
        client = await anyio.to_thread.run_sync(build)
        from .transport import adopt, prepare_shared_tls

        if not adopt(client):
            await client.aclose()
            if tls:  # the client in use may have been made without it
                await anyio.to_thread.run_sync(prepare_shared_tls)
    finally:
        done.set()


async def _warmed_up() -> None:
    """Wait for a warm-up under way on this event loop, if any."""
    warming = _warming
    if warming is None or warming[1] is not anyio.lowlevel.current_token().native_token:
        return
    await warming[0].wait()


class ModelStream:
    """The events of one model call: an async iterator and an async context
    manager (leaving it closes the HTTP response)."""

    def __init__(self, events: AsyncIterator[ModelEvent]) -> None:
        self._events = events

    def __aiter__(self) -> ModelStream:
        return self

    async def __anext__(self) -> ModelEvent:
        return await self._events.__anext__()

    async def aclose(self) -> None:
        aclose = getattr(self._events, "aclose", None)
        if aclose is not None:
            await aclose()

    async def __aenter__(self) -> ModelStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class _SseReader:
    """The ``data`` of each SSE event of a response body, one at a time; each
    must arrive within the provider's idle timeout."""

    def __init__(
        self,
        response: httpx.Response,
        provider: ModelProviderInfo,
        request_id: str | None,
        telemetry: RequestObserver | None = None,
    ) -> None:
        self._telemetry = telemetry
        self._chunks = response.aiter_bytes()
        self._decoder = SseDecoder()
        self._idle_timeout = provider.effective_stream_idle_timeout_s
        self._request_id = request_id
        self._ended = False

    async def next_data(self) -> str | None:
        """The next event's data; None once the body has ended."""
        if self._telemetry is None:
            event = await self._next_event()
            return None if event is None else event.data
        started = time.monotonic()
        try:
            event = await self._next_event()
        except ModelError as error:
            self._telemetry.sse_event(None, time.monotonic() - started, str(error))
            raise
        if event is not None:
            failed = event.data if event.event == "response.failed" else None
            self._telemetry.sse_event(event.event, time.monotonic() - started, failed)
        return None if event is None else event.data

    async def _next_event(self) -> SseEvent | None:
        import httpx

        event = self._decoder.next_event()
        if event is not None:
            return event
        if self._ended:
            return None
        with anyio.move_on_after(self._idle_timeout):
            try:
                while event is None and not self._ended:
                    try:
                        self._decoder.feed(await self._chunks.__anext__())
                    except StopAsyncIteration:
                        self._decoder.close()
                        self._ended = True
                    event = self._decoder.next_event()
            except (httpx.HTTPError, httpx.StreamError) as error:
                log.debug("model stream broke: %s", error)
                raise stream_read_failed(self._request_id) from None
            return event
        raise StreamDisconnected(IDLE_TIMEOUT_REASON)

    async def drain(self, timeout: float) -> None:
        """Read (and ignore) the rest of the body, for at most ``timeout`` seconds."""
        import httpx

        with anyio.move_on_after(timeout):
            try:
                async for _ in self._chunks:
                    pass
            except httpx.HTTPError:
                pass

    async def aclose(self) -> None:
        await self._chunks.aclose()  # type: ignore[attr-defined]


async def _read_text(response: httpx.Response) -> str:
    data = bytearray()
    try:
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) >= ERROR_BODY_LIMIT:
                break
    except Exception as error:  # the body is only informative
        log.debug("could not read an error body: %s", error)
    return bytes(data[:ERROR_BODY_LIMIT]).decode("utf-8", errors="replace")


def _usage_error(
    body: str, credentials: Credentials | None, rate_limits: RateLimitSnapshot
) -> ModelError | None:
    """The usage-limit errors a 429 may carry (retrying does not help them)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return None
    kind = error.get("type")
    if kind == "usage_not_included":
        return UsageNotIncluded()
    if kind != "usage_limit_reached":
        return None
    plan_type = error.get("plan_type")
    if not isinstance(plan_type, str):
        plan_type = credentials.plan_type if credentials is not None else None
    resets_at = error.get("resets_at")
    resets_in = None
    if isinstance(resets_at, int) and not isinstance(resets_at, bool):
        resets_in = max(0, resets_at - int(time.time()))
    return UsageLimitReached(plan_type, resets_in, rate_limits)
