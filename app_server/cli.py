"""Command line: ``codex-app-server [serve] [-c key=value ...] [--enable F] [--disable F]``,
``codex-app-server generate-ts --out DIR``, ``codex-app-server generate-json-schema --out DIR``
and ``codex-app-server mcp login|logout NAME`` (OAuth credentials of MCP servers).

Serving with no arguments is the common case and the start-up time matters, so
`argparse` and everything heavy are imported only when needed (nor
`dataclasses`: it imports `inspect`, which costs more than the rest of this
module, before the reply to ``initialize``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NamedTuple

from .options import ServeOptions


class McpCommand(NamedTuple):
    """``mcp login NAME`` / ``mcp logout NAME``."""

    action: str
    name: str
    scopes: list[str] | None = None
    open_browser: bool = True


def _parse(argv: Sequence[str]) -> tuple[str, ServeOptions, str | McpCommand | None]:
    import argparse

    from ._version import __version__

    parser = argparse.ArgumentParser(
        prog="codex-app-server",
        description="The codex app-server daemon: JSON-RPC over stdio, one message per line.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")

    def add_serve_options(p: argparse.ArgumentParser, prefix: str) -> None:
        # The options may come before and after `serve`: each place has its
        # own destinations (argparse would let the second replace the first).
        p.add_argument(
            "-c",
            "--config",
            dest=f"{prefix}overrides",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a config.toml setting (dotted key; the value is parsed as JSON, "
            "else taken as a string)",
        )
        p.add_argument("--enable", dest=f"{prefix}enable", action="append", default=[])
        p.add_argument("--disable", dest=f"{prefix}disable", action="append", default=[])

    add_serve_options(parser, "")
    commands = parser.add_subparsers(dest="command")
    add_serve_options(commands.add_parser("serve", help="serve on stdio (the default)"), "serve_")
    for name, what in (
        ("generate-ts", "TypeScript bindings"),
        ("generate-json-schema", "JSON Schema"),
    ):
        sub = commands.add_parser(name, help=f"write the protocol's {what}")
        sub.add_argument("-o", "--out", required=True, metavar="DIR")
    mcp = commands.add_parser("mcp", help="manage the OAuth credentials of MCP servers")
    mcp_commands = mcp.add_subparsers(dest="mcp_command", required=True)
    login = mcp_commands.add_parser(
        "login", help="log in to a streamable HTTP MCP server of config.toml with OAuth"
    )
    login.add_argument("name", help="the server's name in [mcp_servers]")
    login.add_argument("--scopes", help="comma-separated OAuth scopes to ask for")
    login.add_argument(
        "--no-browser", action="store_true", help="only print the URL to open, do not open it"
    )
    add_serve_options(login, "serve_")
    logout = mcp_commands.add_parser("logout", help="forget a server's OAuth credentials")
    logout.add_argument("name", help="the server's name in [mcp_servers]")
    add_serve_options(logout, "serve_")
    args = parser.parse_args(list(argv))
    command = args.command or "serve"

    def both(name: str) -> list[str]:
        return [*getattr(args, name, []), *getattr(args, f"serve_{name}", [])]

    options = ServeOptions(
        overrides=both("overrides"), enable=both("enable"), disable=both("disable")
    )
    if command == "mcp":
        scopes = getattr(args, "scopes", None)
        return (
            command,
            options,
            McpCommand(
                action=args.mcp_command,
                name=args.name,
                scopes=[s.strip() for s in scopes.split(",") if s.strip()] if scopes else None,
                open_browser=not getattr(args, "no_browser", False),
            ),
        )
    return command, options, getattr(args, "out", None)


def main(argv: Sequence[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if not args:
        command, options, out = "serve", ServeOptions(), None
    else:
        command, options, out = _parse(args)

    if command == "serve":
        from .server import serve

        sys.exit(serve(options))

    if isinstance(out, McpCommand):
        from .mcp import commands

        if out.action == "login":
            sys.exit(commands.login(out.name, options.overrides, out.scopes, out.open_browser))
        sys.exit(commands.logout(out.name, options.overrides))

    from pathlib import Path

    assert out is not None
    if command == "generate-ts":
        from app_server_protocol.export.typescript import write_typescript

        write_typescript(Path(out))
    else:
        from app_server_protocol.export.json_schema import write_json_schema

        write_json_schema(Path(out))
