"""A local model provider for tests: a real HTTP server speaking SSE.

It listens on 127.0.0.1 (ephemeral port), serves

* ``POST .../responses`` (Responses API) and ``POST .../chat/completions``
  (Chat Completions) from a FIFO of scripted replies,
* ``GET .../wham/usage`` and ``GET .../api/codex/usage`` (the ChatGPT usage
  endpoint) with a configurable JSON body,

and records every request it receives.

Typical use::

    with MockModelServer() as mock:
        mock.enqueue(assistant_message("Hello"))
        mock.enqueue(function_call("update_plan", {"plan": []}), match="Say hello")
        ...  # point a provider's base_url at mock.base_url
        assert mock.requests[0].body["model"] == "mock-model"

A reply is an `SseReply` (a list of SSE events, optionally with `Pause`,
`Hold` and `Disconnect` steps) or an `HttpError`. A reply enqueued with
``match=`` is only served to a request whose body contains that text; the
others are served in order to whichever model request comes next. A model
request that finds nothing to serve gets a short assistant message (so the
daemon under test is not left in a retry loop) and is listed in
``mock.unexpected``.

Builders for common replies live at the bottom of this module: Responses API
events (`created`, `text_delta`, `completed`, ...), whole Responses replies
(`assistant_message`, `streamed_message`, `reasoning_message`,
`function_call`, `shell_call`, `custom_tool_call`, `failed`, ...) and Chat
Completions replies (`chat_message`, `chat_tool_calls`).

Standard library only: it runs in the test process, in threads.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

Json = dict[str, Any]

MODEL_PATH_SUFFIXES: Final = ("/responses", "/chat/completions")
USAGE_PATH_SUFFIXES: Final = ("/wham/usage", "/api/codex/usage")
DEFAULT_TIMEOUT: Final = 10.0

# --------------------------------------------------------------------------
# Replies
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Pause:
    """A step of an `SseReply`: wait this long before sending the next step."""

    seconds: float


@dataclass(frozen=True)
class Hold:
    """A step of an `SseReply`: send nothing more until the test calls
    ``mock.release(name)`` (or ``mock.release()``), or ``timeout`` passes.

    Lets a test act while a turn is in the middle of its stream (interrupt
    it, send another turn, ...)."""

    name: str = "hold"
    timeout: float = 30.0


@dataclass(frozen=True)
class Disconnect:
    """A step of an `SseReply`: drop the connection here, mid-body (the
    client sees a truncated chunked body, as when a proxy cuts a stream)."""


SseStep = Json | str | bytes | Pause | Hold | Disconnect
"""A JSON event (framed with ``event: <type>``), a ready SSE text/bytes chunk
sent as is, or a control step."""


@dataclass
class SseReply:
    """A streamed reply (``content-type: text/event-stream``)."""

    steps: list[SseStep]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class HttpError:
    """A non-streamed reply: a status, a body (dict -> JSON, str -> text) and headers."""

    status: int
    body: Json | str | None = None
    headers: dict[str, str] = field(default_factory=dict)


Reply = SseReply | HttpError


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    """Header names in lower case (the last value wins when one is repeated)."""
    header_items: list[tuple[str, str]]
    """Every header as received: original case and order."""
    raw_body: bytes
    body: Any
    """The body parsed as JSON, or None when it is empty or not JSON."""
    served: Reply | None
    """What the server answered (None: the fallback, nothing was scripted)."""
    client_port: int
    """The client's port: the same for requests sent on one kept-alive connection."""

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    @property
    def is_model_request(self) -> bool:
        return self.method == "POST" and self.path.split("?")[0].endswith(MODEL_PATH_SUFFIXES)

    @property
    def query(self) -> str:
        return self.path.partition("?")[2]

    @property
    def input(self) -> list[Json]:
        """``input`` (Responses API) or ``messages`` (Chat Completions) of the body."""
        if not isinstance(self.body, dict):
            return []
        items = self.body.get("input", self.body.get("messages", []))
        return items if isinstance(items, list) else []

    def tool_outputs(self) -> dict[str, str]:
        """Outputs of tool calls sent back to the model, by call id (both wire APIs)."""
        outputs: dict[str, str] = {}
        for item in self.input:
            if item.get("type") in ("function_call_output", "custom_tool_call_output"):
                outputs[str(item.get("call_id"))] = str(item.get("output"))
            elif item.get("role") == "tool":
                outputs[str(item.get("tool_call_id"))] = str(item.get("content"))
        return outputs

    def input_texts(self) -> list[str]:
        """Every text of the input, in order (message parts, tool outputs)."""
        texts: list[str] = []
        for item in self.input:
            content = item.get("content")
            if isinstance(content, str):
                texts.append(content)
            elif isinstance(content, list):
                texts.extend(p["text"] for p in content if isinstance(p, dict) and "text" in p)
            output = item.get("output")
            if isinstance(output, str):
                texts.append(output)
        return texts


