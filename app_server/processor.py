"""From one input line to the right handler, and its answer back.

Lines that are not one JSON-RPC message are logged and skipped. Requests are
validated strictly against the method table (the whole message, from its raw
bytes, once), then run in their own task when their row's ordering allows
(`app_server.ordering`): a request waits only for the earlier requests it
must see, so a slow one never delays the rest. `initialize` is served before
the next line is read: it is the gate every other request checks. Responses
to the daemon's own requests are routed to whoever awaits them.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from typing import Any, Final

import anyio
import pydantic_core
from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails
from typing_extensions import TypedDict

from app_server_protocol._base import ProtocolModel
from app_server_protocol.jsonrpc import INTERNAL_ERROR, INVALID_REQUEST, RequestId
from app_server_protocol.methods import (
    CLIENT_NOTIFICATIONS,
    CLIENT_REQUEST_MODELS,
    CLIENT_REQUESTS_BY_METHOD,
    INITIALIZE,
    PER_THREAD,
    ClientMethod,
)

from .app import App, Connection, RequestContext
from .errors import RpcError
from .handlers import HANDLERS, Handler
from .logs import log
from .ordering import Admission, RequestOrder
from .self_encoding import SelfEncoding
from .transport import MAX_LINE_BYTES, OversizedLine
from .wire_checks import ID_RANGE, has_duplicate_id, request_id_in_head

_NOTIFICATIONS = frozenset(n.method for n in CLIENT_NOTIFICATIONS)


class _Header(TypedDict, total=False):
    """The members that route a message. Validating a line against this reads
    it without building Python objects for ``params``: the line is turned into
    objects once, by the envelope of its method."""

    id: Any
    method: Any
    result: Any
    error: Any


_HEADER: Final = TypeAdapter(_Header)


def _has_non_finite_number(line: bytes) -> bool:
    """Whether the line holds NaN or Infinity, which are not JSON (the
    header parse accepts them). The exact parse runs only when the words occur."""
    if b"NaN" not in line and b"Infinity" not in line:
        return False
    try:
        pydantic_core.from_json(line, allow_inf_nan=False)
    except ValueError:
        return True
    return False


@dataclass(frozen=True)
class _Route:
    row: ClientMethod[Any, Any]
    envelope: type[ProtocolModel]
    result: TypeAdapter[Any]
    handler: Handler | None


def describe_validation_error(error: ValidationError) -> str:
    """A short, readable account of what is wrong with the params. A missing
    field and a value that should be a string or a boolean are told in the
    reference's words (serde's) when they come first, followed by where."""
    items = error.errors(include_url=False)
    if items:
        serde = _serde_message(items[0])
        if serde is not None:
            where = ".".join(str(p) for p in items[0]["loc"])
            return f"{serde} at `{where}`" if where else serde
    parts = []
    for item in items[:3]:
        where = ".".join(str(p) for p in item["loc"]) or "message"
        parts.append(f"{where}: {item['msg']}")
    more = error.error_count() - len(parts)
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


_EXPECTED: Final = {"string_type": "a string", "bool_type": "a boolean"}


def _serde_message(item: ErrorDetails) -> str | None:
    kind = item["type"]
    if kind == "missing" and item["loc"]:
        return f"missing field `{item['loc'][-1]}`"
    expected = _EXPECTED.get(kind)
    if expected is None:
        return None
    value = item.get("input")
    if isinstance(value, bool):
        found = f"boolean `{str(value).lower()}`"
    elif isinstance(value, int):
        found = f"integer `{value}`"
    elif isinstance(value, float):
        found = f"floating point `{value}`"
    elif isinstance(value, str):
        found = f"string {json.dumps(value)}"
    elif value is None:
        found = "null"
    elif isinstance(value, list):
        found = "sequence"
    else:
        found = "map"
    return f"invalid type: {found}, expected {expected}"


def _unknown_method(method: str) -> str:
    """The reference's answer to a method it does not know (its serde message,
    listing the methods in the table's order)."""
    known = ", ".join(f"`{m}`" for m in CLIENT_REQUESTS_BY_METHOD)
    return f"Invalid request: unknown variant `{method}`, expected one of {known}"


