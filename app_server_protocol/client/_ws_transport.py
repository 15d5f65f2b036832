"""One WebSocket over an anyio TCP stream, driven by the sans-I/O protocol of
`websockets`: it runs on any anyio backend, and `websockets` is imported only
when a WebSocket is opened (`app_server_protocol.client.websocket` imports
this module lazily)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import suppress

import anyio
from anyio.abc import ByteStream
from websockets.client import ClientProtocol
from websockets.exceptions import InvalidState, InvalidURI
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

from .connection import ConnectionClosed

log = logging.getLogger("app_server_protocol.client")

_STREAM_ERRORS = (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError)


class WebSocketTransport:
    """Sends and receives whole text messages; answers pings and the server's
    close frame as the protocol requires."""

    def __init__(self, stream: ByteStream, protocol: ClientProtocol) -> None:
        self._stream = stream
        self._protocol = protocol
        # Whoever holds it takes the protocol's pending writes and sends
        # them, so bytes reach the socket in the protocol's order.
        self._write_lock = anyio.Lock()
        self._early: list[Frame] = []
        self._eof = anyio.Event()

    @classmethod
    async def open(cls, url: str, *, max_size: int | None) -> WebSocketTransport:
        """Connect and complete the opening handshake (no ``Origin`` header:
        the daemon refuses requests that carry one)."""
        try:
            uri = parse_uri(url)
        except InvalidURI as exc:
            raise ValueError(f"not a WebSocket URL: {url!r}") from exc
        try:
            stream: ByteStream = (
                await anyio.connect_tcp(uri.host, uri.port, tls=True, tls_hostname=uri.host)
                if uri.secure
                else await anyio.connect_tcp(uri.host, uri.port)
            )
        except OSError as exc:
            raise ConnectionClosed(f"cannot connect to {url}: {exc}") from exc
        transport = cls(stream, ClientProtocol(uri, max_size=max_size))
        try:
            await transport._handshake(url)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await transport.abort()
            raise
        return transport

    async def _handshake(self, url: str) -> None:
        protocol = self._protocol
        async with self._write_lock:
            protocol.send_request(protocol.connect())
            await self._flush()
        response: Response | None = None
        while response is None:
            if not await self._receive():
                break
            for event in protocol.events_received():
                if isinstance(event, Response):
                    response = event
                elif isinstance(event, Frame):
                    self._early.append(event)
        if protocol.handshake_exc is not None or response is None:
            reason = protocol.handshake_exc or "the connection closed during the handshake"
            raise ConnectionClosed(f"the WebSocket handshake with {url} failed: {reason}")

    async def send_text(self, message: bytes) -> None:
        """Send ``message`` (UTF-8 JSON) as one text frame."""
        async with self._write_lock:
            try:
                self._protocol.send_text(message)
            except InvalidState as exc:
                raise ConnectionClosed(
                    f"the WebSocket is closed ({self.describe_close()})"
                ) from exc
            await self._flush()

    async def messages(self) -> AsyncIterator[bytes]:
        """The text messages the server sends, whole, until the connection
        closes (a close handshake, or a dropped socket)."""
        fragments: list[bytes] = []
        frames = self._early
        self._early = []
        while True:
            for frame in frames:
                if frame.opcode is Opcode.TEXT:
                    fragments = [bytes(frame.data)]
                elif frame.opcode is Opcode.CONT and fragments:
                    fragments.append(bytes(frame.data))
                elif frame.opcode is Opcode.BINARY:
                    log.warning(
                        "skipped a binary frame from the server (%d bytes)", len(frame.data)
                    )
                    continue
                else:
                    continue  # control frames: the protocol answers them
                if frame.fin:
                    message = b"".join(fragments)
                    fragments = []
                    yield message
            if not await self._receive():
                return
            frames = [
                event for event in self._protocol.events_received() if isinstance(event, Frame)
            ]

    async def _receive(self) -> bool:
        """Feed the protocol what the socket has, answer what it must; False
        once the socket has ended."""
        try:
            data = await self._stream.receive()
        except (anyio.EndOfStream, *_STREAM_ERRORS):
            return self._ended()
        self._protocol.receive_data(data)
        try:
            async with self._write_lock:
                await self._flush()
        except ConnectionClosed:  # cannot answer a ping or close: it is over
            return self._ended()
        return True

    def _ended(self) -> bool:
        self._protocol.receive_eof()
        self._eof.set()
        return False

    async def _flush(self) -> None:
        for data in self._protocol.data_to_send():
            try:
                if data:
                    await self._stream.send(data)
                else:  # the protocol's signal to half-close
                    with suppress(NotImplementedError):
                        await self._stream.send_eof()
            except _STREAM_ERRORS as exc:
                raise ConnectionClosed(f"cannot write to the server: {exc!r}") from exc

    async def close(self, timeout: float) -> None:
        """The closing handshake: a close frame (1000), then wait up to
        ``timeout`` for the server to close the socket while `messages` reads
        on; the socket is closed either way."""
        if self._protocol.state is State.OPEN:
            async with self._write_lock:
                self._protocol.send_close(1000)
                with suppress(ConnectionClosed):
                    await self._flush()
            with anyio.move_on_after(timeout):
                await self._eof.wait()
        await self.abort()

    async def abort(self) -> None:
        """Close the socket without a handshake."""
        with suppress(*_STREAM_ERRORS):
            await self._stream.aclose()

    def describe_close(self) -> str:
        """How the connection ended, as far as the protocol knows."""
        protocol = self._protocol
        if protocol.state is not State.CLOSED:
            return "still open"
        if protocol.close_rcvd is None:
            return "the socket dropped without a close frame"
        code = protocol.close_rcvd.code
        reason = protocol.close_rcvd.reason
        return f"close code {code}" + (f": {reason}" if reason else "")
