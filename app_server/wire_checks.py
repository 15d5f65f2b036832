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
