"""`ClientFace`: what one connection's client is sent, decided once at
`initialize`: the notification methods it opted out of, and whether it gets
the fields newer than 0.107.0 (`Thread.sessionId`, `approvalsReviewer`,
`startedAtMs`/`completedAtMs`).

Those fields are required by newer clients and forbidden by 0.107.0's wire
schema, so they go only to the clients that need them (`newer_fields`). They
are dropped at serialisation (`app_server_protocol._base.WithNewerFields`),
with the context this face gives."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from app_server_protocol._base import NEWER_FIELDS

from .newer_fields import NEWER_FIELD_CLIENTS as NEWER_FIELD_CLIENTS
from .newer_fields import NEWER_FIELDS_ENV as NEWER_FIELDS_ENV
from .newer_fields import wants_newer_fields

_NEWER_CONTEXT: Final[dict[str, Any]] = {NEWER_FIELDS: True}


@dataclass(frozen=True)
class ClientFace:
    opted_out: frozenset[str] = frozenset()
    """Notification methods not to send."""
    newer_fields: bool = False

    def wants(self, method: str) -> bool:
        return method not in self.opted_out

    @property
    def serialization_context(self) -> dict[str, Any] | None:
        return _NEWER_CONTEXT if self.newer_fields else None

    @classmethod
    def decide(
        cls, client_name: str, opt_out: Iterable[str] | None, environ: Mapping[str, str]
    ) -> ClientFace:
        newer = wants_newer_fields(client_name, environ)
        return cls(opted_out=frozenset(opt_out or ()), newer_fields=newer)