class Processor:
    """Serves the messages of one connection."""

    def __init__(self, app: App, connection: Connection) -> None:
        self.app = app
        self.connection = connection
        self._routes: dict[str, _Route] = {}
        self._order = RequestOrder()
        self._in_flight = 0
        self._idle = anyio.Event()
        self._idle.set()

    def _route(self, row: ClientMethod[Any, Any]) -> _Route:
        route = self._routes.get(row.method)
        if route is None:
            route = self._routes[row.method] = _Route(
                row=row,
                envelope=CLIENT_REQUEST_MODELS[row.method],
                result=TypeAdapter(row.result),
                handler=HANDLERS.get(row.method),
            )
        return route

    async def wait_idle(self) -> None:
        """Until every request received so far is answered."""
        await self._idle.wait()

    async def handle_line(self, line: bytes) -> None:
        """Serve one input line; whatever happens, the server goes on."""
        try:
            await self._handle_line(line)
        except Exception:
            log.exception("message skipped after an unexpected failure")

    async def _handle_line(self, line: bytes) -> None:
        if isinstance(line, OversizedLine):
            await self._refuse_oversized(line)
            return
        try:
            message = _HEADER.validate_json(line)
        except ValidationError as exc:
            (problem, *_) = exc.errors(include_url=False, include_input=False)
            if problem["type"] == "dict_type":
                log.error("message skipped: not a JSON object")
            else:
                log.error("malformed message skipped: %s", problem["msg"])
            return
        # NaN and Infinity are not JSON: such a line is malformed, as for the reference.
        if _has_non_finite_number(line):
            log.error("malformed message skipped: NaN or Infinity is not JSON")
            return
        method = message.get("method")
        if isinstance(method, str):
            request_id = message.get("id")
            if request_id is None or isinstance(request_id, float):
                # The reference treats these as notifications.
                self._on_notification(method)
            elif isinstance(request_id, bool) or not isinstance(request_id, int | str):
                log.error("message skipped: an id must be a string or an integer")
            elif isinstance(request_id, int) and request_id not in ID_RANGE:
                # The reference drops these silently; the client deserves an answer.
                await self.connection.outgoing.send_error(
                    request_id, INVALID_REQUEST, "Invalid request: id: must be a 64-bit integer"
                )
            elif has_duplicate_id(line):
                await self.connection.outgoing.send_error(
                    request_id, INVALID_REQUEST, "Invalid request: the message has two `id` members"
                )
            else:
                await self._on_request(method, request_id, line)
        elif "id" in message and ("result" in message or "error" in message):
            if has_duplicate_id(line):
                log.error("answer skipped: the message has two `id` members")
                return
            outgoing = self.connection.outgoing
            outgoing.deliver(message["id"], message.get("result"), message.get("error"))
        else:
            log.error("message skipped: neither a request, a notification nor a response")

    async def _refuse_oversized(self, head: OversizedLine) -> None:
        request_id = request_id_in_head(head)
        if request_id is None:
            log.error("a message larger than %d bytes skipped", MAX_LINE_BYTES)
            return
        await self.connection.outgoing.send_error(
            request_id,
            INVALID_REQUEST,
            f"Invalid request: the message is larger than {MAX_LINE_BYTES >> 20} MiB",
        )

    def _on_notification(self, method: str) -> None:
        if method not in _NOTIFICATIONS:
            log.debug("notification %r ignored", method)

    async def _on_request(self, method: str, request_id: RequestId, line: bytes) -> None:
        outgoing = self.connection.outgoing
        outgoing.request_times.started(method, request_id)
        row = CLIENT_REQUESTS_BY_METHOD.get(method)
        if row is None:
            await outgoing.send_error(request_id, INVALID_REQUEST, _unknown_method(method))
            return
        route = self._route(row)
        try:
            envelope = route.envelope.model_validate_json(
                line, strict=True, by_alias=True, by_name=False
            )
        except ValidationError as exc:
            await outgoing.send_error(
                request_id, INVALID_REQUEST, f"Invalid request: {describe_validation_error(exc)}"
            )
            return
        session = self.connection.session
        if row is INITIALIZE:
            if session.initialized:
                await outgoing.send_error(request_id, INVALID_REQUEST, "Already initialized")
                return
        elif not session.initialized:
            await outgoing.send_error(request_id, INVALID_REQUEST, "Not initialized")
            return
        if route.handler is None:
            log.error("no handler for %s", method)
            await outgoing.send_error(request_id, INTERNAL_ERROR, f"{method} has no handler")
            return
        # A method without params gets None (whether they were absent, null or {}).
        params = None if row.params is None else getattr(envelope, "params", None)
        thread = None
        if row.ordering is PER_THREAD and row.thread is not None:
            # A v1 conversation id (a UUID) and a v2 thread id (a string) name the same thread.
            thread = str(row.thread(params))
        admission = self._order.admit(row.ordering, thread)
        ctx = RequestContext(self.app, request_id, row, self.connection)
        self._started()
        if row is INITIALIZE:
            await self._run(route, params, ctx, admission)
        else:
            self.app.task_group.start_soon(self._run, route, params, ctx, admission)

    def _started(self) -> None:
        if self._in_flight == 0:
            self._idle = anyio.Event()
        self._in_flight += 1

    def _finished(self, admission: Admission) -> None:
        self._order.finish(admission)
        self._in_flight -= 1
        if self._in_flight == 0:
            self._idle.set()

    async def _run(
        self, route: _Route, params: Any, ctx: RequestContext, admission: Admission
    ) -> None:
        try:
            await admission.wait()
            await self._answer(route, params, ctx)
        finally:
            self._finished(admission)

    async def _answer(self, route: _Route, params: Any, ctx: RequestContext) -> None:
        outgoing = self.connection.outgoing
        handler = route.handler
        assert handler is not None
        try:
            result = handler.func(params, ctx)
            if inspect.isawaitable(result):
                result = await result
            context = self.connection.outgoing.face.serialization_context
            if isinstance(result, SelfEncoding):
                payload = result.encoded(route.result, context)
            else:
                payload = route.result.dump_json(result, context=context)
        except RpcError as exc:
            await outgoing.send_error(ctx.request_id, exc.code, exc.message, exc.data)
            return
        except Exception as exc:
            log.exception("%s failed", route.row.method)
            await outgoing.send_error(
                ctx.request_id, INTERNAL_ERROR, f"Internal error: {type(exc).__name__}: {exc}"
            )
            return
        await outgoing.send_result(ctx.request_id, payload)
        for action in ctx.after_response_actions:
            try:
                await action()
            except Exception:
                log.exception("after %s", route.row.method)
