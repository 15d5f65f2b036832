"""Who a message goes to when the daemon has several connections (WebSocket
clients; stdio has one): every client (`Clients`), or a chosen few
(`FanOut`, the connections that follow a thread).

A request sent to several connections goes out once to each, with one id;
the first answer settles it, and answers from the others (or from a
connection it was not sent to) are dropped as answers to an unknown
request. It fails with `ClientGone` only when every connection it went to
is gone, and at once when there is none."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import anyio

from app_server_protocol.jsonrpc import RequestId
from app_server_protocol.methods import Notification, ServerMethod

from .outgoing import ClientGone, Outgoing

P = TypeVar("P")
R = TypeVar("R")


async def ask_first(
    targets: Sequence[Outgoing],
    row: ServerMethod[P, R],
    params: P,
    sent: Callable[[RequestId], None] | None = None,
) -> R:
    """Send the request of ``row`` to every open connection of ``targets`` and
    return the first answer (see `Outgoing.request` for the errors)."""
    targets = [target for target in targets if not target.closed]
    if len(targets) == 1:
        return await targets[0].request(row, params, sent)
    if not targets:
        raise ClientGone(row.method)
    request_id = targets[0].new_request_id()
    if sent is not None:
        sent(request_id)
    serialised: dict[int, bytes] = {}
    try:
        pendings = []
        for target in targets:
            # Serialised once per kind of client (`ClientFace`), not per connection.
            key = id(target.face.serialization_context)
            if key not in serialised:
                serialised[key] = target.params_json(row, params)
            pendings.append(await target.open_request(row.method, request_id, serialised[key]))
        answers = anyio.create_memory_object_stream[Any](len(pendings))
        send, receive = answers
        async with anyio.create_task_group() as waiting:
            for pending in pendings:
                waiting.start_soon(_report, pending, send)
            gone = 0
            async with receive:
                async for answer in receive:
                    if isinstance(answer.error, ClientGone):
                        gone += 1
                        if gone < len(pendings):
                            continue
                    waiting.cancel_scope.cancel()
                    break
        return targets[0].result_of(row, answer.outcome())
    finally:
        for target in targets:
            target.forget_request(request_id)


async def _report(pending: Any, answers: Any) -> None:
    await pending.done.wait()
    await answers.send(pending)


class FanOut:
    """Notifications and requests to the connections ``targets`` names at the
    moment each is sent."""

    def __init__(self, targets: Callable[[], Sequence[Outgoing]]) -> None:
        self._targets = targets

    async def notify(self, row: Notification[P], params: P) -> None:
        for target in self._targets():
            await target.notify(row, params)

    async def request(
        self,
        row: ServerMethod[P, R],
        params: P,
        sent: Callable[[RequestId], None] | None = None,
    ) -> R:
        return await ask_first(self._targets(), row, params, sent)


class Clients(FanOut):
    """Every connection of the daemon; messages for every client reach only
    those that have introduced themselves (`initialize`)."""

    def __init__(self) -> None:
        super().__init__(self.initialized)
        self._connections: list[Outgoing] = []
        self.request_ids: Iterator[int] = itertools.count()
        """The ids of the daemon's requests, shared by its connections."""

    def add(self, connection: Outgoing) -> None:
        self._connections.append(connection)

    def remove(self, connection: Outgoing) -> None:
        if connection in self._connections:
            self._connections.remove(connection)

    def initialized(self) -> list[Outgoing]:
        return [c for c in self._connections if c.initialized and not c.closed]

    def __len__(self) -> int:
        return len(self._connections)
