"""Everything the daemon sends: responses, errors, notifications and its own
requests to the client. Messages are serialised here, once, and handed as
bytes to the stdout writer through a stream bounded in bytes.

One `Outgoing` serves one connection. On stdio, when the client stops
reading, senders wait for room; a client that reads nothing for
`STALL_SECONDS` while the queue is full is taken as gone: what is queued
stays queued, later messages are dropped, requests waiting for its answers
fail with `ClientGone`, and the ``on_gone`` callbacks run (conversations
stop sending it events, and go on recording them). A WebSocket connection
(``drop_when_full``) never makes a sender wait, since the other connections
would wait too: when its queue is full it is given up at once."""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, Final, TypeVar

import anyio
import pydantic_core
from anyio.streams.memory import MemoryObjectSendStream
from pydantic import TypeAdapter

from app_server_protocol.jsonrpc import RequestId
from app_server_protocol.methods import Notification, ServerMethod

from .client_face import ClientFace
from .errors import RpcError
from .logs import log, redact
from .wire_log import RequestTimes, sent

P = TypeVar("P")
R = TypeVar("R")

_ADAPTERS: dict[tuple[int, str], TypeAdapter[Any]] = {}


def _adapter(row: Notification[Any] | ServerMethod[Any, Any], part: str) -> TypeAdapter[Any]:
    """The adapter of a row's ``params`` or ``result`` type, made on first use."""
    key = (id(row), part)
    adapter = _ADAPTERS.get(key)
    if adapter is None:
        adapter = _ADAPTERS[key] = TypeAdapter(getattr(row, part))
    return adapter


def params_adapter(row: Notification[Any]) -> TypeAdapter[Any]:
    """The serializer of a notification's params (made on first use)."""
    return _adapter(row, "params")


def dumps(value: Any) -> bytes:
    """Compact JSON, UTF-8 as is (as the reference writes it)."""
    return pydantic_core.to_json(value)


def _redacted(value: Any) -> Any:
    """A JSON value with every string redacted (an error's ``data``)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    return value


#: Serialised messages waiting for the client, at most (one larger message
#: may still be queued alone).
MAX_QUEUED_BYTES: Final = 16 * 1024 * 1024
#: How long a full queue may wait for the client to read anything at all.
STALL_SECONDS: Final = 30.0
#: How often a sender waiting for room looks again.
_ROOM_POLL_SECONDS: Final = 0.05


class ClientGone(Exception):
    """The client went away before answering a server request."""


class _Pending:
    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.result: Any = None
        self.error: Exception | None = None

    def fail(self, error: Exception) -> None:
        self.error = error
        self.done.set()

    def outcome(self) -> Any:
        """The answer's result; raises its error."""
        if self.error is not None:
            raise self.error
        return self.result


