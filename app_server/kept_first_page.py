"""Between the handshake and the early stage: the client's first
`thread/list`, answered from the page a previous daemon kept
(`conversations.thread_list_cache`) when nothing it was read from changed.

It runs only when the configuration files are as they were when the page
was kept: then the early stage would not load the full server at once
either, and waiting here for the client's next line changes nothing. Any
line it does not answer (past the ``initialized`` notification) is left,
unread, to the early stage.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from .bootstrap import MAX_HANDSHAKE_LINE, Handshake, is_initialized, reject_constant
from .config.files import layered_config_files
from .conversations.thread_list_cache import PageKey, config_stamps, load_page
from .fsutil import write_all
from .newer_fields import wants_newer_fields

_READ_SIZE = 1 << 16


def answer_kept_page(
    codex_home: str,
    shake: Handshake,
    overrides: Sequence[str],
    stdin_fd: int = 0,
    stdout_fd: int = 1,
) -> Handshake:
    """Answer the client's first request from the kept page if it can;
    returns what is left for the early stage."""
    client = shake.client
    if client is None:
        return shake
    page = load_page(codex_home)
    if page is None:
        return shake
    key = PageKey(
        os.path.realpath(codex_home),
        config_stamps(layered_config_files(codex_home)),
        overrides,
        wants_newer_fields(client.name, os.environ),
    )
    if not page.still_asked(key):
        return shake
    pending = bytearray(shake.pending)
    eof = shake.eof
    while True:
        newline = pending.find(b"\n")
        if newline < 0:
            if eof or len(pending) > MAX_HANDSHAKE_LINE:
                break
            chunk = os.read(stdin_fd, _READ_SIZE)
            eof = not chunk
            pending += chunk
            continue
        line = bytes(pending[:newline]).removesuffix(b"\r")
        if _is_initialized_line(line):
            del pending[: newline + 1]
            continue
        reply = page.reply_to(line)
        if reply is not None:
            write_all(stdout_fd, reply)
            del pending[: newline + 1]
        break
    return Handshake(client=client, pending=bytes(pending), eof=eof)


def _is_initialized_line(line: bytes) -> bool:
    try:
        return is_initialized(json.loads(line, parse_constant=reject_constant))
    except (ValueError, RecursionError):
        return False
