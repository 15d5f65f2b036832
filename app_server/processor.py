"""From one input line to the right handler, and its answer back.

Lines that are not one JSON-RPC message are logged and skipped. Requests are
validated strictly against the method table (the whole message, from its raw
bytes); quick synchronous handlers run inline, others in their own task so
that a slow request never delays the rest. Responses to the daemon's own
requests are routed to whoever awaits them.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import CoroutineType
from typing import Any

import pydantic_core
from pydantic import TypeAdapter, ValidationError

from app_server_protocol._base import ProtocolModel
from app_server_protocol.jsonrpc import INTERNAL_ERROR, INVALID_REQUEST, RequestId
from app_server_protocol.methods import (
    CLIENT_NOTIFICATIONS,
    CLIENT_REQUEST_MODELS,
    CLIENT_REQUESTS_BY_METHOD,
    Request,
)

from .app import App, RequestContext
from .errors import RpcError
from .handlers import HANDLERS, Handler
from .logs import log

_NOTIFICATIONS = frozenset(n.method for n in CLIENT_NOTIFICATIONS)


@dataclass(frozen=True)
class _Route:
    spec: Request
    envelope: type[ProtocolModel]
    result: TypeAdapter[Any]
    handler: Handler | None


def describe_validation_error(error: ValidationError) -> str:
    """A short, readable account of what is wrong with the params."""
    parts = []
    for item in error.errors(include_url=False, include_input=False)[:3]:
        where = ".".join(str(p) for p in item["loc"]) or "message"
        parts.append(f"{where}: {item['msg']}")
    more = error.error_count() - len(parts)
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


class Processor:
    def __init__(self, app: App) -> None:
        self.app = app
        self._routes: dict[str, _Route] = {}

    def _route(self, method: str) -> _Route:
        route = self._routes.get(method)
        if route is None:
            spec = CLIENT_REQUESTS_BY_METHOD[method]
            route = self._routes[method] = _Route(
                spec=spec,
                envelope=CLIENT_REQUEST_MODELS[method],
                result=TypeAdapter(spec.result),
                handler=HANDLERS.get(method),
            )
        return route

    async def handle_line(self, line: bytes) -> None:
        """Serve one input line; whatever happens, the server goes on."""
        try:
            await self._handle_line(line)
        except Exception:
            log.exception("message skipped after an unexpected failure")

    async def _handle_line(self, line: bytes) -> None:
        try:
            # NaN and Infinity are not JSON: such a line is malformed, as for the reference.
            message = pydantic_core.from_json(line, allow_inf_nan=False)
        except ValueError as exc:
            log.error("malformed message skipped: %s", exc)
            return
        if not isinstance(message, dict):
            log.error("message skipped: not a JSON object")
            return
        method = message.get("method")
        if isinstance(method, str):
            request_id = message.get("id")
            if request_id is None or isinstance(request_id, float):
                # The reference treats these as notifications.
                self._on_notification(method)
            elif isinstance(request_id, bool) or not isinstance(request_id, int | str):
                log.error("message skipped: an id must be a string or an integer")
            else:
                await self._on_request(method, request_id, line)
        elif "id" in message and ("result" in message or "error" in message):
            self.app.outgoing.deliver(message["id"], message.get("result"), message.get("error"))
        else:
            log.error("message skipped: neither a request, a notification nor a response")

    def _on_notification(self, method: str) -> None:
        if method not in _NOTIFICATIONS:
            log.debug("notification %r ignored", method)

    async def _on_request(self, method: str, request_id: RequestId, line: bytes) -> None:
        outgoing = self.app.outgoing
        outgoing.request_times.started(method, request_id)
        if method not in CLIENT_REQUESTS_BY_METHOD:
            await outgoing.send_error(
                request_id, INVALID_REQUEST, f"Invalid request: unknown method `{method}`"
            )
            return
        route = self._route(method)
        try:
            envelope = route.envelope.model_validate_json(
                line, strict=True, by_alias=True, by_name=False
            )
        except ValidationError as exc:
            await outgoing.send_error(
                request_id, INVALID_REQUEST, f"Invalid request: {describe_validation_error(exc)}"
            )
            return
        session = self.app.session
        if method == "initialize":
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
        params = None if route.spec.params is None else getattr(envelope, "params", None)
        ctx = RequestContext(self.app, request_id)
        if route.handler.is_async:
            self.app.task_group.start_soon(self._run, route, params, ctx)
        else:
            await self._run(route, params, ctx)

    async def _run(self, route: _Route, params: Any, ctx: RequestContext) -> None:
        outgoing = self.app.outgoing
        handler = route.handler
        assert handler is not None
        try:
            result = handler.func(params, ctx)
            # A plain handler may hand back a coroutine for its slow path.
            if handler.is_async or type(result) is CoroutineType:
                result = await result
            payload = route.result.dump_json(result)
        except RpcError as exc:
            await outgoing.send_error(ctx.request_id, exc.code, exc.message, exc.data)
            return
        except Exception as exc:
            log.exception("%s failed", route.spec.method)
            await outgoing.send_error(
                ctx.request_id, INTERNAL_ERROR, f"Internal error: {type(exc).__name__}: {exc}"
            )
            return
        await outgoing.send_result(ctx.request_id, payload)
        for action in ctx.after_response_actions:
            try:
                await action()
            except Exception:
                log.exception("after %s", route.spec.method)
