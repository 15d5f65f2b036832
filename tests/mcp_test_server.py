"""A small Model Context Protocol server for the tests, standard library only.

It runs as a process speaking MCP over stdio (``python tests/mcp_test_server.py``)
or serves the streamable HTTP transport, either in the test process
(`McpHttpServer`, in threads) or as a process (``--http PORT``). Both
transports share one set of tools and resources:

* ``echo`` {text}: ``echo: <text>``, with ``structuredContent`` ``{"echoed": text}``
* ``add`` {a, b}: the sum, as text
* ``image``: a text block and a 1x1 PNG image block
* ``fail``: a result with ``isError: true``
* ``crash``: the process exits without answering (stdio; HTTP drops the connection)
* ``sleep`` {seconds}: answers after that long
* ``env`` {names}: the values of these environment variables, as JSON text
* ``cwd``: the working directory
* ``headers``: the HTTP headers of the call's request, as JSON text (HTTP only)
* ``describe``: a tool with a rich input schema (nested objects, enums, anyOf,
  defaults) to see how clients convert schemas

Resources: ``memo://notes`` (text), ``memo://logo`` (a PNG blob); one
template ``memo://notes/{name}``. A server may be named (``--name``), which
changes the ``serverInfo`` and the ``notes`` text.

Options for the process: ``--log FILE`` appends one JSON line per message
received; ``--fail-start`` exits at once with a message on stderr;
``--start-delay S`` sleeps before answering ``initialize``; ``--tools a,b``
offers only these tools; ``--many-tools N`` adds ``tool_<i>`` tools;
``--long-names`` adds tools with very long and unusual names; ``--progress``
adds ``progress``, which sends two ``notifications/progress`` (stdio) when the
call has a progress token.

`McpHttpServer` may also require a bearer token (``bearer=...``) and act as
an OAuth 2.1 authorization server for itself (``oauth=True``): RFC 9728
protected resource metadata, RFC 8414 authorization server metadata, RFC 7591
dynamic registration, an ``/authorize`` endpoint that approves at once (it
redirects to the client's loopback ``redirect_uri``), and a ``/token``
endpoint checking PKCE and issuing tokens that expire (``token_lifetime``)
and can be refreshed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Json = dict[str, Any]

PROTOCOL_VERSION = "2025-06-18"
#: A 1x1 red PNG.
PNG_1X1 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJ"
    "RU5ErkJggg=="
)
LONG_TOOL_NAME = "a_tool_with_a_really_long_name_that_goes_on_and_on_beyond_any_limit"
ODD_TOOL_NAME = "odd.name/with spaces"


def _text(text: str) -> Json:
    return {"type": "text", "text": text}


def _schema(properties: Json, required: list[str] | None = None) -> Json:
    schema: Json = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


DESCRIBE_SCHEMA: Json = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "description": "A title.", "default": "none"},
        "count": {"type": "integer", "minimum": 0},
        "ratio": {"type": "number"},
        "flag": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "mode": {"type": "string", "enum": ["fast", "slow"]},
        "nested": {
            "type": "object",
            "properties": {"inner": {"type": "string"}},
            "required": ["inner"],
            "additionalProperties": False,
        },
        "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        "nullable": {"type": ["string", "null"]},
        "untyped": {"description": "No type at all."},
    },
    "required": ["title"],
    "additionalProperties": False,
    "$schema": "http://json-schema.org/draft-07/schema#",
}


@dataclass
class ToolDef:
    name: str
    description: str | None
    input_schema: Json
    run: Callable[[McpLogic, Json, Json], Json | None]
    """(logic, arguments, context) -> result; None: drop the call (crash)."""
    title: str | None = None
    annotations: Json | None = None

    def listing(self) -> Json:
        tool: Json = {"name": self.name, "inputSchema": self.input_schema}
        if self.title is not None:
            tool["title"] = self.title
        if self.description is not None:
            tool["description"] = self.description
        if self.annotations is not None:
            tool["annotations"] = self.annotations
        return tool


def _echo(logic: McpLogic, args: Json, ctx: Json) -> Json:
    text = str(args.get("text", ""))
    return {"content": [_text(f"echo: {text}")], "structuredContent": {"echoed": text}}


def _add(logic: McpLogic, args: Json, ctx: Json) -> Json:
    return {"content": [_text(str(args.get("a", 0) + args.get("b", 0)))]}


def _image(logic: McpLogic, args: Json, ctx: Json) -> Json:
    return {
        "content": [
            _text("a red pixel"),
            {"type": "image", "data": PNG_1X1, "mimeType": "image/png"},
        ]
    }


def _fail(logic: McpLogic, args: Json, ctx: Json) -> Json:
    return {"content": [_text("the tool failed on purpose")], "isError": True}


def _crash(logic: McpLogic, args: Json, ctx: Json) -> Json | None:
    return None


def _sleep(logic: McpLogic, args: Json, ctx: Json) -> Json:
    seconds = float(args.get("seconds", 1))
    time.sleep(seconds)
    return {"content": [_text(f"slept {seconds}")]}


def _env(logic: McpLogic, args: Json, ctx: Json) -> Json:
    names = args.get("names") or []
    values = {name: os.environ.get(name) for name in names}
    return {"content": [_text(json.dumps(values, sort_keys=True))]}


def _cwd(logic: McpLogic, args: Json, ctx: Json) -> Json:
    return {"content": [_text(os.getcwd())]}


def _headers(logic: McpLogic, args: Json, ctx: Json) -> Json:
    headers = ctx.get("headers") or {}
    return {"content": [_text(json.dumps(headers, sort_keys=True))]}


def _describe(logic: McpLogic, args: Json, ctx: Json) -> Json:
    return {"content": [_text(json.dumps(args, sort_keys=True))]}


def _progress(logic: McpLogic, args: Json, ctx: Json) -> Json:
    """Two progress notifications (stdio), when the call asked for them."""
    token = ctx.get("progress_token")
    if token is None or ctx.get("transport") != "stdio":
        return {"content": [_text("no progress token")]}
    steps = [(1, "halfway"), (2, None)]
    for progress, message in steps:
        params: Json = {"progressToken": token, "progress": progress, "total": 2}
        if message is not None:
            params["message"] = message
        notification = {"jsonrpc": "2.0", "method": "notifications/progress", "params": params}
        sys.stdout.write(json.dumps(notification) + "\n")
        sys.stdout.flush()
    return {"content": [_text("progressed")]}


def _plain(name: str) -> Callable[[McpLogic, Json, Json], Json]:
    def run(logic: McpLogic, args: Json, ctx: Json) -> Json:
        return {"content": [_text(f"{name} ran")]}

    return run


def standard_tools() -> list[ToolDef]:
    return [
        ToolDef(
            "echo",
            "Echoes the text back.",
            _schema({"text": {"type": "string", "description": "What to echo."}}, ["text"]),
            _echo,
            title="Echo",
            annotations={"readOnlyHint": True},
        ),
        ToolDef(
            "add",
            "Adds two numbers.",
            _schema({"a": {"type": "number"}, "b": {"type": "integer"}}, ["a", "b"]),
            _add,
        ),
        ToolDef("image", "Returns a tiny image.", _schema({}), _image),
        ToolDef("fail", "Always fails.", {"type": "object"}, _fail),
        ToolDef("crash", "Exits without answering.", _schema({}), _crash),
        ToolDef("sleep", "Waits.", _schema({"seconds": {"type": "number"}}), _sleep),
        ToolDef(
            "env",
            "Reads environment variables.",
            _schema({"names": {"type": "array", "items": {"type": "string"}}}),
            _env,
        ),
        ToolDef("cwd", None, _schema({}), _cwd),
        ToolDef("headers", "The request's HTTP headers.", _schema({}), _headers),
        ToolDef("describe", "Has a rich schema.", DESCRIBE_SCHEMA, _describe),
    ]


@dataclass
class McpLogic:
    """The protocol, whatever the transport."""

    name: str = "test-server"
    tools: list[ToolDef] = field(default_factory=standard_tools)
    start_delay: float = 0.0
    on_message: Callable[[Json, Json], None] | None = None
    """Called with every message received and its context (headers, ...)."""

    def handle(self, message: Json, ctx: Json) -> Json | None:
        """The response to one message; None for a notification (or a dropped call)."""
        if self.on_message is not None:
            self.on_message(message, ctx)
        method = message.get("method")
        if "id" not in message:
            return None
        request_id = message["id"]
        params = message.get("params") or {}
        try:
            result = self._dispatch(str(method), params, ctx)
        except LookupError as exc:
            return {
                "jsonrpc": "2.0",
                "id": request_id,
                "error": {"code": -32602, "message": str(exc)},
            }
        if result is None:
            raise DropCall
        return {"jsonrpc": "2.0", "id": request_id, "result": result}

    def _dispatch(self, method: str, params: Json, ctx: Json) -> Json | None:
        if method == "initialize":
            if self.start_delay:
                time.sleep(self.start_delay)
            return {
                "protocolVersion": params.get("protocolVersion") or PROTOCOL_VERSION,
                "capabilities": {
                    "tools": {"listChanged": False},
                    "resources": {"listChanged": False},
                },
                "serverInfo": {"name": self.name, "version": "1.0.0"},
            }
        if method == "ping":
            return {}
        if method == "tools/list":
            return {"tools": [tool.listing() for tool in self.tools]}
        if method == "tools/call":
            name = params.get("name")
            for tool in self.tools:
                if tool.name == name:
                    meta = params.get("_meta") or {}
                    ctx = {**ctx, "progress_token": meta.get("progressToken")}
                    return tool.run(self, params.get("arguments") or {}, ctx)
            raise LookupError(f"unknown tool: {name}")
        if method == "resources/list":
            return {
                "resources": [
                    {
                        "uri": "memo://notes",
                        "name": "notes",
                        "title": "Notes",
                        "mimeType": "text/plain",
                        "description": f"Notes of {self.name}.",
                    },
                    {"uri": "memo://logo", "name": "logo", "mimeType": "image/png", "size": 68},
                ]
            }
        if method == "resources/templates/list":
            return {
                "resourceTemplates": [
                    {
                        "uriTemplate": "memo://notes/{name}",
                        "name": "named-notes",
                        "mimeType": "text/plain",
                    }
                ]
            }
        if method == "resources/read":
            uri = params.get("uri")
            if uri == "memo://notes":
                return {
                    "contents": [
                        {"uri": uri, "mimeType": "text/plain", "text": f"the notes of {self.name}"}
                    ]
                }
            if uri == "memo://logo":
                return {"contents": [{"uri": uri, "mimeType": "image/png", "blob": PNG_1X1}]}
            raise LookupError(f"unknown resource: {uri}")
        raise LookupError(f"unknown method: {method}")


class DropCall(Exception):
    """The call is dropped on purpose (the ``crash`` tool)."""


def extra_tools(many: int, long_names: bool, progress: bool = False) -> list[ToolDef]:
    tools = [
        ToolDef(f"tool_{i}", f"Tool number {i}.", _schema({}), _plain(f"tool_{i}"))
        for i in range(many)
    ]
    if progress:
        tools.append(ToolDef("progress", "Reports progress.", _schema({}), _progress))
    if long_names:
        tools += [
            ToolDef(LONG_TOOL_NAME, "A long name.", _schema({}), _plain("long")),
            ToolDef(ODD_TOOL_NAME, "An odd name.", _schema({}), _plain("odd")),
        ]
    return tools


# --------------------------------------------------------------------------
# stdio
# --------------------------------------------------------------------------


def serve_stdio(logic: McpLogic) -> None:
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        message = json.loads(line)
        try:
            response = logic.handle(message, {"transport": "stdio"})
        except DropCall:
            # Crash in the middle of the call.
            sys.stderr.write("crashing on purpose\n")
            sys.stderr.flush()
            os._exit(3)
        if response is not None:
            out.write(json.dumps(response) + "\n")
            out.flush()


# --------------------------------------------------------------------------
# streamable HTTP (+ an OAuth authorization server for itself)
# --------------------------------------------------------------------------


@dataclass
class RecordedMcpRequest:
    http_method: str
    path: str
    headers: dict[str, str]
    """Lower-case names."""
    message: Json | None


class McpHttpServer:
    """An MCP server on the streamable HTTP transport, on 127.0.0.1, in threads.

    Its endpoint is ``url`` (``http://127.0.0.1:<port>/mcp``). Every request
    is recorded in ``requests``."""

    def __init__(
        self,
        name: str = "http-server",
        *,
        bearer: str | None = None,
        oauth: bool = False,
        token_lifetime: int = 3600,
        scopes_supported: list[str] | None = None,
        tools: list[ToolDef] | None = None,
    ) -> None:
        self.logic = McpLogic(name=name, tools=tools or standard_tools())
        self.bearer = bearer
        self.oauth = oauth
        self.token_lifetime = token_lifetime
        self.scopes_supported = scopes_supported or ["read", "write"]
        self.requests: list[RecordedMcpRequest] = []
        self.sessions: set[str] = set()
        self.clients: dict[str, Json] = {}
        """Registered OAuth clients by client_id."""
        self.codes: dict[str, Json] = {}
        self.access_tokens: dict[str, float] = {}
        """Issued access tokens -> expiry (monotonic)."""
        self.refresh_tokens: set[str] = set()
        self.token_requests: list[Json] = []
        self.authorize_requests: list[Json] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------

    def start(self) -> McpHttpServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _mcp_handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> McpHttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        return f"{self.origin}/mcp"

    def calls(self) -> list[RecordedMcpRequest]:
        """The recorded ``tools/call`` requests."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.message is not None and r.message.get("method") == "tools/call"
            ]

    def record(self, request: RecordedMcpRequest) -> None:
        with self._lock:
            self.requests.append(request)

    # -- OAuth --------------------------------------------------------------

    def authorized(self, authorization: str | None) -> bool:
        if self.bearer is None and not self.oauth:
            return True
        if not authorization or not authorization.startswith("Bearer "):
            return False
        token = authorization[len("Bearer ") :]
        if self.bearer is not None and token == self.bearer:
            return True
        with self._lock:
            expiry = self.access_tokens.get(token)
        return expiry is not None and expiry > time.monotonic()

    def issue_tokens(self, scope: str | None) -> Json:
        access = "at-" + secrets.token_urlsafe(12)
        refresh = "rt-" + secrets.token_urlsafe(12)
        with self._lock:
            self.access_tokens[access] = time.monotonic() + self.token_lifetime
            self.refresh_tokens.add(refresh)
        body: Json = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "refresh_token": refresh,
        }
        if scope:
            body["scope"] = scope
        return body

    def metadata(self) -> Json:
        origin = self.origin
        return {
            "issuer": origin,
            "authorization_endpoint": f"{origin}/authorize",
            "token_endpoint": f"{origin}/token",
            "registration_endpoint": f"{origin}/register",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_post"],
            "scopes_supported": self.scopes_supported,
        }