@dataclass
class _Scripted:
    reply: Reply
    match: str | None


class MockModelServer:
    """The server, its script of replies and its record of requests.

    Thread-safe: the test thread scripts and inspects while handler threads
    serve. Use as a context manager, or call `start` and `stop`.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._script: list[_Scripted] = []
        self._requests: list[RecordedRequest] = []
        self._released: set[str] = set()
        self._release_all = False
        self._stopping = False
        self.unexpected: list[RecordedRequest] = []
        """Model requests that found no scripted reply."""
        self.usage_status = 200
        self.usage_body: Json = default_usage_body()
        self.usage_headers: dict[str, str] = {}
        #: What ``GET .../models`` answers (the provider's model list); 404 when None.
        self.models_body: Json | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------

    def start(self) -> MockModelServer:
        server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() waits at most this long
            name="mock-model-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> MockModelServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "the mock server is not started"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``"""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What a provider's ``base_url`` should be: ``<url>/v1``."""
        return f"{self.url}/v1"

    # -- scripting ----------------------------------------------------------

    def enqueue(self, *replies: Reply, match: str | None = None) -> None:
        """Add replies to the script, in order. With ``match``, they are served
        only to requests whose body contains that text."""
        with self._lock:
            self._script.extend(_Scripted(reply, match) for reply in replies)

    def release(self, name: str | None = None) -> None:
        """Let streams waiting on `Hold` (the one named ``name``, or all) go on."""
        with self._lock:
            if name is None:
                self._release_all = True
            else:
                self._released.add(name)
            self._lock.notify_all()

    @property
    def pending(self) -> int:
        """Scripted replies not served yet."""
        with self._lock:
            return len(self._script)

    def assert_all_served(self) -> None:
        with self._lock:
            left = [s.reply for s in self._script]
            unexpected = list(self.unexpected)
        assert not left, f"{len(left)} scripted replies were never requested"
        assert not unexpected, f"requests without a scripted reply: {[r.path for r in unexpected]}"

    # -- inspection ---------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far (a copy), oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def model_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.is_model_request]

    @property
    def last_model_request(self) -> RecordedRequest:
        found = self.model_requests
        assert found, "no model request was received"
        return found[-1]

    def wait_for_requests(
        self, count: int, timeout: float = DEFAULT_TIMEOUT
    ) -> list[RecordedRequest]:
        """Wait until at least ``count`` model requests have arrived; return them."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [r for r in self._requests if r.is_model_request]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} model requests within {timeout}s, got {len(found)}"
                    )
                self._lock.wait(left)

    # -- serving (handler threads) ------------------------------------------

    def _take(self, raw_body: bytes) -> Reply | None:
        text = raw_body.decode("utf-8", errors="replace")
        with self._lock:
            for index, scripted in enumerate(self._script):
                if scripted.match is None or scripted.match in text:
                    del self._script[index]
                    return scripted.reply
        return None

    def _record(self, request: RecordedRequest, unexpected: bool) -> None:
        with self._lock:
            self._requests.append(request)
            if unexpected:
                self.unexpected.append(request)
            self._lock.notify_all()

    def _wait_hold(self, hold: Hold) -> None:
        deadline = time.monotonic() + hold.timeout
        with self._lock:
            while not (self._release_all or self._stopping or hold.name in self._released):
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._lock.wait(left)
            self._released.discard(hold.name)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client closing its keep-alive connection (or an interrupted
        # stream) is normal here; anything else is worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(mock: MockModelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        server_mock = mock

    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Small SSE writes must go out at once (Nagle + delayed ACKs add ~40 ms).
    disable_nagle_algorithm = True
    server_mock: MockModelServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self._serve(self.rfile.read(length) if length else b"")

    def _serve(self, raw: bytes) -> None:
        mock = self.server_mock
        path = self.path.split("?")[0]
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        is_model = self.command == "POST" and path.endswith(MODEL_PATH_SUFFIXES)
        reply: Reply | None = None
        if is_model:
            reply = mock._take(raw)
        elif self.command == "GET" and path.endswith(USAGE_PATH_SUFFIXES):
            reply = HttpError(mock.usage_status, mock.usage_body, dict(mock.usage_headers))
        elif self.command == "GET" and path.endswith("/models") and mock.models_body is not None:
            reply = HttpError(200, mock.models_body)
        recorded = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            header_items=list(self.headers.items()),
            raw_body=raw,
            body=body,
            served=reply,
            client_port=int(self.client_address[1]),
        )
        mock._record(recorded, unexpected=is_model and reply is None)
        if reply is None:
            if not is_model:
                self._send_body(404, {"error": {"message": f"no route for {self.path}"}}, {})
                return
            chat = path.endswith("/chat/completions")
            reply = (
                chat_message("(mock: no scripted reply)")
                if chat
                else assistant_message("(mock: no scripted reply)")
            )
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            if isinstance(reply, HttpError):
                self._send_body(reply.status, reply.body, reply.headers)
            else:
                self._send_sse(reply)

    def _send_body(self, status: int, body: Json | str | None, headers: Mapping[str, str]) -> None:
        if body is None:
            data = b""
            content_type = "text/plain"
        elif isinstance(body, str):
            data = body.encode()
            content_type = "text/plain; charset=utf-8"
        else:
            data = json.dumps(body).encode()
            content_type = "application/json"
        self.send_response(status)
        lowered = {k.lower() for k in headers}
        if "content-type" not in lowered:
            self.send_header("content-type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_sse(self, reply: SseReply) -> None:
        self.send_response(reply.status)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        for step in reply.steps:
            if isinstance(step, Pause):
                time.sleep(step.seconds)
            elif isinstance(step, Hold):
                self.server_mock._wait_hold(step)
            elif isinstance(step, Disconnect):
                self.close_connection = True
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            else:
                self._write_chunk(_frame(step))
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _write_chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()


def _frame(step: Json | str | bytes) -> bytes:
    if isinstance(step, bytes):
        return step
    if isinstance(step, str):
        return step.encode()
    return sse_frame(step)


def sse_frame(data: Json | str, event: str | None = None) -> bytes:
    """One SSE event. A dict is sent as compact JSON with ``event: <its type>``."""
    if isinstance(data, dict):
        event = event or data.get("type")
        text = json.dumps(data, separators=(",", ":"))
    else:
        text = data
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {text}\n\n".encode()


# --------------------------------------------------------------------------
# config.toml for a daemon under test
# --------------------------------------------------------------------------


def write_mock_config(
    codex_home: Path,
    mock: MockModelServer,
    *,
    wire_api: str = "responses",
    model: str = "mock-model",
    request_max_retries: int = 0,
    stream_max_retries: int = 0,
    stream_idle_timeout_ms: int | None = None,
    env_key: str | None = None,
    approval_policy: str = "never",
    sandbox_mode: str = "danger-full-access",
    provider_extra: Mapping[str, Any] | None = None,
    extra: str = "",
) -> Path:
    """Write ``<codex_home>/config.toml`` with a ``[model_providers.mock]``
    pointing at ``mock`` and selected as the model provider.

    Retries default to 0 so that a failing reply fails at once; pass the
    retry settings a test is about. ``provider_extra`` adds keys to the
    provider table (``{"query_params": {"api-version": "1"}}``); ``extra``
    is raw TOML put before the tables.
    """
    provider: dict[str, Any] = {
        "name": "Mock provider",
        "base_url": mock.base_url,
        "wire_api": wire_api,
        "request_max_retries": request_max_retries,
        "stream_max_retries": stream_max_retries,
    }
    if stream_idle_timeout_ms is not None:
        provider["stream_idle_timeout_ms"] = stream_idle_timeout_ms
    if env_key is not None:
        provider["env_key"] = env_key
    provider.update(provider_extra or {})
    lines = [
        f"model = {_toml(model)}",
        'model_provider = "mock"',
        f"approval_policy = {_toml(approval_policy)}",
        f"sandbox_mode = {_toml(sandbox_mode)}",
    ]
    if extra:
        lines.append(extra.rstrip("\n"))
    lines += ["", "[model_providers.mock]"]
    lines += [f"{key} = {_toml(value)}" for key, value in provider.items()]
    path = codex_home / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_toml(str(k))} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, Sequence):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


# --------------------------------------------------------------------------
# Responses API: events
# --------------------------------------------------------------------------

_ids = itertools.count(1)


def _next_id(prefix: str) -> str:
    return f"{prefix}_{next(_ids)}"


def usage(
    input_tokens: int = 10,
    output_tokens: int = 5,
    *,
    cached: int = 0,
    reasoning: int = 0,
    total: int | None = None,
) -> Json:
    """A Responses API ``usage`` object."""
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": input_tokens + output_tokens if total is None else total,
    }


def created(response_id: str = "resp_mock") -> Json:
    return {"type": "response.created", "response": {"id": response_id}}


def completed(response_id: str = "resp_mock", usage_obj: Json | None = None) -> Json:
    return {
        "type": "response.completed",
        "response": {"id": response_id, "usage": usage() if usage_obj is None else usage_obj},
    }


def failed_event(
    message: str = "mock failure",
    code: str | None = "server_error",
    response_id: str = "resp_mock",
) -> Json:
    error: Json = {"message": message}
    if code is not None:
        error["code"] = code
    return {"type": "response.failed", "response": {"id": response_id, "error": error}}


def incomplete_event(reason: str = "max_output_tokens", response_id: str = "resp_mock") -> Json:
    return {
        "type": "response.incomplete",
        "response": {"id": response_id, "incomplete_details": {"reason": reason}},
    }


def text_delta(delta: str) -> Json:
    return {"type": "response.output_text.delta", "delta": delta}


def reasoning_summary_delta(delta: str) -> Json:
    return {"type": "response.reasoning_summary_text.delta", "delta": delta}


def reasoning_summary_part_added() -> Json:
    return {"type": "response.reasoning_summary_part.added"}


def reasoning_text_delta(delta: str) -> Json:
    return {"type": "response.reasoning_text.delta", "delta": delta}


def output_item_added(item: Json) -> Json:
    return {"type": "response.output_item.added", "item": item}


def output_item_done(item: Json) -> Json:
    return {"type": "response.output_item.done", "item": item}


def message_item(text: str, item_id: str | None = None) -> Json:
    return {
        "type": "message",
        "role": "assistant",
        "id": item_id or _next_id("msg"),
        "content": [{"type": "output_text", "text": text}],
    }


def reasoning_item(
    summary: Sequence[str] = (),
    content: Sequence[str] | None = None,
    *,
    encrypted_content: str | None = None,
    item_id: str | None = None,
) -> Json:
    item: Json = {
        "type": "reasoning",
        "id": item_id or _next_id("rs"),
        "summary": [{"type": "summary_text", "text": text} for text in summary],
    }
    if content is not None:
        item["content"] = [{"type": "reasoning_text", "text": text} for text in content]
    if encrypted_content is not None:
        item["encrypted_content"] = encrypted_content
    return item


def function_call_item(name: str, arguments: Any, call_id: str | None = None) -> Json:
    """``arguments`` is sent as given when a string, as JSON text otherwise."""
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments)
    return {
        "type": "function_call",
        "id": _next_id("fc"),
        "name": name,
        "arguments": arguments,
        "call_id": call_id or _next_id("call"),
    }


def custom_tool_call_item(name: str, tool_input: str, call_id: str | None = None) -> Json:
    return {
        "type": "custom_tool_call",
        "id": _next_id("ctc"),
        "status": "completed",
        "call_id": call_id or _next_id("call"),
        "name": name,
        "input": tool_input,
    }


def local_shell_call_item(command: Sequence[str], call_id: str | None = None) -> Json:
    return {
        "type": "local_shell_call",
        "id": _next_id("lsh"),
        "call_id": call_id or _next_id("call"),
        "status": "completed",
        "action": {"type": "exec", "command": list(command)},
    }


# --------------------------------------------------------------------------
# Responses API: whole replies
# --------------------------------------------------------------------------


def responses_reply(
    *steps: SseStep,
    response_id: str = "resp_mock",
    usage_obj: Json | None = None,
    headers: Mapping[str, str] | None = None,
) -> SseReply:
    """``response.created``, the given steps, then ``response.completed``."""
    return SseReply(
        [created(response_id), *steps, completed(response_id, usage_obj)],
        headers=dict(headers or {}),
    )


def assistant_message(text: str = "Done", **kw: Any) -> SseReply:
    """One assistant message, without deltas."""
    return responses_reply(output_item_done(message_item(text)), **kw)


def streamed_message(parts: Iterable[str], *, pause: float = 0.0, **kw: Any) -> SseReply:
    """An assistant message streamed as text deltas, then the whole message."""
    parts = list(parts)
    steps: list[SseStep] = []
    for part in parts:
        steps.append(text_delta(part))
        if pause:
            steps.append(Pause(pause))
    steps.append(output_item_done(message_item("".join(parts))))
    return responses_reply(*steps, **kw)


def reasoning_message(
    summary: Sequence[str],
    text: str = "Done",
    *,
    raw_content: Sequence[str] | None = None,
    **kw: Any,
) -> SseReply:
    """Reasoning summary deltas (one section per summary paragraph), the
    reasoning item, then an assistant message."""
    steps: list[SseStep] = []
    for index, paragraph in enumerate(summary):
        if index:
            steps.append(reasoning_summary_part_added())
        steps.append(reasoning_summary_delta(paragraph))
    for part in raw_content or ():
        steps.append(reasoning_text_delta(part))
    steps.append(output_item_done(reasoning_item(summary, raw_content)))
    steps.append(output_item_done(message_item(text)))
    return responses_reply(*steps, **kw)


def function_call(name: str, arguments: Any, call_id: str | None = None, **kw: Any) -> SseReply:
    return responses_reply(output_item_done(function_call_item(name, arguments, call_id)), **kw)


def shell_call(
    command: Sequence[str],
    call_id: str | None = None,
    *,
    workdir: str | None = None,
    timeout_ms: int | None = None,
    **kw: Any,
) -> SseReply:
    """A call of the ``shell`` function tool (argv form)."""
    arguments: Json = {"command": list(command)}
    if workdir is not None:
        arguments["workdir"] = workdir
    if timeout_ms is not None:
        arguments["timeout_ms"] = timeout_ms
    return function_call("shell", arguments, call_id, **kw)


def custom_tool_call(name: str, tool_input: str, call_id: str | None = None, **kw: Any) -> SseReply:
    return responses_reply(output_item_done(custom_tool_call_item(name, tool_input, call_id)), **kw)


def failed(message: str = "mock failure", code: str | None = "server_error") -> SseReply:
    """``response.created`` then ``response.failed``."""
    return SseReply([created(), failed_event(message, code)])


def context_window_exceeded() -> SseReply:
    return failed("Your input exceeds the context window of this model.", "context_length_exceeded")


def http_error(
    status: int,
    body: Json | str | None = None,
    *,
    retry_after: float | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpError:
    all_headers = dict(headers or {})
    if retry_after is not None:
        all_headers["retry-after"] = f"{retry_after:g}"
    if body is None:
        body = {"error": {"message": f"mock HTTP {status}", "type": "mock_error"}}
    return HttpError(status, body, all_headers)


def usage_limit_reached(
    *,
    plan_type: str | None = "plus",
    resets_at: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpError:
    """The 429 the ChatGPT backend sends when the plan's usage limit is reached
    (``resets_at``: seconds since the epoch)."""
    error: Json = {"type": "usage_limit_reached", "message": "The usage limit has been reached"}
    if plan_type is not None:
        error["plan_type"] = plan_type
    if resets_at is not None:
        error["resets_at"] = resets_at
    return HttpError(429, {"error": error}, dict(headers or {}))


def rate_limit_headers(
    primary_used: float = 25.0,
    primary_window: int = 300,
    primary_reset_at: int | None = None,
    secondary_used: float | None = 50.0,
    secondary_window: int = 10080,
    secondary_reset_at: int | None = None,
) -> dict[str, str]:
    """``x-codex-*`` headers describing the account's rate limits."""
    headers = {
        "x-codex-primary-used-percent": f"{primary_used:g}",
        "x-codex-primary-window-minutes": str(primary_window),
    }
    if primary_reset_at is not None:
        headers["x-codex-primary-reset-at"] = str(primary_reset_at)
    if secondary_used is not None:
        headers["x-codex-secondary-used-percent"] = f"{secondary_used:g}"
        headers["x-codex-secondary-window-minutes"] = str(secondary_window)
        if secondary_reset_at is not None:
            headers["x-codex-secondary-reset-at"] = str(secondary_reset_at)
    return headers