class Outgoing:
    """The daemon's side of the conversation with the client."""

    def __init__(
        self,
        stream: MemoryObjectSendStream[bytes],
        max_queued_bytes: int = MAX_QUEUED_BYTES,
        stall_seconds: float = STALL_SECONDS,
        *,
        request_ids: Iterator[int] | None = None,
        drop_when_full: bool = False,
        max_queued_messages: int | None = None,
        name: str = "the client",
    ) -> None:
        self._stream = stream
        self._ids = itertools.count() if request_ids is None else request_ids
        """Ids of the daemon's requests: shared by every connection of a daemon,
        so that one request sent to several connections has one id."""
        self._pending: dict[RequestId, _Pending] = {}
        self._closed = False
        self._max_queued = max_queued_bytes
        self._max_messages = max_queued_messages
        self._drop_when_full = drop_when_full
        self._stall_seconds = stall_seconds
        self.name = name
        """Who is at the other end, for log lines."""
        self.initialized = False
        """Whether the client has introduced itself (`initialize`): messages
        sent to every client skip those that have not."""
        self._sizes: deque[int] = deque()
        """The size of each message sent and maybe not taken by the writer yet, oldest first."""
        self._queued = 0
        self._taken = 0
        """How many messages the writer has taken so far."""
        self._on_gone: list[Callable[[], None]] = []
        #: When each request came in, for its line in the debug log.
        self.request_times = RequestTimes()
        self.face = ClientFace()
        """What the client is sent (set at `initialize`)."""

    def on_gone(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` if the client is taken as gone for not reading."""
        self._on_gone.append(callback)

    @property
    def closed(self) -> bool:
        """Nothing more reaches this client."""
        return self._closed

    @property
    def queued_bytes(self) -> int:
        """Bytes of messages waiting for the writer."""
        self._count_taken()
        return self._queued

    def _count_taken(self) -> None:
        # The stream keeps the newest messages: those beyond its count were taken.
        waiting = self._stream.statistics().current_buffer_used
        while len(self._sizes) > waiting:
            self._queued -= self._sizes.popleft()
            self._taken += 1

    async def send(self, data: bytes) -> None:
        """Queue one serialised message (with its trailing newline)."""
        if self._closed:
            return
        sent(data)
        self._count_taken()
        if self._drop_when_full:
            if self._full(len(data)):
                self._drop_slow_client()
                return
        elif self._queued and self._queued + len(data) > self._max_queued:
            await self._wait_for_room(len(data))
            if self._closed:
                return
        try:
            try:
                self._stream.send_nowait(data)
            except anyio.WouldBlock:
                # The stdout writer is behind: wait for room (it may stop meanwhile).
                await self._stream.send(data)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            self._closed = True
            return
        self._sizes.append(len(data))
        self._queued += len(data)

    async def _wait_for_room(self, size: int) -> None:
        """Wait until ``size`` more bytes fit; give the client up when it reads
        nothing for `STALL_SECONDS` (``_closed`` is then set)."""
        taken = self._taken
        deadline = anyio.current_time() + self._stall_seconds
        while not self._closed:
            await anyio.sleep(_ROOM_POLL_SECONDS)
            self._count_taken()
            if not self._queued or self._queued + size <= self._max_queued:
                return
            if self._taken != taken:
                taken = self._taken
                deadline = anyio.current_time() + self._stall_seconds
            elif anyio.current_time() >= deadline:
                self._give_up()

    def _full(self, size: int) -> bool:
        if self._queued and self._queued + size > self._max_queued:
            return True
        return self._max_messages is not None and len(self._sizes) >= self._max_messages

    def _drop_slow_client(self) -> None:
        log.warning(
            "disconnecting %s: its outbound queue is full (%d messages, %d bytes waiting)",
            self.name,
            len(self._sizes),
            self._queued,
        )
        self._give_up()

    def _give_up(self) -> None:
        if self._closed:
            return
        if not self._drop_when_full:
            log.warning(
                "%s has read nothing for %.0f s with %d bytes of output waiting: "
                "taken as gone (its conversations go on, recorded in their rollouts)",
                self.name,
                self._stall_seconds,
                self._queued,
            )
        self.close()
        for callback in self._on_gone:
            try:
                callback()
            except Exception:
                log.exception("after the client was given up")

    async def send_result(self, request_id: RequestId, result_json: bytes) -> None:
        self.request_times.answered(request_id)
        await self.send(b'{"id":' + dumps(request_id) + b',"result":' + result_json + b"}\n")

    async def send_error(
        self, request_id: RequestId, code: int, message: str, data: Any = None
    ) -> None:
        self.request_times.answered(request_id, code)
        body = b'{"code":' + str(code).encode() + b',"message":' + dumps(redact(message))
        if data is not None:
            body += b',"data":' + dumps(_redacted(data))
        body += b"}"
        await self.send(b'{"error":' + body + b',"id":' + dumps(request_id) + b"}\n")

    async def notify(self, row: Notification[P], params: P) -> None:
        """Send the notification of `row` (a row of the method table), unless
        the client opted out of it."""
        face = self.face
        if not face.wants(row.method):
            return
        message = b'{"method":' + dumps(row.method)
        if row.params is not None:
            adapter = _adapter(row, "params")
            message += b',"params":' + adapter.dump_json(params, context=face.serialization_context)
        await self.send(message + b"}\n")

    async def request(
        self,
        row: ServerMethod[P, R],
        params: P,
        sent: Callable[[RequestId], None] | None = None,
    ) -> R:
        """Send the request of `row` to the client and wait for its result.

        Raises `RpcError` when the client answers with an error, `ClientGone`
        when it disconnects first, and pydantic's `ValidationError` when the
        result is not of the row's result type. ``sent`` gets the request's
        id once it is queued.
        """
        params_json = self.params_json(row, params)
        if self._closed:
            raise ClientGone(row.method)
        request_id = self.new_request_id()
        if sent is not None:
            sent(request_id)
        try:
            pending = await self.open_request(row.method, request_id, params_json)
            await pending.done.wait()
        finally:
            self.forget_request(request_id)
        return self.result_of(row, pending.outcome())

    def new_request_id(self) -> int:
        return next(self._ids)

    def params_json(self, row: ServerMethod[P, Any], params: P) -> bytes:
        """A request's params, serialised for this client."""
        return _adapter(row, "params").dump_json(params, context=self.face.serialization_context)

    def result_of(self, row: ServerMethod[Any, R], result: Any) -> R:
        """An answer's result, validated against the row's result type."""
        validated: R = _adapter(row, "result").validate_python(result)
        return validated

    async def open_request(self, method: str, request_id: int, params_json: bytes) -> _Pending:
        """Send a request and return what its answer will settle (done at once,
        with `ClientGone`, when the client is gone). The caller waits for it,
        then calls `forget_request`."""
        pending = self._pending[request_id] = _Pending()
        if self._closed:
            pending.fail(ClientGone(method))
            return pending
        # Key order as the reference writes its requests.
        await self.send(
            b'{"method":'
            + dumps(method)
            + b',"id":'
            + dumps(request_id)
            + b',"params":'
            + params_json
            + b"}\n"
        )
        if self._closed and not pending.done.is_set():
            pending.fail(ClientGone(method))
        return pending

    def forget_request(self, request_id: RequestId) -> None:
        """No answer to ``request_id`` is awaited any more (a late one is dropped)."""
        self._pending.pop(request_id, None)

    def deliver(self, request_id: Any, result: Any = None, error: Any = None) -> None:
        """Route the client's answer to whoever awaits it."""
        if isinstance(request_id, float) and math.isfinite(request_id) and request_id.is_integer():
            request_id = int(request_id)
        # Not a bool: `false` and `true` would otherwise match the ids 0 and 1.
        known = type(request_id) is int or type(request_id) is str
        pending = self._pending.get(request_id) if known else None
        if pending is not None and pending.done.is_set():
            # The first answer is final: a later one (an `approved` after a
            # `denied`, say) must not change a decision already taken.
            log.warning("another answer to server request %r dropped", request_id)
            return
        if pending is None:
            if error is not None:
                log.error("error from the client for request %r: %s", request_id, error)
            else:
                log.warning(
                    "answer to an unknown or answered server request %r dropped", request_id
                )
            return
        if error is not None:
            code = error.get("code") if isinstance(error, dict) else None
            message = error.get("message") if isinstance(error, dict) else None
            pending.error = RpcError(
                code if isinstance(code, int) else -32603,
                message if isinstance(message, str) else str(error),
            )
        else:
            pending.result = result
        pending.done.set()

    def close(self) -> None:
        """The client is gone: fail every request still waiting for it."""
        self._closed = True
        for pending in self._pending.values():
            if not pending.done.is_set():
                pending.fail(ClientGone())
