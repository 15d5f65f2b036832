"""A typed async client of the app-server protocol (anyio).

Start a daemon and talk to it (over its stdio; `connect_websocket` joins
one that serves WebSocket, `spawn_websocket` starts one that does)::

    async with spawn_stdio() as client:
        await client.initialize(ClientInfo(name="me", version="1.0"))
        models = await client.request(methods.MODEL_LIST, ModelListParams())

`AppServerClient.request` is typed by the row of `app_server_protocol.methods`
it is given; notifications come typed on demand (`ServerNotice.of`), all of
them or one thread's; the server's requests (approvals) go to handlers
registered per row with `AppServerClient.on_request`.
"""

from .connection import AppServerClient, ConnectionClosed, RpcError
from .notices import ServerNotice
from .stdio import DEFAULT_COMMAND, StdioAppServerClient, spawn_stdio
from .websocket import WebSocketAppServerClient, connect_websocket, spawn_websocket

__all__ = [
    "DEFAULT_COMMAND",
    "AppServerClient",
    "ConnectionClosed",
    "RpcError",
    "ServerNotice",
    "StdioAppServerClient",
    "WebSocketAppServerClient",
    "connect_websocket",
    "spawn_stdio",
    "spawn_websocket",
]
