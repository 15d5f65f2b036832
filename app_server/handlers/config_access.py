"""The configuration for handlers that need it, with a broken file turned
into a JSON-RPC error that carries the loader's message (file, line, key).

Read on the event loop: the files are small. Which earlier requests a read
sees (a `getAuthStatus` sent after a `loginApiKey` sees the login) is the
method table's ordering column's business, not the handler's."""

from __future__ import annotations

from ..app import RequestContext
from ..auth import LoginRestrictions
from ..config.layers import ConfigError
from ..config.model import Config, ConfigToml
from ..errors import InternalError


def config_error(exc: ConfigError) -> InternalError:
    return InternalError(f"error loading config: {exc}")


def config_toml(ctx: RequestContext) -> ConfigToml:
    try:
        return ctx.app.config.toml()
    except ConfigError as exc:
        raise config_error(exc) from None


def resolved_config(ctx: RequestContext) -> Config:
    try:
        return ctx.app.config.resolve()
    except ConfigError as exc:
        raise config_error(exc) from None


def login_restrictions(ctx: RequestContext) -> LoginRestrictions:
    return LoginRestrictions.from_config(config_toml(ctx))
