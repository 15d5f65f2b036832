"""`thread/resume` and `thread/read` answers whose thread's turns are JSON
made as the rollout was read (see `thread_view.read_thread_turns_json`):
the thousands of items of a long thread are never all models at once, so
the memory their reading took can be given back."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import anyio
from pydantic import PrivateAttr, TypeAdapter

from app_server_protocol.v2.threads import Thread, ThreadReadResponse, ThreadResumeResponse
from app_server_protocol.v2.turns import Turn

from ..app import App, RequestContext
from ..conversations.thread_names import read_thread_names
from ..conversations.thread_view import ThreadReadError, read_thread_turns_json
from ..errors import InternalError
from ..self_encoding import SelfEncoding
from .thread_common import default_provider, loaded_statuses

#: What an answer's thread holds before its turns go in.
_NO_TURNS: Final = b'"turns":[]'

_turn_adapter: TypeAdapter[Turn] | None = None


def _turns_adapter() -> TypeAdapter[Turn]:
    global _turn_adapter
    if _turn_adapter is None:
        _turn_adapter = TypeAdapter(Turn)
    return _turn_adapter


def _with_turns(answer_json: bytes, turns_json: bytes) -> bytes:
    # A quote inside a JSON string is escaped: only the thread's own
    # (empty) turns can read so.
    head, found, tail = answer_json.partition(_NO_TURNS)
    if not found or _NO_TURNS in tail:
        raise ValueError("the answer does not hold one empty list of turns")
    return head + b'"turns":' + turns_json + tail


class ResumeAnswer(ThreadResumeResponse, SelfEncoding):
    """A `ThreadResumeResponse` whose thread's turns are given as JSON."""

    _turns_json: bytes = PrivateAttr(b"[]")

    def with_turns_json(self, turns_json: bytes) -> ResumeAnswer:
        self._turns_json = turns_json
        return self

    def encoded(self, adapter: TypeAdapter[Any], context: dict[str, Any] | None) -> bytes:
        return _with_turns(adapter.dump_json(self, context=context), self._turns_json)


class ReadAnswer(ThreadReadResponse, SelfEncoding):
    """A `ThreadReadResponse` whose thread's turns are given as JSON."""

    _turns_json: bytes = PrivateAttr(b"[]")

    def with_turns_json(self, turns_json: bytes) -> ReadAnswer:
        self._turns_json = turns_json
        return self

    def encoded(self, adapter: TypeAdapter[Any], context: dict[str, Any] | None) -> bytes:
        return _with_turns(adapter.dump_json(self, context=context), self._turns_json)


async def read_with_turns_json(
    ctx: RequestContext, path: Path, thread_id: str
) -> tuple[Thread, bytes]:
    """The recorded thread (without its turns) and its turns' JSON, written
    for this client (its serialization context)."""
    app: App = ctx.app
    provider, names = await anyio.to_thread.run_sync(
        lambda: (default_provider(app), read_thread_names(app.conversations.codex_home))
    )
    status = loaded_statuses(app).get(thread_id)
    adapter = _turns_adapter()
    context = ctx.outgoing.face.serialization_context

    def encode(turn: Turn) -> bytes:
        return adapter.dump_json(turn, context=context)

    try:
        return await anyio.to_thread.run_sync(
            lambda: read_thread_turns_json(
                path,
                encode,
                adapter.validate_json,
                default_provider=provider,
                name=names.get(thread_id),
                status=status,
            )
        )
    except ThreadReadError as exc:
        raise InternalError(f"failed to read thread {thread_id}: {exc}") from None
