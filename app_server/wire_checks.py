"""Checks of a raw message that JSON parsers do not make (standard library
only: the handshake and the early listing stage use them too)."""

from __future__ import annotations

import json
import re
from typing import Any, Final

#: Request ids are 64-bit signed integers (or strings), as for the reference.
ID_RANGE: Final = range(-(2**63), 2**63)
#: The largest count the reference reads (an unsigned 64-bit integer).
UINT64_MAX: Final = 2**64 - 1
#: ``"id"`` as a key, maybe spelled with escapes; two matches call for a closer look.
_ID_KEY: Final = re.compile(rb'"(?:i|\\u0069)(?:d|\\u0064)"\s*:')


def has_duplicate_id(line: bytes) -> bool:
    """Whether the message's object has two ``id`` members (which one counts
    would be up to the parser). The line is parsed again only when ``"id"``
    occurs twice in it."""
    if len(_ID_KEY.findall(line)) < 2:
        return False
    top_level_keys: list[str] = []

    def keep_keys(pairs: list[tuple[str, Any]]) -> None:
        # Objects are built innermost first: the last call is the message itself.
        top_level_keys[:] = [key for key, _ in pairs]

    try:
        json.loads(line, object_pairs_hook=keep_keys)
    except (ValueError, RecursionError):
        return False
    return top_level_keys.count("id") > 1


#: An ``id`` member with a string or integer value, among the first members of
#: a message (before ``params``, which is usually last and may be huge).
_LEADING_ID: Final = re.compile(rb'"id"\s*:\s*(-?[0-9]{1,19}|"(?:[^"\\]|\\.){0,256}")\s*[,}]')


def request_id_in_head(head: bytes) -> int | str | None:
    """The request id of a message known only by its first bytes, when it
    plainly comes before ``params``; None when it cannot be told."""
    stripped = head.lstrip()
    if not stripped.startswith(b"{"):
        return None
    params_at = stripped.find(b'"params"')
    before_params = stripped if params_at < 0 else stripped[:params_at]
    found = _LEADING_ID.search(before_params)
    if found is None or b"{" in before_params[1 : found.start()]:
        return None
    try:
        request_id = json.loads(found.group(1))
    except ValueError:
        return None
    if isinstance(request_id, int) and request_id not in ID_RANGE:
        return None
    return request_id if isinstance(request_id, int | str) else None


def writable_as_utf8(line: bytes, request_id: int | str) -> bool:
    """Whether a request's text can be written back as UTF-8 (lone surrogates
    cannot: such lines are left to the full server's stricter parser)."""
    try:
        line.decode("utf-8")
        if type(request_id) is str:
            request_id.encode("utf-8")
    except UnicodeError:
        return False
    return True
