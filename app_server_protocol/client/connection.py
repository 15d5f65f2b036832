"""The client's end of one JSON-RPC connection to an app-server.

`AppServerClient` speaks the protocol over any transport that carries whole
JSON messages (lines over stdio, text frames over WebSocket): it sends
requests typed by the rows of the method table, reads every message the
server writes in one task, answers the server's own requests (approvals) with the
handlers registered for their rows, and hands notifications to bounded
buffers (all of them, and one per thread).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable
from typing import Any, Final, TypeVar, overload
from uuid import UUID

import anyio
import pydantic_core
from anyio.abc import ByteReceiveStream, ByteSendStream, TaskGroup
from anyio.streams.buffered import BufferedByteReceiveStream
from pydantic import TypeAdapter, ValidationError

from .. import methods
from ..jsonrpc import INTERNAL_ERROR, INVALID_REQUEST, JsonValue, RequestId
from ..methods import SERVER_REQUESTS_BY_METHOD, ClientMethod, Notification, ServerMethod
from ..v1.session import ClientInfo, InitializeCapabilities, InitializeParams, InitializeResponse
from ..v2.items import UserInputText
from ..v2.notifications import TurnCompletedNotification
from ..v2.threads import ThreadStartParams, ThreadStartResponse
from ..v2.turns import TurnStartParams, TurnStartResponse
from ._buffer import DropOldestBuffer
from .notices import ServerNotice, thread_of

P = TypeVar("P")
R = TypeVar("R")

log = logging.getLogger("app_server_protocol.client")

#: Notifications kept for a consumer that is not reading (the oldest go first).
DEFAULT_MAX_BUFFERED: Final = 4096
#: Threads whose notifications are kept before anyone asks for them.
DEFAULT_MAX_THREADS: Final = 64
#: The longest line read from the server (whole diffs and outputs go in one line).
MAX_LINE_BYTES: Final = 256 * 1024 * 1024

ServerRequestHandler = Callable[[Any], Awaitable[Any]]
#: Sends one JSON-RPC message (its JSON, without framing) to the server.
MessageSender = Callable[[bytes], Awaitable[None]]


class RpcError(Exception):
    """The server answered a request with an error (or a handler of a server
    request raises it, to answer with that error)."""

    def __init__(self, code: int, message: str, data: JsonValue | None = None) -> None:
        super().__init__(f"{message} (code {code})")
        self.code = code
        self.message = message
        self.data = data


class ConnectionClosed(Exception):
    """The server went away (or the client was closed) before answering."""


class _Pending:
    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.result: Any = None
        self.error: Exception | None = None


_ADAPTERS: dict[tuple[int, str], TypeAdapter[Any]] = {}


def _adapter(row: ClientMethod[Any, Any] | ServerMethod[Any, Any], part: str) -> TypeAdapter[Any]:
    key = (id(row), part)
    adapter = _ADAPTERS.get(key)
    if adapter is None:
        adapter = _ADAPTERS[key] = TypeAdapter(getattr(row, part))
    return adapter


def line_sender(stream: ByteSendStream) -> MessageSender:
    """Send each message as one line of ``stream`` (the stdio framing)."""

    async def send(message: bytes) -> None:
        await stream.send(message + b"\n")

    return send


async def lines_of(stream: ByteReceiveStream) -> AsyncIterator[bytes]:
    """The lines of ``stream`` (without their newline), until it ends."""
    lines = BufferedByteReceiveStream(stream)
    while True:
        try:
            yield await lines.receive_until(b"\n", MAX_LINE_BYTES)
        except (anyio.EndOfStream, anyio.IncompleteRead, anyio.BrokenResourceError):
            return
        except anyio.DelimiterNotFound:
            log.error("a line longer than %d bytes from the server; closing", MAX_LINE_BYTES)
            return


class AppServerClient:
    """A connection to an app-server; see `spawn_stdio` and
    `connect_websocket` to open one.

    ``send`` writes one message to the server (a `ByteSendStream` is taken as
    stdio's, one message a line); `read_messages` (run as a task of
    ``task_group``) reads the server's.
    """

    def __init__(
        self,
        send: MessageSender | ByteSendStream,
        task_group: TaskGroup,
        *,
        max_buffered: int = DEFAULT_MAX_BUFFERED,
        max_threads: int = DEFAULT_MAX_THREADS,
    ) -> None:
        self._send_message = line_sender(send) if isinstance(send, ByteSendStream) else send
        self._send_lock = anyio.Lock()
        self._tasks = task_group
        self._ids = itertools.count(1)
        self._pending: dict[RequestId, _Pending] = {}
        self._handlers: dict[str, ServerRequestHandler] = {}
        self._max_buffered = max_buffered
        self._max_threads = max_threads
        self._all = DropOldestBuffer[ServerNotice](max_buffered)
        self._threads: OrderedDict[str, DropOldestBuffer[ServerNotice]] = OrderedDict()
        self._watched: dict[str, int] = {}
        self._closed = anyio.Event()

    # -- requests ---------------------------------------------------------------

    @overload
    async def request(self, row: ClientMethod[None, R]) -> R: ...
    @overload
    async def request(self, row: ClientMethod[P, R], params: P) -> R: ...

    async def request(self, row: ClientMethod[Any, R], params: Any = None) -> R:
        """Send the request of ``row`` (a row of `app_server_protocol.methods`)
        and return its result, validated by the row's result model.

        Raises `RpcError` when the server answers with an error,
        `ConnectionClosed` when it goes away first.
        """
        wire_params = (
            None if row.params is None else _adapter(row, "params").dump_python(params, mode="json")
        )
        result = await self.request_json(row.method, wire_params)
        if row.result is None:
            return None  # type: ignore[return-value]  # R is None for such rows
        validated: R = _adapter(row, "result").validate_python(result)
        return validated

    async def request_json(self, method: str, params: JsonValue | None = None) -> Any:
        """Send any request with JSON params (None: no ``params`` key) and
        return its result as JSON: for what the method table does not type."""
        request_id = next(self._ids)
        message: dict[str, Any] = {"id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        pending = self._pending[request_id] = _Pending()
        try:
            if self._closed.is_set():
                raise ConnectionClosed(f"{method}: the connection is closed")
            await self._send(message)
            await pending.done.wait()
        finally:
            del self._pending[request_id]
        if pending.error is not None:
            raise pending.error
        return pending.result

    async def notify(self, row: Notification[P], params: P | None = None) -> None:
        """Send a client notification (``initialized``)."""
        message: dict[str, Any] = {"method": row.method}
        if row.params is not None:
            message["params"] = TypeAdapter(row.params).dump_python(params, mode="json")
        await self._send(message)

    async def _send(self, message: dict[str, Any]) -> None:
        encoded = pydantic_core.to_json(message)
        async with self._send_lock:
            try:
                await self._send_message(encoded)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as exc:
                raise ConnectionClosed(f"cannot write to the server: {exc!r}") from exc

    # -- conveniences ------------------------------------------------------------

    async def initialize(
        self, client_info: ClientInfo, capabilities: InitializeCapabilities | None = None
    ) -> InitializeResponse:
        """The handshake: ``initialize``, then the ``initialized`` notification."""
        params = InitializeParams(client_info=client_info, capabilities=capabilities)
        response = await self.request(methods.INITIALIZE, params)
        await self.notify(methods.INITIALIZED)
        return response

    async def thread_start(self, params: ThreadStartParams | None = None) -> ThreadStartResponse:
        """Start a v2 thread (with the config's defaults unless ``params`` says otherwise)."""
        return await self.request(methods.THREAD_START, params or ThreadStartParams())

    async def turn_start(self, thread_id: str, text: str, **settings: Any) -> TurnStartResponse:
        """Start a v2 turn whose input is ``text``; ``settings`` are other
        `TurnStartParams` fields (``model``, ``cwd``, ...)."""
        params = TurnStartParams(thread_id=thread_id, input=[UserInputText(text=text)], **settings)
        return await self.request(methods.TURN_START, params)

    async def run_turn(
        self, thread_id: str, text: str, **settings: Any
    ) -> tuple[TurnCompletedNotification, list[ServerNotice]]:
        """Start a turn and read the thread's notifications until it completes:
        the ``turn/completed`` params and every notice of the thread up to it.
        Meant for a thread whose events nobody else reads."""
        events = self.thread_events(thread_id)
        seen: list[ServerNotice] = []
        try:
            started = await self.turn_start(thread_id, text, **settings)
            async for notice in events:
                seen.append(notice)
                done = notice.of(methods.TURN_COMPLETED)
                if done is not None and done.turn.id == started.turn.id:
                    return done, seen
        finally:
            await events.aclose()
        raise ConnectionClosed(f"the server closed during turn {started.turn.id}")

    # -- server requests --------------------------------------------------------

    def on_request(self, row: ServerMethod[P, R], handler: Callable[[P], Awaitable[R]]) -> None:
        """Answer the server's requests of ``row`` (approvals, ...) with
        ``handler``: it gets the params typed by the row and returns the
        result. A handler raising `RpcError` answers with that error; a
        request without a handler is answered with an error."""
        self._handlers[row.method] = handler

    async def _serve_request(self, request_id: RequestId, method: str, params: Any) -> None:
        try:
            result = await self._answer(method, params)
        except RpcError as exc:
            await self._send_error(request_id, exc.code, exc.message, exc.data)
        except ValidationError as exc:
            log.warning("server request %s has params we cannot read: %s", method, exc)
            await self._send_error(request_id, INVALID_REQUEST, f"invalid {method} params")
        except Exception:
            log.exception("the handler of %s failed", method)
            await self._send_error(
                request_id, INTERNAL_ERROR, f"the client's {method} handler failed"
            )
        else:
            await self._send({"id": request_id, "result": result})

    async def _answer(self, method: str, params: Any) -> Any:
        handler = self._handlers.get(method)
        row = SERVER_REQUESTS_BY_METHOD.get(method)
        if handler is None or row is None:
            raise RpcError(INVALID_REQUEST, f"this client does not handle {method}")
        typed = None if row.params is None else _adapter(row, "params").validate_python(params)
        result = await handler(typed)
        return (
            None if row.result is None else _adapter(row, "result").dump_python(result, mode="json")
        )

    async def _send_error(
        self, request_id: RequestId, code: int, message: str, data: JsonValue | None = None
    ) -> None:
        error: dict[str, Any] = {"code": code, "message": message}
        if data is not None:
            error["data"] = data
        with contextlib.suppress(ConnectionClosed):
            await self._send({"id": request_id, "error": error})

    # -- notifications ----------------------------------------------------------

    async def notifications(self) -> AsyncGenerator[ServerNotice, None]:
        """Every notification from the server, in order, from the start of
        the connection (at most the newest `max_buffered` of those not read
        yet); it ends when the connection closes. Meant for one reader."""
        while True:
            try:
                yield await self._all.get()
            except anyio.EndOfStream:
                return

    async def thread_events(self, thread_id: str | UUID) -> AsyncGenerator[ServerNotice, None]:
        """The notifications about one thread (v2 ``threadId``) or v1
        conversation (``conversationId``), in order, including those that
        came before this was called (up to `max_buffered`); it ends when the
        connection closes. Meant for one reader per thread."""
        thread_id = str(thread_id)
        buffer = self._thread_buffer(thread_id)
        self._watched[thread_id] = self._watched.get(thread_id, 0) + 1
        try:
            while True:
                try:
                    yield await buffer.get()
                except anyio.EndOfStream:
                    return
        finally:
            self._watched[thread_id] -= 1
            if not self._watched[thread_id]:
                del self._watched[thread_id]

    def forget_thread(self, thread_id: str) -> None:
        """Stop keeping the notifications of a thread nobody reads any more."""
        self._threads.pop(thread_id, None)

    @property
    def dropped_notifications(self) -> int:
        """Notifications dropped from the all-notifications buffer for want of a reader."""
        return self._all.dropped

    def _thread_buffer(self, thread_id: str) -> DropOldestBuffer[ServerNotice]:
        buffer = self._threads.get(thread_id)
        if buffer is None:
            buffer = self._threads[thread_id] = DropOldestBuffer(self._max_buffered)
            if self._closed.is_set():
                buffer.close()
            self._evict_unwatched_threads()
        return buffer

    def _evict_unwatched_threads(self) -> None:
        excess = len(self._threads) - self._max_threads
        for thread_id in list(self._threads):
            if excess <= 0:
                break
            if thread_id not in self._watched:
                del self._threads[thread_id]
                excess -= 1

    # -- reading ----------------------------------------------------------------

    async def read_from(self, stream: ByteReceiveStream) -> None:
        """Read and dispatch the server's lines until it closes its end."""
        await self.read_messages(lines_of(stream))

    async def read_messages(self, messages: AsyncIterable[bytes]) -> None:
        """Dispatch the server's messages until they end (the server closed):
        then pending requests fail with `ConnectionClosed` and the
        notification iterators end."""
        try:
            async for message in messages:
                self._dispatch(message)
        finally:
            self._on_closed()

    def _dispatch(self, raw: bytes) -> None:
        try:
            message = pydantic_core.from_json(raw)
        except ValueError:
            log.warning("skipped a message from the server that is not JSON: %r", raw[:200])
            return
        if not isinstance(message, dict):
            log.warning("skipped a message from the server that is not an object: %r", raw[:200])
            return
        method = message.get("method")
        if "id" in message and isinstance(method, str):
            self._tasks.start_soon(
                self._serve_request, message["id"], method, message.get("params")
            )
        elif "id" in message:
            self._resolve(message)
        elif isinstance(method, str):
            params = message.get("params")
            notice = ServerNotice(method, params, thread_of(params))
            self._all.put(notice)
            if notice.thread_id is not None:
                self._thread_buffer(notice.thread_id).put(notice)
        else:
            log.warning("skipped a message from the server of no known shape: %r", raw[:200])

    def _resolve(self, message: dict[str, Any]) -> None:
        pending = self._pending.get(message["id"])
        if pending is None:
            log.warning("a response to no pending request: %r", message.get("id"))
            return
        error = message.get("error")
        if isinstance(error, dict):
            pending.error = RpcError(
                int(error.get("code", INTERNAL_ERROR)),
                str(error.get("message", "")),
                error.get("data"),
            )
        else:
            pending.result = message.get("result")
        pending.done.set()

    def _on_closed(self) -> None:
        self._closed.set()
        self._all.close()
        for buffer in self._threads.values():
            buffer.close()
        for request_id, pending in self._pending.items():
            if not pending.done.is_set():
                pending.error = ConnectionClosed(
                    f"the server closed before answering request {request_id}"
                    + self._closed_detail()
                )
                pending.done.set()

    def _closed_detail(self) -> str:
        """Said after "the server closed" (a transport tells how it closed)."""
        return ""

    @property
    def closed(self) -> bool:
        """Whether the server's end is closed (it exited, or closed its output)."""
        return self._closed.is_set()

    async def wait_closed(self) -> None:
        await self._closed.wait()
