"""Handlers register themselves here, one per client method of the table."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from app_server_protocol.methods import CLIENT_REQUESTS_BY_METHOD

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Handler:
    method: str
    func: Callable[..., Any]
    is_async: bool
    """Async handlers run in their own task; plain functions run inline (they
    must be quick and must not block). A plain function may return a
    coroutine for a rare slow path: it is awaited inline, so later requests
    wait for it, as they wait for any inline handler."""


HANDLERS: dict[str, Handler] = {}


def handles(method: str) -> Callable[[F], F]:
    """Register the decorated function as the handler of ``method``.

    It is called as ``func(params, ctx)`` with the validated params (None for a
    method without params) and a `RequestContext`, and returns the result model.
    """
    if method not in CLIENT_REQUESTS_BY_METHOD:
        raise ValueError(f"{method!r} is not a client method of the table")

    def register(func: F) -> F:
        if method in HANDLERS:
            raise ValueError(f"{method!r} already has a handler")
        HANDLERS[method] = Handler(method, func, inspect.iscoroutinefunction(func))
        return func

    return register
