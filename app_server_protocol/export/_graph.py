"""Which types the export covers, and in which direction each one travels.

Everything starts from the method table: the params and results of every
row, the four message unions, `EventMsg` and the params of ``codex/event/*``
notifications. Walking the annotations from there reaches every named type
(model, enum, alias) of the wire contract.

Direction matters to both writers. A type is *inbound* when only the client
sends it (reachable only from client request params, client notification
params and the results of server requests): the server validates it, so a
field with a default may be left out. Every other type is *outbound*: the
server writes it, so what matters is what the serializer emits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

import pydantic

from .. import methods
from ..events import EventMsg
from ..jsonrpc import RequestId
from ._introspect import (
    ExportError,
    alias_value,
    extra_values,
    is_alias,
    is_json_value,
    is_model,
    is_named,
    literal_values,
    model_fields,
    qualified_name,
    split_annotated,
    ts_override,
)

Direction = Literal["inbound", "outbound"]
INBOUND: Final[Direction] = "inbound"
OUTBOUND: Final[Direction] = "outbound"

#: The message unions derived from the table, by name, with their direction.
MESSAGE_UNIONS: Final[Mapping[str, tuple[Any, Direction]]] = {
    "ClientNotification": (methods.ClientNotification, INBOUND),
    "ClientRequest": (methods.ClientRequest, INBOUND),
    "ServerNotification": (methods.ServerNotification, OUTBOUND),
    "ServerRequest": (methods.ServerRequest, OUTBOUND),
}


@dataclass(frozen=True)
class Named:
    """A named type of the contract and the direction it travels in."""

    name: str
    type: Any
    direction: Direction
    both_ways: bool = False
    """Outbound, and reached from inbound types too."""


def protocol_roots() -> list[tuple[Any, Direction]]:
    """The params and results of every row of the method table, plus the events."""
    roots: list[tuple[Any, Direction]] = []
    for request in methods.CLIENT_REQUESTS:
        if request.params is not None:
            roots.append((request.params, INBOUND))
        roots.append((request.result, OUTBOUND))
    for server_request in methods.SERVER_REQUESTS:
        if server_request.params is not None:
            roots.append((server_request.params, OUTBOUND))
        roots.append((server_request.result, INBOUND))
    for notification in methods.CLIENT_NOTIFICATIONS:
        if notification.params is not None:
            roots.append((notification.params, INBOUND))
    for notification in methods.SERVER_NOTIFICATIONS:
        if notification.params is not None:
            roots.append((notification.params, OUTBOUND))
    roots.append((EventMsg, OUTBOUND))
    roots.append((methods.CODEX_EVENT_PARAMS, OUTBOUND))
    roots.append((RequestId, OUTBOUND))
    return roots


class _Walker:
    def __init__(self, *, ts_view: bool, names: Mapping[Any, str]) -> None:
        self.ts_view = ts_view
        self.names = names
        self.found: dict[str, Any] = {}
        self.directions: dict[str, set[Direction]] = {}

    def name_of(self, tp: Any) -> str:
        name = self.names.get(tp) or qualified_name(tp)
        known = self.found.setdefault(name, tp)
        if known is not tp:
            raise ExportError(f"two different types are both named {name!r}: {known!r}, {tp!r}")
        return name

    def walk(self, tp: Any, direction: Direction, metadata: tuple[Any, ...] = ()) -> None:
        tp, more = split_annotated(tp)
        if self.ts_view and ts_override((*metadata, *more)) is not None:
            return
        if is_json_value(tp):
            tp = pydantic.JsonValue
        if is_named(tp):
            self.visit(tp, direction)
        elif literal_values(tp) is None:
            for arg in get_args(tp):
                self.walk(arg, direction)

    def visit(self, tp: Any, direction: Direction) -> None:
        seen = self.directions.setdefault(self.name_of(tp), set())
        if direction in seen:
            return
        seen.add(direction)
        if is_alias(tp) and tp is not pydantic.JsonValue:
            self.walk(alias_value(tp), direction)
        elif is_model(tp):
            for field in model_fields(tp).values():
                self.walk(field.annotation, direction, tuple(field.metadata))
            extra = extra_values(tp)
            if extra is not None:
                self.walk(extra, direction)


def collect(
    roots: Iterable[tuple[Any, Direction]],
    *,
    ts_view: bool,
    names: Mapping[Any, str] | None = None,
) -> dict[str, Named]:
    """Every named type reachable from the roots, sorted by name.

    With `ts_view`, a type that a `TsType` annotation replaces is not
    descended into (``Duration`` is ``string`` in TypeScript). `names` gives
    a type a name other than its own.
    """
    walker = _Walker(ts_view=ts_view, names=names or {})
    for tp, direction in roots:
        walker.walk(tp, direction)
    result: dict[str, Named] = {}
    for name in sorted(walker.found):
        direction = OUTBOUND if OUTBOUND in walker.directions[name] else INBOUND
        both_ways = walker.directions[name] == {INBOUND, OUTBOUND}
        result[name] = Named(name, walker.found[name], direction, both_ways)
    return result


def renders_inline(tp: Any) -> bool:
    """A model that TypeScript spells inside the union that uses it, never by name."""
    return is_model(tp) and (
        getattr(tp, "ts_inline", False) is True or isinstance(getattr(tp, "ts_payload", None), str)
    )


def reachable_types() -> dict[str, Named]:
    """Every named type reachable from the method table, as TypeScript sees them."""
    return collect(protocol_roots(), ts_view=True)


def exported_types(reachable: Mapping[str, Named] | None = None) -> dict[str, Named]:
    """The named types both writers export, by name (sorted): every named
    type reachable from the method table (`reachable_types`, unless given)
    that is not spelled inline, and the message unions."""
    if reachable is None:
        reachable = reachable_types()
    exported = {name: named for name, named in reachable.items() if not renders_inline(named.type)}
    for name, (tp, direction) in MESSAGE_UNIONS.items():
        exported[name] = Named(name, tp, direction)
    return dict(sorted(exported.items()))
