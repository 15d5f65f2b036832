"""Thread ids given by clients: parsed as the reference parses them, and
refused with the words of its UUID parser."""

from __future__ import annotations

import re
from typing import Final

from .naming import parse_uuid

_ALLOWED: Final = re.compile(r"[0-9a-fA-F-]")
_GROUPS: Final = (8, 4, 4, 4, 12)


class InvalidThreadId(ValueError):
    """The text is not a UUID; the message says why."""


def parse_thread_id(text: str) -> str:
    """The canonical form of a thread id, or `InvalidThreadId`."""
    canonical = parse_uuid(text)
    if canonical is not None:
        return canonical
    raise InvalidThreadId(_uuid_error(text))


def _uuid_error(text: str) -> str:
    body = text.removeprefix("urn:uuid:")
    offset = len(text) - len(body)
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
        offset += 1
    for index, char in enumerate(body):
        if not _ALLOWED.fullmatch(char):
            return (
                "invalid character: expected an optional prefix of `urn:uuid:` followed by "
                f"[0-9a-fA-F-], found `{char}` at {offset + index + 1}"
            )
    if "-" not in body:
        return f"invalid length: expected length 32 for simple format, found {len(body)}"
    groups = body.split("-")
    if len(groups) != len(_GROUPS):
        return f"invalid group count: expected 5, found {len(groups)}"
    for number, (group, expected) in enumerate(zip(groups, _GROUPS, strict=True), start=1):
        if len(group) != expected:
            return (
                f"invalid group length in group {number}: expected {expected}, found {len(group)}"
            )
    return f"invalid length: expected length 36 for hyphenated format, found {len(text)}"
