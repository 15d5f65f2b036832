"""A tiny HTTP/1.1 server on loopback for the browser's OAuth redirect.

One request per connection (every answer says ``Connection: close``), the
request line and headers read within a deadline and a size limit; bodies are
ignored. The caller's handler maps a request to a `Page`; once a page marked
`final` has been sent, the server stops and frees its port. Everything runs
on the event loop with anyio: no thread blocks on a socket.
"""

from __future__ import annotations

import dataclasses
import errno
import html
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Final
from urllib.parse import parse_qsl, urlsplit

import anyio
from anyio.abc import SocketAttribute, SocketListener, SocketStream, TaskGroup
from anyio.streams.buffered import BufferedByteReceiveStream

from ..logs import log

LOOPBACK: Final = "127.0.0.1"
#: How long a client may take to send its request line and headers.
REQUEST_TIMEOUT_S: Final = 10.0
MAX_REQUEST_BYTES: Final = 16 * 1024


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    """The query parameters (for a repeated name, the last value)."""


@dataclasses.dataclass(frozen=True)
class Page:
    """An answer for the browser."""

    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    final: bool = False
    """The server stops once this page is sent."""

    def encode(self) -> bytes:
        reason = HTTPStatus(self.status).phrase
        lines = [
            f"HTTP/1.1 {self.status} {reason}",
            f"Content-Type: {self.content_type}",
            f"Content-Length: {len(self.body)}",
            "Cache-Control: no-store",
            "Connection: close",
            *(f"{name}: {value}" for name, value in self.headers.items()),
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


Handler = Callable[[Request], Awaitable[Page]]


def final(page: Page) -> Page:
    """``page``, marked as the last one the server sends."""
    return dataclasses.replace(page, final=True)


def html_page(status: int, title: str, *paragraphs: str) -> Page:
    """A small self-contained page (the texts are escaped)."""
    body = "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;"
        "padding:0 1rem;color:#1f2328;line-height:1.5}h1{font-size:1.4rem}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return Page(status, document.encode("utf-8"))


async def bind(port: int) -> SocketListener:
    """Listen on ``127.0.0.1:port`` (0: any free port); raises `OSError`."""
    multi = await anyio.create_tcp_listener(local_host=LOOPBACK, local_port=port)
    listener = multi.listeners[0]
    assert isinstance(listener, SocketListener)  # one address: one socket listener
    return listener


def is_address_in_use(exc: OSError) -> bool:
    return exc.errno == errno.EADDRINUSE


def bound_port(listener: SocketListener) -> int:
    return int(listener.extra(SocketAttribute.local_port))


async def serve(listener: SocketListener, handler: Handler) -> None:
    """Answer requests until a final page is sent (or until cancelled); the
    listener is closed on the way out."""
    finished = anyio.Event()

    async def accept(connections: TaskGroup) -> None:
        while True:
            stream = await listener.accept()
            connections.start_soon(_serve_connection, stream, handler, finished)

    async with listener, anyio.create_task_group() as connections:
        connections.start_soon(accept, connections)
        await finished.wait()
        connections.cancel_scope.cancel()


async def _serve_connection(stream: SocketStream, handler: Handler, finished: anyio.Event) -> None:
    async with stream:
        try:
            request = await _read_request(stream)
        except (anyio.EndOfStream, anyio.IncompleteRead, anyio.BrokenResourceError, OSError):
            return
        if request is None:
            page = html_page(400, "Bad request", "This address only serves the Codex sign-in.")
        else:
            try:
                page = await handler(request)
            except Exception:
                log.exception("login callback: the request %s failed", request.path)
                page = html_page(500, "Sign-in failed", "Something went wrong; try again.")
        try:
            await stream.send(page.encode())
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as exc:
            log.debug("login callback: the browser went away before the answer: %s", exc)
        finally:
            if page.final:
                finished.set()


async def _read_request(stream: SocketStream) -> Request | None:
    """The request, or None when it is not a readable HTTP request."""
    buffered = BufferedByteReceiveStream(stream)
    with anyio.move_on_after(REQUEST_TIMEOUT_S):
        try:
            head = await buffered.receive_until(b"\r\n\r\n", MAX_REQUEST_BYTES)
        except anyio.DelimiterNotFound:
            return None
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return None
        method, target, _version = parts
        try:
            split = urlsplit(target)
        except ValueError:  # an unbalanced '[' reads as a broken IPv6 host
            return None
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        return Request(method, split.path, query)
    return None
