"""`ClientFace`: what one connection's client is sent, decided once at
`initialize`: the notification methods it opted out of, and whether it gets
the fields newer than 0.107.0 (`Thread.sessionId`, `approvalsReviewer`,
`startedAtMs`/`completedAtMs`).

Those fields are required by newer clients and forbidden by 0.107.0's wire
schema, so they go only to the clients known to need them
(`NEWER_FIELD_CLIENTS`, by ``clientInfo.name``), or to every client when
`NEWER_FIELDS_ENV` is ``1`` (``0`` turns them off for every client). They
are dropped at serialisation (`app_server_protocol._base.WithNewerFields`),
with the context this face gives."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from app_server_protocol._base import NEWER_FIELDS

#: Clients (``clientInfo.name``) that require the fields newer than 0.107.0.
NEWER_FIELD_CLIENTS: Final = frozenset(
    {
        "codex_python_sdk",  # the official `openai-codex` Python SDK
    }
)
#: ``1``: every client gets the newer fields; ``0``: none does.
NEWER_FIELDS_ENV: Final = "CODEX_APP_SERVER_NEWER_FIELDS"

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
        forced = environ.get(NEWER_FIELDS_ENV, "").strip()
        newer = forced == "1" if forced in ("0", "1") else client_name in NEWER_FIELD_CLIENTS
        return cls(opted_out=frozenset(opt_out or ()), newer_fields=newer)
