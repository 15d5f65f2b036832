"""The handshake before the event loop starts.

Importing the event loop, pydantic and the protocol models takes most of the
daemon's start-up time. Editors send ``initialize`` first and wait for its
reply, so we answer a well-formed ``initialize`` right away, with the standard
library only, and start the full server afterwards.

This path is deliberately conservative: anything that is not plainly a valid
``initialize`` request (bad JSON, another method, params of an odd shape) is
left untouched and handed to the full server, which validates it with the
protocol models and answers as usual. A test checks that every input this
path accepts is also accepted, with the same values, by the models.
"""

from __future__ import annotations

import json
import os
from typing import NamedTuple

from .fsutil import write_all
from .user_agent import user_agent
from .wire_checks import ID_RANGE, has_duplicate_id

_READ_SIZE = 1 << 16
#: The notification a client sends after the reply to ``initialize``.
INITIALIZED = "initialized"
#: A first line longer than this is no plain ``initialize``: it is left to the
#: full server, which refuses over-long lines without keeping them.
MAX_HANDSHAKE_LINE = 1 << 20


class ClientIdentity(NamedTuple):
    name: str
    version: str
    title: str | None
    opt_out: tuple[str, ...] = ()
    """``capabilities.optOutNotificationMethods``."""


class Handshake(NamedTuple):
    """What the handshake leaves to the full server."""

    client: ClientIdentity | None
    """The client that initialized, or None when the handshake was left to the server."""
    pending: bytes
    """Input read but not handled yet."""
    eof: bool
    """Whether stdin ended while reading."""


def is_initialized(message: object) -> bool:
    """Whether a parsed line is the ``initialized`` notification, which the
    server accepts and ignores."""
    if type(message) is not dict:
        return False
    return message.get("method") == INITIALIZED and message.get("id") is None


def reject_constant(name: str) -> object:
    """A `json.loads` ``parse_constant``: NaN and Infinity are not JSON."""
    raise ValueError(f"{name} is not valid JSON")


def parse_initialize(line: bytes) -> tuple[int | str, ClientIdentity] | None:
    """The id and client of a plainly valid ``initialize`` request, else None."""
    try:
        message = json.loads(line, parse_constant=reject_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(message, dict) or message.get("method") != "initialize":
        return None
    request_id = message.get("id")
    if isinstance(request_id, bool) or not isinstance(request_id, int | str):
        return None
    if (isinstance(request_id, int) and request_id not in ID_RANGE) or has_duplicate_id(line):
        return None
    params = message.get("params")
    info = params.get("clientInfo") if isinstance(params, dict) else None
    if not isinstance(info, dict):
        return None
    name, version, title = info.get("name"), info.get("version"), info.get("title")
    if not isinstance(name, str) or not isinstance(version, str):
        return None
    if title is not None and not isinstance(title, str):
        return None
    if not _is_clean_text(name, version, title or ""):
        return None
    opt_out = _opt_out(params.get("capabilities") if isinstance(params, dict) else None)
    if opt_out is None:
        return None
    return request_id, ClientIdentity(name=name, version=version, title=title, opt_out=opt_out)


def _opt_out(capabilities: object) -> tuple[str, ...] | None:
    """The opted-out methods of plainly valid ``capabilities``, else None."""
    if capabilities is None:
        return ()
    if not isinstance(capabilities, dict):
        return None
    experimental = capabilities.get("experimentalApi", False)
    if not isinstance(experimental, bool):
        return None
    methods = capabilities.get("optOutNotificationMethods")
    if methods is None:
        return ()
    if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
        return None
    if not _is_clean_text(*methods):
        return None
    return tuple(methods)


def _is_clean_text(*texts: str) -> bool:
    # Lone surrogates parse with `json` but not with the server's parser.
    try:
        for text in texts:
            text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def initialize_reply(request_id: int | str, client: ClientIdentity) -> bytes:
    result = {"userAgent": user_agent(client.name, client.version)}
    return (
        json.dumps(
            {"id": request_id, "result": result}, separators=(",", ":"), ensure_ascii=False
        ).encode()
        + b"\n"
    )


def handshake(stdin_fd: int = 0, stdout_fd: int = 1) -> Handshake:
    """Read the first line; answer it if it is a plainly valid ``initialize``."""
    buffer = bytearray()
    while True:
        chunk = os.read(stdin_fd, _READ_SIZE)
        if not chunk:
            return Handshake(client=None, pending=bytes(buffer), eof=True)
        scanned = len(buffer)  # a long first line is searched once, not once per chunk
        buffer += chunk
        newline = buffer.find(b"\n", scanned)
        if newline >= 0:
            break
        if len(buffer) > MAX_HANDSHAKE_LINE:
            return Handshake(client=None, pending=bytes(buffer), eof=False)
    line = bytes(buffer[:newline]).removesuffix(b"\r")
    parsed = parse_initialize(line)
    if parsed is None:
        return Handshake(client=None, pending=bytes(buffer), eof=False)
    request_id, client = parsed
    write_all(stdout_fd, initialize_reply(request_id, client))
    return Handshake(client=client, pending=bytes(buffer[newline + 1 :]), eof=False)
