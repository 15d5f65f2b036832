"""Which clients are sent the fields newer than 0.107.0 (`Thread.sessionId`,
`approvalsReviewer`, `startedAtMs`/`completedAtMs`): those known to need
them (`NEWER_FIELD_CLIENTS`, by ``clientInfo.name``), or every client when
`NEWER_FIELDS_ENV` is ``1`` (``0`` turns them off for every client).
Standard library only: the early stage decides it too (see `early`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

#: Clients (``clientInfo.name``) that require the fields newer than 0.107.0.
NEWER_FIELD_CLIENTS: Final = frozenset(
    {
        "codex_python_sdk",  # the official `openai-codex` Python SDK
    }
)
#: ``1``: every client gets the newer fields; ``0``: none does.
NEWER_FIELDS_ENV: Final = "CODEX_APP_SERVER_NEWER_FIELDS"


def wants_newer_fields(client_name: str, environ: Mapping[str, str]) -> bool:
    forced = environ.get(NEWER_FIELDS_ENV, "").strip()
    return forced == "1" if forced in ("0", "1") else client_name in NEWER_FIELD_CLIENTS
