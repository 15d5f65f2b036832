"""The options of ``serve`` (a leaf: the command line, the server and the
config service all read them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

STDIO_LISTEN = "stdio://"


class ListenAddress(NamedTuple):
    """Where to serve: stdio, or a WebSocket on ``host:port``."""

    url: str = STDIO_LISTEN
    host: str | None = None
    port: int | None = None

    @property
    def is_stdio(self) -> bool:
        return self.host is None


class ServeOptions(NamedTuple):
    """Options of ``serve``: config overrides from the command line."""

    overrides: Sequence[str] = ()
    """``key=value`` strings, as given to ``-c`` (and ``--profile`` as ``profile=...``)."""
    enable: Sequence[str] = ()
    disable: Sequence[str] = ()
    listen: ListenAddress = ListenAddress()
    log_level: str | None = None
    """``--log-level``; None leaves the level to the environment."""
