"""A daemon serving WebSocket (``--listen ws://127.0.0.1:0``) in a process
of its own, and clients that speak to it with the `websockets` client."""

from __future__ import annotations

import itertools
import json
import re
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Final

import anyio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from .stdio import DEFAULT_TIMEOUT, Message, ResponseError, daemon_environ

_LISTENING: Final = re.compile(r"listening on: (ws://\S+)")


class WebSocketDaemon:
    """``codex-app-server app-server --listen ws://127.0.0.1:0``; ``url`` is
    where it listens, read from the banner it prints to stderr."""

    def __init__(
        self,
        codex_home: Path,
        *,
        cwd: Path,
        env: dict[str, str | None] | None = None,
        listen: str = "ws://127.0.0.1:0",
        timeout: float = 60.0,
    ) -> None:
        self.stderr_path = codex_home.parent / f"ws-daemon-{id(self)}.stderr"
        self._stderr = self.stderr_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app_server", "app-server", "--listen", listen],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            cwd=str(cwd),
            env=daemon_environ(codex_home, env),
        )
        self.url = self._wait_for_banner(timeout)

    def _wait_for_banner(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = _LISTENING.search(self.stderr_text())
            if found:
                return found.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"the daemon did not listen: {self.stderr_text()}")

    def stderr_text(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    async def wait_for_stderr(self, text: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Until the daemon has logged ``text``."""
        for _ in range(int(timeout * 10)):
            if text in self.stderr_text():
                return
            await anyio.sleep(0.1)
        raise AssertionError(f"not logged: {text!r}")

    def stop(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        """SIGTERM, and the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._stderr.close()


class WebSocketClient:
    """One connection; every message received is kept in ``messages``."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.messages: list[Message] = []
        self.frames: list[str] = []
        self.closed = anyio.Event()
        self._arrived = anyio.Event()
        self._ids = itertools.count(1)
        self._reading = anyio.CancelScope()

    async def read(self) -> None:
        """Receive until the connection closes (run as a task)."""
        try:
            with self._reading:
                async for frame in self.socket:
                    assert isinstance(frame, str), "messages come as text frames"
                    self.frames.append(frame)
                    message = json.loads(frame)
                    self.messages.append(message)
                    self._arrived.set()
                    self._arrived = anyio.Event()
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()
            self._arrived.set()

    def stop_reading(self) -> None:
        """Read nothing more: what the daemon sends piles up (in the kernel,
        then in the daemon) as for a client that stopped reading."""
        self._reading.cancel()

    async def send(self, message: Message) -> None:
        await self.socket.send(json.dumps(message))

    async def respond(self, request_id: Any, result: Any) -> None:
        await self.send({"id": request_id, "result": result})

    async def wait_for(
        self,
        predicate: Any,
        timeout: float = DEFAULT_TIMEOUT,
        start: int = 0,
    ) -> Message:
        index = start
        with anyio.fail_after(timeout):
            while True:
                while index < len(self.messages):
                    message = self.messages[index]
                    index += 1
                    if predicate(message):
                        return message
                if self.closed.is_set():
                    raise AssertionError("the connection closed first")
                await self._arrived.wait()

    async def wait_notification(
        self, method: str, timeout: float = DEFAULT_TIMEOUT, start: int = 0, **params: Any
    ) -> Message:
        def matches(message: Message) -> bool:
            if message.get("method") != method or "id" in message:
                return False
            got = message.get("params") or {}
            return all(got.get(key) == value for key, value in params.items())

        return await self.wait_for(matches, timeout, start)

    async def request(self, method: str, params: Any = None) -> Message:
        request_id = next(self._ids)
        message: Message = {"id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        start = len(self.messages)
        await self.send(message)
        return await self.wait_for(
            lambda m: m.get("id") == request_id and "method" not in m, start=start
        )

    async def call(self, method: str, params: Any = None) -> Any:
        response = await self.request(method, params)
        if "error" in response:
            raise ResponseError(method, response["error"])
        return response["result"]

    async def initialize(self, name: str = "tests", **capabilities: Any) -> Any:
        params: Message = {"clientInfo": {"name": name, "version": "1.0"}}
        if capabilities:
            params["capabilities"] = capabilities
        result = await self.call("initialize", params)
        await self.send({"method": "initialized"})
        return result

    def methods(self, start: int = 0) -> list[str]:
        return [m["method"] for m in self.messages[start:] if "method" in m and "id" not in m]

    def drop(self) -> None:
        """Cut the TCP connection without a close frame (a client that crashed)."""
        sock = self.socket.transport.get_extra_info("socket")
        if sock is not None:
            # Linger 0: the peer sees a reset, not an orderly shutdown.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.socket.transport.abort()


async def open_client(url: str, **options: Any) -> ClientConnection:
    return await connect(url, open_timeout=DEFAULT_TIMEOUT, **options)
