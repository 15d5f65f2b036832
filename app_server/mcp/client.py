"""One MCP server, as a conversation uses it: started, asked for its tools,
called, restarted when its connection broke, stopped.

The protocol is the `mcp` SDK's `ClientSession`, over the stdio transport of
`stdio` or the SDK's streamable HTTP transport. A connection lives in a task
of its own (the transports' context managers must be entered and left in one
task), started in a task group that outlives requests; calls come from turn
tasks. When a call finds the connection broken (the server crashed, its HTTP
connection failed), the call fails and the next call starts a new connection.

This module imports the SDK: import it only when a server is to be started.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

import anyio
import httpx
from anyio.abc import TaskGroup
from mcp import ClientSession, McpError, types
from mcp.client.streamable_http import streamable_http_client
from pydantic import ValidationError

from app_server_protocol.mcp import (
    CallToolResult,
    Resource,
    ResourceTemplate,
)
from app_server_protocol.mcp import (
    EmbeddedResourceResource as ResourceContents,
)

from .._version import __version__
from ..config.mcp import HttpServerConfig, McpServerConfig, StdioServerConfig
from ..logs import adopt_library_logger, log
from ..rust_format import os_error_message
from .http_auth import McpAuthError, ServerAuth, bearer_token
from .names import valid_server_name
from .oauth.credentials import OAuthCredentials
from .oauth.store import TokenStore, TokenStoreError
from .stdio import StdioConnection, server_environment, stdio_transport

adopt_library_logger("mcp")

T = TypeVar("T")

CLIENT_INFO: Final = types.Implementation(
    name="codex-mcp-client", title="Codex", version=__version__
)
#: Pages of a listing followed at most (a server repeating cursors stops sooner).
MAX_PAGES: Final = 1000
#: How long a graceful stop may take before the connection is cancelled.
STOP_SECONDS: Final = 5.0
#: Connect/write timeout of HTTP requests; reads may take as long as a call.
HTTP_TIMEOUT_SECONDS: Final = 30.0


class StartError(Exception):
    """The server could not be started (the message says why; `summary` says
    it in the reference's words, as the error of a required server reads)."""

    def __init__(self, message: str, summary: str | None = None) -> None:
        super().__init__(message)
        self.summary = message if summary is None else summary


class CallError(Exception):
    """A request to the server failed (the message says why)."""


@dataclass(eq=False)
class _Connection:
    """One connection to the server, from start to end."""

    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    ready: anyio.Event = field(default_factory=anyio.Event)
    """Set once started, or once the start failed."""
    stop: anyio.Event = field(default_factory=anyio.Event)
    done: anyio.Event = field(default_factory=anyio.Event)
    session: ClientSession | None = None
    tools: list[types.Tool] = field(default_factory=list)
    failure: str | None = None
    failure_summary: str | None = None
    """The failure in the reference's words, when they differ."""
    broken: bool = False
    stdio: StdioConnection | None = None


class McpServer:
    """A configured server and its current connection."""

    def __init__(
        self,
        name: str,
        config: McpServerConfig,
        *,
        task_group: TaskGroup,
        token_store: TokenStore,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self._tasks = task_group
        self._tokens = token_store
        self._environ = os.environ if environ is None else environ
        self._connection: _Connection | None = None
        self._restart = anyio.Lock()
        self.tools: list[types.Tool] = []
        """The tools the server listed when it (last) started."""

    # -- life cycle -----------------------------------------------------------

    async def start(self) -> None:
        """Connect, initialize and list the tools, within the startup timeout."""
        if not valid_server_name(self.name):
            raise StartError(
                f"invalid server name '{self.name}': must match pattern ^[a-zA-Z0-9_-]+$"
            )
        connection = _Connection()
        self._connection = connection
        self._tasks.start_soon(self._run, connection)
        timeout = self.config.startup_timeout
        with anyio.move_on_after(timeout):
            await connection.ready.wait()
        if not connection.ready.is_set():
            connection.scope.cancel()
            raise StartError(
                f"timed out after {timeout:g} seconds. Add or adjust `startup_timeout_sec` in "
                f"your config.toml:\n[mcp_servers.{self.name}]\nstartup_timeout_sec = XX",
                f"timed out handshaking with MCP server after {timeout:g}s",
            )
        if connection.session is None:
            failure = connection.failure or "the connection ended during start-up"
            raise StartError(failure, connection.failure_summary or failure)
        self.tools = connection.tools

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await self._stop(connection)

    async def _stop(self, connection: _Connection) -> None:
        connection.stop.set()
        with anyio.move_on_after(STOP_SECONDS, shield=True) as waiting:
            await connection.done.wait()
        if waiting.cancelled_caught:
            connection.scope.cancel()
            with anyio.CancelScope(shield=True):
                await connection.done.wait()

    async def _run(self, connection: _Connection) -> None:
        with connection.scope:
            try:
                async with contextlib.AsyncExitStack() as stack:
                    read, write, ended = await self._open(stack, connection)
                    session = await stack.enter_async_context(
                        ClientSession(read, write, client_info=CLIENT_INFO)
                    )
                    await session.initialize()
                    connection.tools = await self._list_tools(session)
                    connection.session = session
                    connection.ready.set()
                    await _first_of(connection.stop, ended)
            except StartError as exc:
                connection.failure, connection.failure_summary = str(exc), exc.summary
            except Exception as exc:
                connection.failure = self._describe_failure(exc, connection)
                if not connection.ready.is_set() and _closed(exc):
                    connection.failure_summary = (
                        "handshaking with MCP server failed: connection closed: initialize response"
                    )
                if connection.ready.is_set():
                    log.warning("MCP server `%s` disconnected: %s", self.name, connection.failure)
            finally:
                connection.session = None
                connection.broken = True
                connection.ready.set()
                connection.done.set()

    async def _open(
        self, stack: contextlib.AsyncExitStack, connection: _Connection
    ) -> tuple[Any, Any, anyio.Event]:
        """The transport's streams, and an event set when it ends by itself."""
        config = self.config
        if isinstance(config, StdioServerConfig):
            env = server_environment(self._environ, config.env_vars, config.env)
            try:
                stdio = await stack.enter_async_context(
                    stdio_transport(self.name, config.command, config.args, env, config.cwd)
                )
            except OSError as exc:
                raise StartError(
                    f"cannot run `{config.command}`: {os_error_message(exc)}",
                    os_error_message(exc),
                ) from None
            connection.stdio = stdio
            return stdio.read, stdio.write, stdio.exited
        auth = await self._http_auth(config)
        client = httpx.AsyncClient(
            auth=auth, timeout=httpx.Timeout(HTTP_TIMEOUT_SECONDS, read=None)
        )
        await stack.enter_async_context(client)
        read, write, _ = await stack.enter_async_context(
            streamable_http_client(config.url, http_client=client)
        )
        return read, write, anyio.Event()

    async def _http_auth(self, config: HttpServerConfig) -> ServerAuth:
        try:
            if bearer_token(self.name, config, self._environ) is not None:
                return ServerAuth(self.name, config, environ=self._environ)
        except McpAuthError as exc:
            raise StartError(str(exc)) from None
        try:
            tokens = await anyio.to_thread.run_sync(self._tokens.load, self.name, config.url)
        except TokenStoreError as exc:
            raise StartError(f"cannot read the server's OAuth tokens: {exc}") from None
        oauth = OAuthCredentials(tokens, self._tokens) if tokens is not None else None
        return ServerAuth(self.name, config, oauth, environ=self._environ)

    async def _list_tools(self, session: ClientSession) -> list[types.Tool]:
        async def list_page(cursor: str | None) -> tuple[list[types.Tool], str | None]:
            params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
            page = await session.list_tools(params=params)
            return page.tools, page.nextCursor

        return await all_pages(list_page)

    # -- requests -------------------------------------------------------------

    async def _session(self) -> tuple[_Connection, ClientSession]:
        """The live connection, after starting a new one if it broke."""
        async with self._restart:
            connection = self._connection
            if connection is not None and connection.session is not None and not connection.broken:
                return connection, connection.session
            if connection is not None:
                await self._stop(connection)
            log.info("restarting MCP server `%s`", self.name)
            try:
                await self.start()
            except StartError as exc:
                raise CallError(f"the server could not be restarted: {exc}") from None
            connection = self._connection
            assert connection is not None and connection.session is not None
            return connection, connection.session

    async def _request(self, what: str, send: Any) -> Any:
        connection, session = await self._session()
        timeout = self.config.tool_timeout
        try:
            with anyio.fail_after(timeout):
                return await _unless_lost(connection, send(session))
        except _ConnectionLost:
            connection.broken = True
            await _reap(connection)
            reason = f" ({connection.failure})" if connection.failure else _exit_note(connection)
            raise CallError(
                f"{what} failed: the connection to the server was lost{reason}; it is started "
                "again for the next call"
            ) from None
        except TimeoutError:
            raise CallError(f"timed out awaiting {what} after {timeout:g}s") from None
        except McpError as exc:
            if exc.error.code == types.CONNECTION_CLOSED:
                connection.broken = True
                await _reap(connection)
                raise CallError(
                    f"{what} failed: the server closed the connection"
                    f"{_exit_note(connection)}; it is started again for the next call"
                ) from None
            raise CallError(
                f"{what} failed: Mcp error: {exc.error.code}: {exc.error.message}"
            ) from None
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream):
            connection.broken = True
            raise CallError(
                f"{what} failed: the connection to the server is closed; it is started again "
                "for the next call"
            ) from None
        except Exception as exc:
            if connection.done.is_set():
                connection.broken = True
            raise CallError(f"{what} failed: {_describe(exc)}") from None

    async def call_tool(
        self,
        tool: str,
        arguments: dict[str, Any] | None,
        on_progress: ProgressHook | None = None,
    ) -> CallToolResult:
        """Call ``tool``; the server's progress notifications for the call, if
        any, are given to ``on_progress`` as one line of text each."""

        async def progressed(progress: float, total: float | None, message: str | None) -> None:
            if on_progress is not None:
                await on_progress(progress_text(progress, total, message))

        async def send(session: ClientSession) -> types.CallToolResult:
            return await session.call_tool(tool, arguments, progress_callback=progressed)

        result = await self._request("tools/call", send)
        try:
            return CallToolResult.model_validate(
                result.model_dump(by_alias=True, mode="json", exclude_unset=True, exclude_none=True)
            )
        except ValidationError as exc:
            raise CallError(f"the server's tools/call result cannot be read: {exc}") from None

    async def list_resources(self, cursor: str | None) -> tuple[list[Resource], str | None]:
        async def send(session: ClientSession) -> types.ListResourcesResult:
            params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
            return await session.list_resources(params=params)

        page = await self._request("resources/list", send)
        return [_convert(Resource, item) for item in page.resources], page.nextCursor

    async def list_resource_templates(
        self, cursor: str | None
    ) -> tuple[list[ResourceTemplate], str | None]:
        async def send(session: ClientSession) -> types.ListResourceTemplatesResult:
            params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
            return await session.list_resource_templates(params=params)

        page = await self._request("resources/templates/list", send)
        return [
            _convert(ResourceTemplate, item) for item in page.resourceTemplates
        ], page.nextCursor

    async def read_resource(self, uri: str) -> list[ResourceContents]:
        from pydantic import AnyUrl, TypeAdapter

        async def send(session: ClientSession) -> types.ReadResourceResult:
            return await session.read_resource(AnyUrl(uri))

        result = await self._request("resources/read", send)
        adapter: TypeAdapter[ResourceContents] = TypeAdapter(ResourceContents)
        return [
            adapter.validate_python(item.model_dump(by_alias=True, mode="json", exclude_none=True))
            for item in result.contents
        ]

    # -- messages ---------------------------------------------------------------

    def _describe_failure(self, exc: BaseException, connection: _Connection) -> str:
        leaves = list(_leaves(exc))
        for leaf in leaves:
            if isinstance(leaf, httpx.HTTPStatusError) and leaf.response.status_code == 401:
                return (
                    f"The {self.name} MCP server is not logged in. "
                    f"Run `codex-app-server mcp login {self.name}`."
                )
        for leaf in leaves:
            if isinstance(leaf, McpError) and leaf.error.code == types.CONNECTION_CLOSED:
                return f"the server closed the connection during start-up{_exit_note(connection)}"
        return _describe(leaves[0] if leaves else exc)


ProgressHook = Callable[[str], Awaitable[None]]
"""Told each progress notification of a tool call, as text."""


def progress_text(progress: float, total: float | None, message: str | None) -> str:
    """A progress notification as one line: its message, else ``progress/total``."""
    if message:
        return message
    done = f"{progress:g}"
    return done if total is None else f"{done}/{total:g}"


ListPage = Callable[[str | None], Awaitable[tuple[list[T], str | None]]]
"""One page of a listing, from a cursor (None: the first): its items and the next cursor."""


async def all_pages(list_page: ListPage[T]) -> list[T]:
    """Every item of a paginated listing (at most `MAX_PAGES` pages; a cursor
    the server already gave ends it)."""
    items: list[T] = []
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        page, cursor = await list_page(cursor)
        items += page
        if cursor is None or cursor in seen:
            break
        seen.add(cursor)
    return items


class _ConnectionLost(Exception):
    """The connection ended while a request was waiting for its answer."""


async def _unless_lost(connection: _Connection, request: Awaitable[Any]) -> Any:
    """The request's answer; `_ConnectionLost` when the connection ends first
    (the session does not always fail the requests it leaves pending)."""
    outcome: list[Any] = []
    failure: list[BaseException] = []
    async with anyio.create_task_group() as racing:

        async def watch() -> None:
            await connection.done.wait()
            racing.cancel_scope.cancel()

        racing.start_soon(watch)
        try:
            outcome.append(await request)
        except Exception as exc:
            failure.append(exc)
        racing.cancel_scope.cancel()
    if failure:
        raise failure[0]
    if not outcome:
        raise _ConnectionLost
    return outcome[0]


async def _first_of(*events: anyio.Event) -> None:
    """Wait until one of ``events`` is set."""
    async with anyio.create_task_group() as waiting:

        async def wait(event: anyio.Event) -> None:
            await event.wait()
            waiting.cancel_scope.cancel()

        for event in events:
            waiting.start_soon(wait, event)


async def _reap(connection: _Connection) -> None:
    """Give a server that closed its end a moment to exit (its status tells why)."""
    if connection.stdio is not None:
        with anyio.move_on_after(0.5):
            await connection.stdio.process.wait()


def _exit_note(connection: _Connection) -> str:
    stdio = connection.stdio
    if stdio is None:
        return ""
    status = stdio.process.returncode
    note = "" if status is None else f" (exit status {status})"
    if stdio.last_stderr:
        note += f"; its last words on stderr: {stdio.last_stderr}"
    return note


def _closed(exc: BaseException) -> bool:
    return any(
        isinstance(leaf, McpError) and leaf.error.code == types.CONNECTION_CLOSED
        for leaf in _leaves(exc)
    )


def _leaves(exc: BaseException) -> Sequence[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        found: list[BaseException] = []
        for inner in exc.exceptions:
            found += _leaves(inner)
        return found
    return [exc]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, StartError | McpAuthError):
        return str(exc)
    if isinstance(exc, McpError):
        return f"Mcp error: {exc.error.code}: {exc.error.message}"
    if isinstance(exc, httpx.HTTPStatusError):
        response = exc.response
        return f"{response.request.method} {response.request.url} answered {response.status_code}"
    if isinstance(exc, httpx.HTTPError):
        try:
            where = f" ({exc.request.url})"
        except RuntimeError:
            where = ""
        return f"{type(exc).__name__}: {exc or 'no details'}{where}"
    if isinstance(exc, OSError):
        return os_error_message(exc)
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _convert(model: Any, item: Any) -> Any:
    return model.model_validate(item.model_dump(by_alias=True, mode="json", exclude_none=True))
