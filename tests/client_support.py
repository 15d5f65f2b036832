"""The package's typed client (`app_server_protocol.client`) pointed at a
test daemon (over stdio, or serving WebSocket): same environment and
offline settings as `tests.harness.stdio`."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from app_server_protocol.client import (
    StdioAppServerClient,
    WebSocketAppServerClient,
    spawn_stdio,
    spawn_websocket,
)
from app_server_protocol.v1.session import ClientInfo
from tests.harness.stdio import daemon_environ

DAEMON = (sys.executable, "-m", "app_server")
TESTS_CLIENT = ClientInfo(name="tests", title=None, version="0.0.0")


@asynccontextmanager
async def typed_client(
    codex_home: Path,
    cwd: Path,
    *,
    initialize: bool = True,
    env: dict[str, str | None] | None = None,
    **options: Any,
) -> AsyncIterator[StdioAppServerClient]:
    """A daemon of this checkout over stdio, its stderr in a file next to ``codex_home``."""
    stderr_path = codex_home.parent / "typed-client-daemon.stderr"
    with stderr_path.open("ab") as stderr:
        async with spawn_stdio(
            DAEMON, env=daemon_environ(codex_home, env), cwd=cwd, stderr=stderr, **options
        ) as client:
            if initialize:
                await client.initialize(TESTS_CLIENT)
            yield client


@asynccontextmanager
async def typed_ws_client(
    codex_home: Path,
    cwd: Path,
    *,
    initialize: bool = True,
    env: dict[str, str | None] | None = None,
    **options: Any,
) -> AsyncIterator[WebSocketAppServerClient]:
    """A daemon of this checkout serving ``ws://127.0.0.1:0``, and a client
    connected to it; the daemon's stderr in a file next to ``codex_home``."""
    stderr_path = codex_home.parent / "typed-ws-client-daemon.stderr"
    with stderr_path.open("ab") as stderr:
        async with spawn_websocket(
            (*DAEMON, "app-server"),
            env=daemon_environ(codex_home, env),
            cwd=cwd,
            stderr=stderr,
            **options,
        ) as client:
            if initialize:
                await client.initialize(TESTS_CLIENT)
            yield client
