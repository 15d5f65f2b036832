"""What the daemon sends unasked: notifications, typed by their row on demand."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import TypeAdapter

from ..events import CodexEventNotification
from ..methods import CODEX_EVENT_PREFIX, SERVER_NOTIFICATIONS, Notification

P = TypeVar("P")

_ROWS: dict[str, Notification[Any]] = {row.method: row for row in SERVER_NOTIFICATIONS}
_ADAPTERS: dict[str, TypeAdapter[Any]] = {}
_CODEX_EVENT = TypeAdapter(CodexEventNotification)


def _adapter(row: Notification[Any]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(row.method)
    if adapter is None:
        adapter = _ADAPTERS[row.method] = TypeAdapter(row.params)
    return adapter


def thread_of(params: Any) -> str | None:
    """The thread (v2) or conversation (v1) a notification's params are about."""
    if not isinstance(params, dict):
        return None
    for key in ("threadId", "conversationId"):
        value = params.get(key)
        if isinstance(value, str):
            return value
    thread = params.get("thread")  # thread/started
    if isinstance(thread, dict) and isinstance(thread.get("id"), str):
        return str(thread["id"])
    return None


@dataclass
class ServerNotice:
    """One notification from the daemon: its method and its params as JSON.

    `of` gives the params as the model of a row of the method table (validated
    once, on first use), or None when the notice is of another method::

        if (done := notice.of(methods.TURN_COMPLETED)) is not None:
            print(done.turn.status)
    """

    method: str
    params: Any
    """The params as sent (JSON values), None when there were none."""
    thread_id: str | None = None
    """The thread (or v1 conversation) it is about, if any."""
    _typed: Any = field(default=None, repr=False, compare=False)

    def of(self, row: Notification[P]) -> P | None:
        """The params typed by ``row``, if this notice is of ``row``'s method.
        Raises pydantic's `ValidationError` if they do not fit its model."""
        if self.method != row.method:
            return None
        if self._typed is None:
            self._typed = _adapter(row).validate_python(self.params)
        typed: P = self._typed
        return typed

    @property
    def known(self) -> bool:
        """Whether the method is a row of the method table (or a v1 ``codex/event/*``)."""
        return self.method in _ROWS or self.is_codex_event

    @property
    def is_codex_event(self) -> bool:
        return self.method.startswith(CODEX_EVENT_PREFIX)

    def codex_event(self) -> CodexEventNotification | None:
        """The params of a v1 ``codex/event/<type>`` notification, typed."""
        if not self.is_codex_event:
            return None
        if self._typed is None:
            self._typed = _CODEX_EVENT.validate_python(self.params)
        event: CodexEventNotification = self._typed
        return event

    def typed(self) -> Any:
        """The params as the model of whatever row this notice is of (a
        `codex/event/*` as `CodexEventNotification`); the raw params when the
        method is not in the table."""
        if self.is_codex_event:
            return self.codex_event()
        row = _ROWS.get(self.method)
        return self.params if row is None else self.of(row)
