"""Command line, shaped like Codex's so that clients spawn this daemon as they
spawn ``codex``:

- ``codex-app-server [OPTIONS]``, ``codex-app-server serve [OPTIONS]`` and
  ``codex-app-server [OPTIONS] app-server [OPTIONS]`` serve (the last is the
  line editors and SDKs use: ``<bin> -c k=v app-server --listen stdio://``);
- ``codex-app-server [app-server] generate-ts --out DIR`` and
  ``generate-json-schema --out DIR`` write the protocol's bindings;
- ``codex-app-server mcp login|logout NAME`` manage MCP servers' OAuth credentials.

Serve options (``-c``, ``--enable``, ``--disable``, ``--profile``, ``--listen``,
``--log-level``) are accepted at every level, before and after the command word.

Serving with the usual arguments is the common case and the start-up time
matters, so `argparse` and everything heavy are imported only when needed (nor
`dataclasses`: it imports `inspect`, which costs more than the rest of this
module, before the reply to ``initialize``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from .options import STDIO_LISTEN, ListenAddress, ServeOptions

if TYPE_CHECKING:
    import argparse

#: Log levels of ``--log-level`` (as for ``CODEX_APP_SERVER_LOG``).
LOG_LEVELS = ("off", "error", "warn", "info", "debug", "trace")
#: Argument lists that mean "serve on stdio with the defaults", answered without argparse.
_PLAIN_SERVE = (
    (),
    ("serve",),
    ("app-server",),
    ("app-server", "--listen", STDIO_LISTEN),
    ("app-server", f"--listen={STDIO_LISTEN}"),
    ("app-server", "--analytics-default-enabled"),
)


class McpCommand(NamedTuple):
    """``mcp login NAME`` / ``mcp logout NAME``."""

    action: str
    name: str
    scopes: list[str] | None = None
    open_browser: bool = True


class Invocation(NamedTuple):
    """What the command line asks for."""

    command: str
    """``serve``, ``generate-ts``, ``generate-json-schema`` or ``mcp``."""
    options: ServeOptions = ServeOptions()
    out: str | None = None
    prettier: str | None = None
    mcp: McpCommand | None = None


def parse_listen(url: str) -> ListenAddress:
    """``stdio://`` or ``ws://IP:PORT`` (an IP address, not a host name, as Codex wants)."""
    if url == STDIO_LISTEN:
        return ListenAddress()
    if not url.startswith("ws://"):
        raise ValueError(f"unsupported --listen URL `{url}`; expected `stdio://` or `ws://IP:PORT`")
    invalid = f"invalid websocket --listen URL `{url}`; expected `ws://IP:PORT`"
    host, sep, port_text = url.removeprefix("ws://").rpartition(":")
    bracketed = host.startswith("[") and host.endswith("]")
    if bracketed:
        host = host[1:-1]
    version = _ip_version(host)
    if not sep or not port_text.isdigit() or int(port_text) > 65535:
        raise ValueError(invalid)
    # An IPv6 address, and only one, goes in brackets.
    if version is None or (version == 6) != bracketed:
        raise ValueError(invalid)
    return ListenAddress(url, host, int(port_text))


def _ip_version(text: str) -> int | None:
    import ipaddress

    try:
        return ipaddress.ip_address(text).version
    except ValueError:
        return None