def _mcp_handler_for(server: McpHttpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_McpHandler):
        mcp = server

    return Handler


class _McpHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    mcp: McpHttpServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- plumbing ---------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, body: Json | str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        data = b""
        content_type = None
        if isinstance(body, dict):
            data = json.dumps(body).encode()
            content_type = "application/json"
        elif isinstance(body, str):
            data = body.encode()
            content_type = "text/plain"
        self.send_response(status)
        if content_type:
            self.send_header("content-type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _headers_lower(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.headers.items()}

    # -- routes -------------------------------------------------------------------

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        mcp = self.mcp
        mcp.record(RecordedMcpRequest("GET", self.path, self._headers_lower(), None))
        if path.startswith("/.well-known/oauth-protected-resource") and mcp.oauth:
            self._send(
                200,
                {
                    "resource": mcp.url,
                    "authorization_servers": [mcp.origin],
                    "scopes_supported": mcp.scopes_supported,
                    "bearer_methods_supported": ["header"],
                },
            )
        elif (
            path.startswith(
                ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration")
            )
            and mcp.oauth
        ):
            self._send(200, mcp.metadata())
        elif path == "/authorize" and mcp.oauth:
            self._authorize()
        elif path == "/mcp":
            # No server-initiated stream.
            self._send(405, headers={"allow": "POST, DELETE"})
        else:
            self._send(404, "not found")

    def do_DELETE(self) -> None:
        mcp = self.mcp
        mcp.record(RecordedMcpRequest("DELETE", self.path, self._headers_lower(), None))
        session = self.headers.get("mcp-session-id")
        if session:
            mcp.sessions.discard(session)
        self._send(200)

    def do_POST(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        raw = self._body()
        if path == "/token" and self.mcp.oauth:
            self._token(raw)
        elif path == "/register" and self.mcp.oauth:
            self._register(raw)
        elif path == "/mcp":
            self._mcp(raw)
        else:
            self._send(404, "not found")

    def _mcp(self, raw: bytes) -> None:
        mcp = self.mcp
        headers = self._headers_lower()
        try:
            message = json.loads(raw)
        except ValueError:
            self._send(400, "bad json")
            return
        mcp.record(RecordedMcpRequest("POST", self.path, headers, message))
        if not mcp.authorized(headers.get("authorization")):
            challenge = 'Bearer error="invalid_token"'
            if mcp.oauth:
                challenge += (
                    f', resource_metadata="{mcp.origin}/.well-known/oauth-protected-resource/mcp"'
                )
            self._send(401, {"error": "unauthorized"}, {"www-authenticate": challenge})
            return
        extra: dict[str, str] = {}
        if message.get("method") == "initialize":
            session = secrets.token_hex(8)
            mcp.sessions.add(session)
            extra["mcp-session-id"] = session
        try:
            response = mcp.logic.handle(message, {"transport": "http", "headers": headers})
        except DropCall:
            self.close_connection = True
            self.connection.close()
            return
        if response is None:
            self._send(202, headers=extra)
        else:
            self._send(200, response, extra)

    def _authorize(self) -> None:
        mcp = self.mcp
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        mcp.authorize_requests.append(query)
        redirect = query.get("redirect_uri", "")
        if query.get("client_id") not in mcp.clients or not redirect.startswith(
            ("http://127.0.0.1", "http://localhost")
        ):
            self._send(400, "bad authorization request")
            return
        code = "code-" + secrets.token_urlsafe(8)
        mcp.codes[code] = {
            "challenge": query.get("code_challenge"),
            "method": query.get("code_challenge_method"),
            "redirect_uri": redirect,
            "client_id": query.get("client_id"),
            "scope": query.get("scope"),
        }
        params = {"code": code}
        if "state" in query:
            params["state"] = query["state"]
        sep = "&" if "?" in redirect else "?"
        self._send(302, headers={"location": redirect + sep + urllib.parse.urlencode(params)})

    def _register(self, raw: bytes) -> None:
        mcp = self.mcp
        body = json.loads(raw or b"{}")
        client_id = "client-" + secrets.token_hex(4)
        info = dict(body)
        info["client_id"] = client_id
        info.setdefault("token_endpoint_auth_method", "none")
        mcp.clients[client_id] = info
        self._send(201, info)

    def _token(self, raw: bytes) -> None:
        mcp = self.mcp
        form = dict(urllib.parse.parse_qsl(raw.decode()))
        mcp.token_requests.append(form)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            pending = mcp.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            if pending is None:
                self._send(400, {"error": "invalid_grant"})
                return
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if pending["method"] != "S256" or pending["challenge"] != challenge:
                self._send(400, {"error": "invalid_grant", "error_description": "bad PKCE"})
                return
            if form.get("redirect_uri") != pending["redirect_uri"]:
                self._send(400, {"error": "invalid_grant", "error_description": "redirect"})
                return
            self._send(200, mcp.issue_tokens(pending["scope"]))
        elif grant == "refresh_token":
            refresh = form.get("refresh_token", "")
            with mcp._lock:
                known = refresh in mcp.refresh_tokens
                mcp.refresh_tokens.discard(refresh)
            if not known:
                self._send(400, {"error": "invalid_grant"})
                return
            self._send(200, mcp.issue_tokens(form.get("scope")))
        else:
            self._send(400, {"error": "unsupported_grant_type"})


# --------------------------------------------------------------------------
# as a process
# --------------------------------------------------------------------------


def main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--name", default="test-server")
    parser.add_argument("--log")
    parser.add_argument("--fail-start", action="store_true")
    parser.add_argument("--start-delay", type=float, default=0.0)
    parser.add_argument("--tools")
    parser.add_argument("--many-tools", type=int, default=0)
    parser.add_argument("--long-names", action="store_true")
    parser.add_argument("--progress", action="store_true", help="add the `progress` tool")
    parser.add_argument("--http", type=int, help="serve streamable HTTP on this port (0: any)")
    parser.add_argument("--bearer")
    parser.add_argument(
        "--schema-tool",
        action="append",
        default=[],
        metavar="NAME=JSON",
        help="add a tool with this input schema",
    )
    args = parser.parse_args(argv)
    if args.fail_start:
        sys.stderr.write("test server: refusing to start\n")
        sys.exit(2)
    tools = standard_tools()
    if args.tools is not None:
        wanted = set(args.tools.split(","))
        tools = [tool for tool in tools if tool.name in wanted]
    tools += extra_tools(args.many_tools, args.long_names, args.progress)
    for spec in args.schema_tool:
        name, _, schema = spec.partition("=")
        tools.append(ToolDef(name, f"Schema {name}.", json.loads(schema), _describe))
    log_path = args.log

    def on_message(message: Json, ctx: Json) -> None:
        if log_path:
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps({"message": message, **ctx}) + "\n")

    if args.http is not None:
        server = McpHttpServer(args.name, bearer=args.bearer, tools=tools)
        server.logic.on_message = on_message
        server.logic.start_delay = args.start_delay
        http = ThreadingHTTPServer(("127.0.0.1", args.http), _mcp_handler_for(server))
        server._server = http
        print(server.url, flush=True)
        http.serve_forever()
        return
    logic = McpLogic(name=args.name, tools=tools, start_delay=args.start_delay)
    logic.on_message = on_message
    serve_stdio(logic)


if __name__ == "__main__":
    main(sys.argv[1:])
