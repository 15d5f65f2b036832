"""Helpers for the model client's in-process tests (respx)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import anyio
import httpx

from app_server.config.model import ModelProviderInfo
from app_server.model_client import ModelClient, ModelError, ModelEvent, Prompt
from app_server.model_client.auth import CredentialsSource
from app_server_protocol.items import ContentItemInputText, ResponseItem, ResponseItemMessage
from tests import mock_model_server as mm

BASE_URL = "http://model.test/v1"
RESPONSES_URL = f"{BASE_URL}/responses"
CHAT_URL = f"{BASE_URL}/chat/completions"


def provider(**fields: Any) -> ModelProviderInfo:
    values: dict[str, Any] = {
        "name": "test",
        "base_url": BASE_URL,
        "request_max_retries": 0,
        "stream_max_retries": 0,
    }
    values.update(fields)
    return ModelProviderInfo(**values)


def user_message(text: str) -> ResponseItemMessage:
    return ResponseItemMessage(role="user", content=[ContentItemInputText(text=text)])


def prompt(*items: ResponseItem, **fields: Any) -> Prompt:
    values: dict[str, Any] = {
        "model": "test-model",
        "instructions": "Be helpful.",
        "input": list(items) or [user_message("hi")],
    }
    values.update(fields)
    return Prompt(**values)


def client(
    provider_info: ModelProviderInfo,
    *,
    credentials: CredentialsSource | None = None,
    environ: dict[str, str] | None = None,
    **kw: Any,
) -> ModelClient:
    kw.setdefault("backoff", lambda attempt: 0.0)
    return ModelClient(
        provider_info,
        conversation_id="conv-1",
        user_agent="test-agent/1.0",
        originator="test_originator",
        credentials=credentials,
        environ={} if environ is None else environ,
        **kw,
    )


def sse_body(*events: dict[str, Any] | str) -> bytes:
    return b"".join(mm._frame(event) for event in events)


def sse_response(
    *events: dict[str, Any] | str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(
        200,
        content=sse_body(*events),
        headers={"content-type": "text/event-stream", **(headers or {})},
    )


def ok_response(text: str = "Done", **kw: Any) -> httpx.Response:
    return sse_response(
        mm.created(), mm.output_item_done(mm.message_item(text)), mm.completed(), **kw
    )


def chat_ok_response(text: str = "Done") -> httpx.Response:
    reply = mm.chat_message(text)
    return httpx.Response(
        200,
        content=b"".join(mm._frame(s) for s in reply.steps if not isinstance(s, mm.Pause)),
        headers={"content-type": "text/event-stream"},
    )


class ChunkStream(httpx.AsyncByteStream):
    """A response body sent in pieces; a float is a pause, an exception is raised."""

    def __init__(self, parts: Sequence[bytes | float | Exception]) -> None:
        self.parts = parts
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            if isinstance(part, float):
                await anyio.sleep(part)
            elif isinstance(part, Exception):
                raise part
            else:
                yield part

    async def aclose(self) -> None:
        self.closed = True


def streamed_response(
    parts: Sequence[bytes | float | Exception], headers: dict[str, str] | None = None
) -> tuple[httpx.Response, ChunkStream]:
    stream = ChunkStream(parts)
    response = httpx.Response(
        200, stream=stream, headers={"content-type": "text/event-stream", **(headers or {})}
    )
    return response, stream


async def collect(
    model_client: ModelClient, the_prompt: Prompt | None = None
) -> tuple[list[ModelEvent], ModelError | None]:
    """Every event of one call, and the error that ended it (if any)."""
    events: list[ModelEvent] = []
    try:
        async with model_client.stream(the_prompt or prompt()) as stream:
            async for event in stream:
                events.append(event)
    except ModelError as error:
        return events, error
    return events, None


class RecordedSleeps:
    """Replaces the client's waits between attempts; records the delays."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
