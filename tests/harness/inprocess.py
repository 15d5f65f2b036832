"""Run the daemon's connection loop in the test's own event loop, over anyio
memory streams: fast unit tests of whole requests without a process."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from app_server.app import Session
from app_server.cli import ServeOptions
from app_server.server import serve_connection

from .stdio import DEFAULT_TIMEOUT, Message, ResponseError


class InProcessClient:
    def __init__(self, to_server: MemoryObjectSendStream[bytes]) -> None:
        self._to_server = to_server
        self._ids = itertools.count(1)
        self.messages: list[Message] = []
        self._arrived = anyio.Event()

    def _deliver(self, message: Message) -> None:
        self.messages.append(message)
        self._arrived.set()
        self._arrived = anyio.Event()

    async def send_raw(self, data: bytes) -> None:
        await self._to_server.send(data)

    async def send(self, message: Message) -> None:
        await self.send_raw(json.dumps(message).encode())

    async def wait_for(
        self, predicate: Callable[[Message], bool], timeout: float = DEFAULT_TIMEOUT, start: int = 0
    ) -> Message:
        index = start
        with anyio.fail_after(timeout):
            while True:
                while index < len(self.messages):
                    message = self.messages[index]
                    index += 1
                    if predicate(message):
                        return message
                await self._arrived.wait()

    async def request(
        self, method: str, params: Any = None, *, omit_params: bool = False
    ) -> Message:
        rid = next(self._ids)
        message: Message = {"id": rid, "method": method}
        if not omit_params:
            message["params"] = params
        start = len(self.messages)
        await self.send(message)
        return await self.wait_for(
            lambda m: m.get("id") == rid and "method" not in m and ("result" in m or "error" in m),
            start=start,
        )

    async def call(self, method: str, params: Any = None) -> Any:
        response = await self.request(method, params, omit_params=params is None)
        if "error" in response:
            raise ResponseError(method, response["error"])
        return response["result"]

    async def call_error(self, method: str, params: Any = None) -> Message:
        response = await self.request(method, params, omit_params=params is None)
        assert "error" in response, f"{method} should have failed: {response}"
        error: Message = response["error"]
        return error

    async def notify(self, method: str, params: Any = None) -> None:
        message: Message = {"method": method}
        if params is not None:
            message["params"] = params
        await self.send(message)

    async def initialize(self, name: str = "tests", version: str = "0.0.0") -> Any:
        result = await self.call("initialize", {"clientInfo": {"name": name, "version": version}})
        await self.notify("initialized")
        return result


@asynccontextmanager
async def in_process_daemon(
    codex_home: Path, options: ServeOptions | None = None
) -> AsyncIterator[InProcessClient]:
    """A daemon connection served in this event loop; closed on exit."""
    to_server, server_in = anyio.create_memory_object_stream[bytes](1024)
    client = InProcessClient(to_server)

    async def lines() -> AsyncIterator[bytes]:
        async with server_in:
            async for line in server_in:
                yield line

    async def write_messages(messages: MemoryObjectReceiveStream[bytes]) -> None:
        async with messages:
            async for data in messages:
                for line in data.splitlines():
                    client._deliver(json.loads(line))

    async with anyio.create_task_group() as tg:
        tg.start_soon(
            serve_connection,
            lines(),
            write_messages,
            options or ServeOptions(),
            codex_home,
            Session(),
        )
        try:
            yield client
        finally:
            await to_server.aclose()