def default_usage_body() -> Json:
    """A ChatGPT usage endpoint body (what ``account/rateLimits/read`` reads)."""
    return {
        "plan_type": "plus",
        "rate_limit": {
            "allowed": True,
            "limit_reached": False,
            "primary_window": {
                "used_percent": 25,
                "limit_window_seconds": 18000,
                "reset_after_seconds": 3600,
                "reset_at": 1_900_000_000,
            },
            "secondary_window": {
                "used_percent": 50,
                "limit_window_seconds": 604800,
                "reset_after_seconds": 86400,
                "reset_at": 1_900_100_000,
            },
        },
    }


# --------------------------------------------------------------------------
# Chat Completions
# --------------------------------------------------------------------------


def chat_chunk(
    delta: Json | None = None,
    finish_reason: str | None = None,
    *,
    usage_obj: Json | None = None,
) -> Json:
    chunk: Json = {
        "id": "chatcmpl-mock",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "mock-model",
        "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish_reason}],
    }
    if usage_obj is not None:
        chunk["usage"] = usage_obj
    return chunk


CHAT_DONE: Final = "data: [DONE]\n\n"


def chat_reply(*steps: SseStep, done: bool = True) -> SseReply:
    """Chat chunks (sent as ``data:`` lines without an ``event:``), then ``[DONE]``."""
    framed = list(steps)  # chat chunks have no "type": no `event:` line is written
    if done:
        framed.append(CHAT_DONE)
    return SseReply(framed)


