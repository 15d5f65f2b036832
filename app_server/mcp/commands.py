"""``codex-app-server mcp login NAME`` and ``codex-app-server mcp logout NAME``:
OAuth credentials of the streamable HTTP servers in `config.toml`."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ..config.layers import ConfigError
from ..config.mcp import HttpServerConfig, McpCredentialsStore
from ..config.preflight import codex_home
from ..config.resolve import load_config_toml


class CommandError(Exception):
    """The command failed; the message says why."""


def _server(name: str, overrides: Sequence[str]) -> tuple[HttpServerConfig, McpCredentialsStore]:
    try:
        toml = load_config_toml(codex_home(), overrides)
    except ConfigError as exc:
        raise CommandError(f"error loading config: {exc}") from None
    config = toml.mcp_servers.get(name)
    if config is None:
        raise CommandError(f"No MCP server named '{name}' found.")
    if not isinstance(config, HttpServerConfig):
        raise CommandError("OAuth login is only supported for streamable HTTP servers.")
    return config, toml.mcp_oauth_credentials_store or McpCredentialsStore.AUTO


def login(
    name: str, overrides: Sequence[str], scopes: Sequence[str] | None, open_browser: bool
) -> int:
    import anyio

    from .oauth.discovery import OAuthError
    from .oauth.login import login as oauth_login
    from .oauth.store import TokenStore, TokenStoreError

    def show_url(url: str) -> None:
        print(f"Authorize `{name}` by opening this URL in your browser:\n{url}\n", flush=True)
        if open_browser:
            import contextlib
            import webbrowser

            # Without a browser here, the printed URL is all there is.
            with contextlib.suppress(Exception):
                webbrowser.open(url)

    try:
        config, mode = _server(name, overrides)
        store = TokenStore(codex_home(), mode)
        where = anyio.run(
            lambda: oauth_login(name, config, store, scopes=scopes, show_url=show_url)
        )
    except (CommandError, OAuthError, TokenStoreError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    print(f"Successfully logged in to MCP server '{name}' (tokens saved in {where}).")
    return 0


def logout(name: str, overrides: Sequence[str]) -> int:
    from .oauth.store import TokenStore, TokenStoreError

    try:
        config, mode = _server(name, overrides)
        removed = TokenStore(codex_home(), mode).delete(name, config.url)
    except (CommandError, TokenStoreError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    if not removed:
        print(f"No OAuth credentials stored for '{name}'.")
        return 0
    print(f"Removed OAuth credentials for '{name}'.")
    return 0