def _build_parser() -> argparse.ArgumentParser:
    import argparse

    from ._version import __version__

    def listen_type(text: str) -> ListenAddress:
        try:
            return parse_listen(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    def add_config_options(p: argparse.ArgumentParser, level: str) -> None:
        # Each level has its own destinations (argparse would let a later level
        # replace an earlier one); `_invocation` merges them.
        p.add_argument(
            "-c",
            "--config",
            dest=f"{level}overrides",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a config.toml setting (dotted key; the value is parsed as TOML, "
            "else JSON, else taken as a string)",
        )
        p.add_argument(
            "--enable",
            dest=f"{level}enable",
            action="append",
            default=[],
            metavar="FEATURE",
            help="enable a feature (repeatable); same as -c features.FEATURE=true",
        )
        p.add_argument(
            "--disable",
            dest=f"{level}disable",
            action="append",
            default=[],
            metavar="FEATURE",
            help="disable a feature (repeatable); same as -c features.FEATURE=false",
        )

    def add_serve_options(p: argparse.ArgumentParser, level: str, short_profile: bool) -> None:
        add_config_options(p, level)
        profile_flags = ("-p", "--profile") if short_profile else ("--profile",)
        p.add_argument(
            *profile_flags,
            dest=f"{level}profile",
            metavar="NAME",
            help="use the [profiles.NAME] table of config.toml",
        )
        p.add_argument(
            "--listen",
            dest=f"{level}listen",
            type=listen_type,
            metavar="URL",
            help="where to serve: stdio:// (the default) or ws://IP:PORT (WebSocket, one "
            "JSON-RPC message per text frame; port 0 picks a free port)",
        )
        p.add_argument(
            "--log-level",
            dest=f"{level}log_level",
            choices=LOG_LEVELS,
            help="log level on stderr (default: from CODEX_APP_SERVER_LOG or RUST_LOG, else warn)",
        )
        p.add_argument(
            "--analytics-default-enabled",
            dest=f"{level}analytics",
            action="store_true",
            help="accepted for compatibility with Codex; this daemon sends no analytics",
        )

    def add_generators(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        for name, what, folder_help in (
            ("generate-ts", "TypeScript bindings", "where the .ts files are written"),
            ("generate-json-schema", "JSON Schema", "where the schema bundle is written"),
        ):
            sub = commands.add_parser(name, help=f"write the protocol's {what}", allow_abbrev=False)
            sub.add_argument("-o", "--out", required=True, metavar="DIR", help=folder_help)
            if name == "generate-ts":
                sub.add_argument(
                    "-p",
                    "--prettier",
                    metavar="PRETTIER_BIN",
                    help="format the generated files with this Prettier executable",
                )
            sub.add_argument(
                "--experimental",
                action="store_true",
                help="accepted for compatibility with Codex (every method is always included)",
            )
            add_config_options(sub, "gen_")

    parser = argparse.ArgumentParser(
        prog="codex-app-server",
        description="The codex app-server daemon: JSON-RPC over stdio, one message per line "
        "(or over WebSocket with --listen ws://IP:PORT, one message per text frame). "
        "Without a command it serves, as `serve` and `app-server` do.",
        epilog="Logging: --log-level, or CODEX_APP_SERVER_LOG=LEVEL (RUST_LOG is accepted too); "
        "levels: off, error, warn, info, debug, trace.",
        allow_abbrev=False,
    )
    parser.add_argument("-V", "--version", action="version", version=f"%(prog)s {__version__}")
    add_serve_options(parser, "top_", short_profile=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_serve_options(
        commands.add_parser("serve", help="serve (the default)", allow_abbrev=False),
        "cmd_",
        short_profile=True,
    )
    app_server = commands.add_parser(
        "app-server",
        help="serve, or generate bindings, as `codex app-server` does",
        description="Serve (the default), or write the protocol's bindings.",
        allow_abbrev=False,
    )
    add_serve_options(app_server, "cmd_", short_profile=False)
    add_generators(app_server.add_subparsers(dest="generator", metavar="COMMAND"))
    add_generators(commands)

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
    add_config_options(login, "cmd_")
    logout = mcp_commands.add_parser("logout", help="forget a server's OAuth credentials")
    logout.add_argument("name", help="the server's name in [mcp_servers]")
    add_config_options(logout, "cmd_")
    return parser


_LEVELS = ("top_", "cmd_", "gen_")


def _invocation(args: argparse.Namespace) -> Invocation:
    def every(name: str) -> list[str]:
        return [item for level in _LEVELS for item in getattr(args, f"{level}{name}", [])]

    def last(name: str) -> object:
        values = [getattr(args, f"{level}{name}", None) for level in _LEVELS]
        return next((value for value in reversed(values) if value is not None), None)

    import json

    overrides = every("overrides")
    profile = last("profile")
    if isinstance(profile, str):
        overrides.append(f"profile={json.dumps(profile)}")
    listen = last("listen")
    log_level = last("log_level")
    options = ServeOptions(
        overrides=overrides,
        enable=every("enable"),
        disable=every("disable"),
        listen=listen if isinstance(listen, ListenAddress) else ListenAddress(),
        log_level=log_level if isinstance(log_level, str) else None,
    )
    command = getattr(args, "generator", None) or args.command or "serve"
    if command == "app-server":
        command = "serve"
    if command == "mcp":
        scopes = args.scopes if args.mcp_command == "login" else None
        return Invocation(
            command,
            options,
            mcp=McpCommand(
                action=args.mcp_command,
                name=args.name,
                scopes=[s.strip() for s in scopes.split(",") if s.strip()] if scopes else None,
                open_browser=not getattr(args, "no_browser", False),
            ),
        )
    return Invocation(
        command, options, out=getattr(args, "out", None), prettier=getattr(args, "prettier", None)
    )


def parse(argv: Sequence[str]) -> Invocation:
    """The invocation ``argv`` asks for (argparse exits on a bad line, status 2)."""
    if tuple(argv) in _PLAIN_SERVE:
        return Invocation("serve")
    return _invocation(_build_parser().parse_args(list(argv)))


def main(argv: Sequence[str] | None = None) -> None:
    import signal

    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        # Ctrl-C ends every command as the signal does, without a traceback
        # (a KeyboardInterrupt may surface wrapped in another error, from
        # pydantic-core for one). `serve` installs its own handling later.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    invocation = parse(sys.argv[1:] if argv is None else argv)
    if invocation.command == "serve":
        from .server import serve

        sys.exit(serve(invocation.options))
    sys.exit(_run_tool(invocation))


def _run_tool(invocation: Invocation) -> int:
    if invocation.mcp is not None:
        from .mcp import commands

        mcp = invocation.mcp
        overrides = invocation.options.overrides
        if mcp.action == "login":
            return commands.login(mcp.name, overrides, mcp.scopes, mcp.open_browser)
        return commands.logout(mcp.name, overrides)
    from .generate import generate

    assert invocation.out is not None
    return generate(invocation.command, invocation.out, invocation.prettier)
