"""The reference material the tests compare with, and the transcripts read from it.

What the tests need of Codex 0.50.0 travels with them in
``tests/data/reference-0.50.0`` (see its README). The 0.107.0 reference (the
transcripts checked here) and the TypeScript wire-compatibility tool stay in
the shared folder (``<repo>/../shared``, or ``$APP_SERVER_SHARED``: a worktree
elsewhere); the tests that need them skip, saying why, when it is absent.

Every transcript message is classified the way the daemon sees it: a client
request of a known method (with valid params or not: the reference's answer
tells), a request of an unknown method, a client notification, a result (by
the method of the request with the same id), an error, a ``codex/event/*``
notification, another server notification, a server request.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Final

import pytest

from app_server_protocol import methods

REPO: Final = Path(__file__).resolve().parent.parent
#: ``<repo>/../shared``, or the folder ``APP_SERVER_SHARED`` names (a worktree elsewhere).
SHARED: Final = Path(os.environ.get("APP_SERVER_SHARED") or REPO.parent / "shared")
#: What the tests need of Codex 0.50.0 (the rollouts it wrote, still read).
REFERENCE_0_50: Final = REPO / "tests" / "data" / "reference-0.50.0"
REFERENCE: Final = SHARED / "reference" / "codex-0.107.0"
TRANSCRIPTS: Final = REFERENCE / "transcripts"
REFERENCE_TYPESCRIPT: Final = REFERENCE / "typescript"
TS_COMPAT: Final = SHARED / "tools" / "ts-compat"

#: How the reference's answer to a request whose params do not validate starts.
INVALID_REQUEST_MESSAGE: Final = "Invalid request"


def require(path: Path) -> Path:
    """`path`, or skip the test when the shared reference material is missing."""
    if not path.exists():
        pytest.skip(
            f"reference material not found at {path} (the shared folder is <repo>/../shared "
            "or $APP_SERVER_SHARED)"
        )
    return path


class Kind(Enum):
    CLIENT_REQUEST = "client request"
    UNKNOWN_REQUEST = "request of an unknown method"
    CLIENT_NOTIFICATION = "client notification"
    RESULT = "result"
    ERROR = "error"
    CODEX_EVENT = "codex/event notification"
    SERVER_NOTIFICATION = "server notification"
    SERVER_REQUEST = "server request"


@dataclass(frozen=True)
class Message:
    source: str
    kind: Kind
    msg: dict[str, Any]
    #: The request's method (for a result: the method of the request answered).
    method: str | None = None
    #: A client request of a known method that the reference rejected as invalid.
    invalid_params: bool = False

    @property
    def known(self) -> bool:
        """Whether the message is one of the v1 API's, which the transcript
        checks here cover. 0.107 sends v2 notifications on v1 conversations and
        c-turn-v2 speaks v2: the v2 messages are checked by `test_v2_models`
        (which knows the keys our v2 models write that 0.107 lacks)."""
        match self.kind:
            case Kind.CLIENT_REQUEST | Kind.RESULT:
                row = methods.CLIENT_REQUESTS_BY_METHOD.get(self.method or "")
                return row is not None and not _is_v2(row.params, row.result)
            case Kind.SERVER_NOTIFICATION:
                note = _SERVER_NOTIFICATIONS.get(self.method or "")
                return note is not None and not _is_v2(note.params)
            case Kind.SERVER_REQUEST:
                request = methods.SERVER_REQUESTS_BY_METHOD.get(self.method or "")
                return request is not None and not _is_v2(request.params, request.result)
            case Kind.ERROR:
                if self.method is None:
                    return True
                row = methods.CLIENT_REQUESTS_BY_METHOD.get(self.method)
                return row is not None and not _is_v2(row.params, row.result)
            case _:
                return True


_SERVER_NOTIFICATIONS: Final = {n.method: n for n in methods.SERVER_NOTIFICATIONS}


def _is_v2(*types: Any) -> bool:
    """Whether a row's types are the v2 API's."""
    return any(getattr(tp, "__module__", "").startswith("app_server_protocol.v2") for tp in types)


def transcript_files() -> list[Any]:
    """The conversation transcripts, as pytest params (one skipped param when absent)."""
    files = sorted(TRANSCRIPTS.glob("[a-z]-*.jsonl")) if TRANSCRIPTS.is_dir() else []
    if not files:
        reason = f"no transcripts in {TRANSCRIPTS}"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-transcripts")]
    return [pytest.param(path, id=path.stem) for path in files]


def _records(path: Path) -> list[tuple[str, dict[str, Any]]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(f"{path.name}:{n}", json.loads(line)) for n, line in enumerate(lines, 1) if line]


def messages(path: Path) -> list[Message]:
    """The transcript's messages (lines sent malformed on purpose left out)."""
    records = [(source, rec) for source, rec in _records(path) if "msg" in rec]
    replies = {
        rec["msg"]["id"]: rec["msg"]
        for _, rec in records
        if rec["dir"] == "s2c" and "method" not in rec["msg"] and "id" in rec["msg"]
    }
    pending: dict[Any, str] = {}
    result: list[Message] = []
    for source, rec in records:
        msg = rec["msg"]
        if rec["dir"] == "c2s":
            result.append(_client_message(source, msg, replies, pending))
        else:
            result.append(_server_message(source, msg, pending))
    return result


def _client_message(
    source: str, msg: dict[str, Any], replies: dict[Any, Any], pending: dict[Any, str]
) -> Message:
    method = msg.get("method")
    if "id" not in msg:
        return Message(source, Kind.CLIENT_NOTIFICATION, msg, method)
    pending[msg["id"]] = method or ""
    if method not in methods.CLIENT_REQUESTS_BY_METHOD:
        return Message(source, Kind.UNKNOWN_REQUEST, msg, method)
    reply = replies.get(msg["id"], {})
    message = reply.get("error", {}).get("message")
    rejected = isinstance(message, str) and message.startswith(INVALID_REQUEST_MESSAGE)
    return Message(source, Kind.CLIENT_REQUEST, msg, method, invalid_params=rejected)


def _server_message(source: str, msg: dict[str, Any], pending: dict[Any, str]) -> Message:
    method = msg.get("method")
    if isinstance(method, str):
        if "id" in msg:
            return Message(source, Kind.SERVER_REQUEST, msg, method)
        if method.startswith(methods.CODEX_EVENT_PREFIX):
            return Message(source, Kind.CODEX_EVENT, msg, method)
        return Message(source, Kind.SERVER_NOTIFICATION, msg, method)
    if "error" in msg:
        return Message(source, Kind.ERROR, msg, pending.get(msg.get("id")))
    return Message(source, Kind.RESULT, msg, pending[msg["id"]])


def malformed_lines(path: Path) -> list[str]:
    """Lines the client sent malformed on purpose."""
    return [rec["raw"] for _, rec in _records(path) if "raw" in rec]


def rollout_payloads() -> list[tuple[str, str, Any]]:
    """``(source, record type, payload)`` of every line of the example rollout file."""
    path = require(TRANSCRIPTS / "rollout-example.jsonl")
    return [(source, rec["type"], rec["payload"]) for source, rec in _records(path)]
