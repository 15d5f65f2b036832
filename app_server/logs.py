"""Logging to stderr (stdout belongs to the protocol).

The level comes from ``--log-level``, else ``CODEX_APP_SERVER_LOG`` or, as
with the reference, ``RUST_LOG`` (``off``, ``error``, ``warn``, ``info``,
``debug``, ``trace``; a ``target=level`` list is accepted and its most
verbose level used). At ``debug`` there is one line per request and per
notification sent (`wire_log`), at ``trace`` the messages themselves, with
credentials masked (`mask_message`). Each line has the time (UTC), the level,
the logger and, inside a conversation, its thread id. Colour is used only
when stderr is a terminal and ``NO_COLOR`` is unset.

Every line goes through a redactor: credentials the daemon knows about
(registered with `register_secret`) and anything shaped like an API key,
a bearer token or a JWT are masked, so that no secret reaches a log.
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
import sys
import time
from typing import Final

LOGGER_NAME: Final = "app_server"
log = logging.getLogger(LOGGER_NAME)

#: Below DEBUG: the protocol messages themselves.
TRACE: Final = 5
logging.addLevelName(TRACE, "TRACE")

#: The conversation (thread) the running task works for, shown in each log line.
current_thread_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_thread_id", default=None
)

_LEVELS: Final = {
    "trace": TRACE,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "off": logging.CRITICAL + 10,
}
_DEFAULT_LEVEL: Final = logging.WARNING

_SECRET_SHAPES: Final = re.compile(
    r"(?:\bsk-[A-Za-z0-9_\-]{6,}"
    r"|\b(?:Bearer|bearer)\s+[A-Za-z0-9._~+/=\-]{6,}"
    r"|\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*)"
)
_known_secrets: set[str] = set()
_MASK: Final = "[REDACTED]"


def register_secret(value: str | None) -> None:
    """Mask this exact value in every later log line (tokens, keys)."""
    if value and len(value) >= 4:
        _known_secrets.add(value)


def redact(text: str) -> str:
    # A snapshot: worker threads register secrets (credentials are read off the
    # event loop) while this runs, and a set must not grow during iteration.
    for secret in tuple(_known_secrets):
        if secret in text:
            text = text.replace(secret, _MASK)
    return _SECRET_SHAPES.sub(_MASK, text)


#: JSON members whose string value is a credential, whatever the value looks like.
_SECRET_MEMBER: Final = re.compile(
    r'("(?:[A-Za-z_]*(?:api_?key|API_?KEY|apiKey|[Tt]oken|TOKEN|[Ss]ecret|SECRET|[Pp]assword'
    r'|PASSWORD|[Aa]uthorization|[Cc]ookie))"\s*:\s*)"(?:[^"\\]|\\.)*"'
)


def mask_message(data: bytes | str) -> str:
    """A protocol message as one log line: credentials (API keys, tokens,
    passwords, by their member name or their shape) masked."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return redact(_SECRET_MEMBER.sub(rf'\1"{_MASK}"', text.rstrip("\r\n")))


def level_from_env(environ: dict[str, str] | None = None, override: str | None = None) -> int:
    """The level ``override`` (``--log-level``) names, else the environment's."""
    env = os.environ if environ is None else environ
    spec = override or env.get("CODEX_APP_SERVER_LOG") or env.get("RUST_LOG") or ""
    levels = []
    for part in spec.replace(" ", "").lower().split(","):
        name = part.rpartition("=")[2]
        if name in _LEVELS:
            levels.append(_LEVELS[name])
    return min(levels) if levels else _DEFAULT_LEVEL


class _Formatter(logging.Formatter):
    _COLOURS: Final = {
        TRACE: "\x1b[35m",
        logging.DEBUG: "\x1b[34m",
        logging.INFO: "\x1b[32m",
        logging.WARNING: "\x1b[33m",
        logging.ERROR: "\x1b[31m",
        logging.CRITICAL: "\x1b[31m",
    }

    def __init__(self, colour: bool) -> None:
        super().__init__()
        self._colour = colour

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        stamp += f".{int(record.msecs):03d}Z"
        level = record.levelname
        if self._colour:
            level = f"{self._COLOURS.get(record.levelno, '')}{level}\x1b[0m"
            stamp = f"\x1b[2m{stamp}\x1b[0m"
        thread = current_thread_id.get()
        where = f"{record.name} thread={thread}" if thread else record.name
        text = f"{stamp} {level} {where}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return redact(text)


def setup_logging(level: str | None = None) -> None:
    """Send the daemon's log lines to stderr, at ``level`` (``--log-level``)
    or else the level from the environment."""
    handler = logging.StreamHandler(sys.stderr)
    colour = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    handler.setFormatter(_Formatter(colour))
    root = logging.getLogger(LOGGER_NAME)
    root.handlers[:] = [handler]
    root.setLevel(level_from_env(override=level))
    root.propagate = False


def adopt_library_logger(name: str) -> None:
    """Send a library's log lines through the daemon's handler (formatted and
    redacted); below WARNING only when the daemon logs at DEBUG."""
    ours = logging.getLogger(LOGGER_NAME)
    theirs = logging.getLogger(name)
    if not ours.handlers:
        return
    theirs.handlers[:] = list(ours.handlers)
    level = ours.level if ours.level <= logging.DEBUG else max(ours.level, logging.WARNING)
    theirs.setLevel(level)
    theirs.propagate = False
