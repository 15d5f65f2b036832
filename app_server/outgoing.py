"""Everything the daemon sends: responses, errors, notifications and its own
requests to the client. Messages are serialised here, once, and handed as
bytes to the stdout writer through a stream bounded in bytes.

When the client stops reading, senders wait for room; a client that reads
nothing for `STALL_SECONDS` while the queue is full is taken as gone: what
is queued stays queued, later messages are dropped, requests waiting for
its answers fail with `ClientGone`, and the ``on_gone`` callbacks run
(conversations stop sending it events, and go on recording them)."""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable
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


class Outgoing:
    """The daemon's side of the conversation with the client."""

    def __init__(
        self,
        stream: MemoryObjectSendStream[bytes],
        max_queued_bytes: int = MAX_QUEUED_BYTES,
        stall_seconds: float = STALL_SECONDS,
    ) -> None:
        self._stream = stream
        self._ids = itertools.count()
        self._pending: dict[RequestId, _Pending] = {}
        self._closed = False
        self._max_queued = max_queued_bytes
        self._stall_seconds = stall_seconds
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
        if self._queued and self._queued + len(data) > self._max_queued:
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

    def _give_up(self) -> None:
        if self._closed:
            return
        log.warning(
            "the client has read nothing for %.0f s with %d bytes of output waiting: "
            "taken as gone (its conversations go on, recorded in their rollouts)",
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
        params_json = _adapter(row, "params").dump_json(
            params, context=self.face.serialization_context
        )
        result = await self._request(row.method, params_json, sent)
        validated: R = _adapter(row, "result").validate_python(result)
        return validated

    async def _request(
        self, method: str, params_json: bytes, sent: Callable[[RequestId], None] | None = None
    ) -> Any:
        if self._closed:
            raise ClientGone(method)
        request_id = next(self._ids)
        pending = self._pending[request_id] = _Pending()
        if sent is not None:
            sent(request_id)
        try:
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
                raise ClientGone(method)
            await pending.done.wait()
        finally:
            del self._pending[request_id]
        if pending.error is not None:
            raise pending.error
        return pending.result

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
            pending.error = ClientGone()
            pending.done.set()