def chat_message(
    text: str | Sequence[str] = "Done",
    *,
    reasoning: Sequence[str] = (),
    finish_reason: str = "stop",
    usage_obj: Json | None = None,
) -> SseReply:
    """An assistant message streamed as content deltas (a list: one delta per
    part), optionally preceded by reasoning deltas."""
    parts = [text] if isinstance(text, str) else list(text)
    steps: list[SseStep] = []
    for index, part in enumerate(reasoning):
        steps.append(
            chat_chunk(
                {"role": "assistant", "reasoning": part} if index == 0 else {"reasoning": part}
            )
        )
    for index, part in enumerate(parts):
        delta: Json = {"content": part}
        if index == 0 and not reasoning:
            delta["role"] = "assistant"
        steps.append(chat_chunk(delta))
    steps.append(chat_chunk({}, finish_reason, usage_obj=usage_obj))
    return chat_reply(*steps)


@dataclass(frozen=True)
class ChatToolCall:
    """A function call for `chat_tool_calls`, streamed in argument pieces."""

    name: str
    arguments: Any
    call_id: str | None = None
    pieces: int = 3


def chat_tool_calls(*calls: ChatToolCall, content: str | None = None) -> SseReply:
    """Tool calls streamed the way OpenAI does: the first delta of each call
    carries its id and name, later deltas carry pieces of the arguments;
    ends with ``finish_reason: tool_calls``."""
    steps: list[SseStep] = []
    if content:
        steps.append(chat_chunk({"role": "assistant", "content": content}))
    for index, call in enumerate(calls):
        arguments = call.arguments
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments)
        size = max(1, -(-len(arguments) // max(1, call.pieces)))
        pieces = [arguments[i : i + size] for i in range(0, len(arguments), size)] or [""]
        head = {
            "index": index,
            "id": call.call_id or _next_id("call"),
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        steps.append(chat_chunk({"role": "assistant", "tool_calls": [head]}))
        for piece in pieces:
            steps.append(
                chat_chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            )
    steps.append(chat_chunk({}, "tool_calls"))
    return chat_reply(*steps)


@contextlib.contextmanager
def running_mock() -> Iterator[MockModelServer]:
    """A started server, stopped on exit."""
    with MockModelServer() as mock:
        yield mock
