"""Handlers register themselves here, one per client method of the table.

``@handles(methods.THREAD_START)`` types the decorated function by the row:
it must take the row's params type and a `RequestContext`, and return the
row's result type (or an awaitable of it). mypy --strict rejects a handler
whose types differ from its row's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from app_server_protocol.methods import CLIENT_REQUESTS_BY_METHOD, ClientMethod

from ..app import RequestContext

P = TypeVar("P")
R = TypeVar("R")

#: A handler of a row typed ``ClientMethod[P, R]``.
HandlerFunc: TypeAlias = Callable[[P, RequestContext], Awaitable[R] | R]


@dataclass(frozen=True)
class Handler:
    row: ClientMethod[Any, Any]
    func: HandlerFunc[Any, Any]


HANDLERS: dict[str, Handler] = {}


def register(row: ClientMethod[P, R], func: HandlerFunc[P, R]) -> None:
    """Make `func` the handler of `row`.

    It is called as ``func(params, ctx)`` with the validated params (None for
    a method without params) and a `RequestContext`, and returns the result
    (or an awaitable of it). When it runs is the row's ordering's business,
    not the handler's.
    """
    if CLIENT_REQUESTS_BY_METHOD.get(row.method) is not row:
        raise ValueError(f"{row.method!r} is not a client method of the table")
    if row.method in HANDLERS:
        raise ValueError(f"{row.method!r} already has a handler")
    HANDLERS[row.method] = Handler(row, func)


def handles(row: ClientMethod[P, R]) -> Callable[[HandlerFunc[P, R]], HandlerFunc[P, R]]:
    """Register the decorated function as the handler of `row` (see `register`)."""

    def decorate(func: HandlerFunc[P, R]) -> HandlerFunc[P, R]:
        register(row, func)
        return func

    return decorate
