"""Everything the daemon sends: responses, errors, notifications and its own
requests to the client. Messages are serialised here, once, and handed as
bytes to the stdout writer through a bounded stream."""

from __future__ import annotations

import itertools
import math
from typing import Any

import anyio
import pydantic_core
from anyio.streams.memory import MemoryObjectSendStream

from app_server_protocol.jsonrpc import RequestId

from .errors import RpcError
from .logs import log, redact
from .wire_log import RequestTimes, sent


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

    def __init__(self, stream: MemoryObjectSendStream[bytes]) -> None:
        self._stream = stream
        self._ids = itertools.count()
        self._pending: dict[RequestId, _Pending] = {}
        self._closed = False
        #: When each request came in, for its line in the debug log.
        self.request_times = RequestTimes()

    async def send(self, data: bytes) -> None:
        """Queue one serialised message (with its trailing newline)."""
        if self._closed:
            return
        sent(data)
        try:
            try:
                self._stream.send_nowait(data)
            except anyio.WouldBlock:
                # The stdout writer is behind: wait for room (it may stop meanwhile).
                await self._stream.send(data)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            self._closed = True

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

    async def notify(self, method: str, params_json: bytes) -> None:
        await self.send(b'{"method":' + dumps(method) + b',"params":' + params_json + b"}\n")

    async def request(self, method: str, params_json: bytes) -> Any:
        """Send a request to the client and wait for its result (a JSON value).

        Raises `RpcError` when the client answers with an error and
        `ClientGone` when it disconnects first.
        """
        if self._closed:
            raise ClientGone(method)
        request_id = next(self._ids)
        pending = self._pending[request_id] = _Pending()
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
        if pending is None:
            if error is not None:
                log.error("error from the client for request %r: %s", request_id, error)
            else:
                log.debug("response to an unknown server request %r ignored", request_id)
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
