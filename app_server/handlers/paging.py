"""The reference's paging of a fixed list (`model/list`,
`experimentalFeature/list`): the cursor is the index of the page's first
item (decimal, optionally after ``+``, as the previous page's ``nextCursor``
gives it), the page size (``limit``) defaults to the whole list and is at
least one, and ``nextCursor`` is null on the last page. A cursor that is not
a number, or lies beyond the end, is an error; one exactly at the end gives
an empty page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, TypeVar

from ..errors import InvalidRequest

T = TypeVar("T")

#: The reference reads the page size and the cursor as 64-bit unsigned integers.
_U64_MAX: Final = 2**64 - 1


def _cursor_index(cursor: str) -> int:
    digits = cursor.removeprefix("+")
    if not (digits.isascii() and digits.isdigit()) or int(digits) > _U64_MAX:
        raise InvalidRequest(f"invalid cursor: {cursor}")
    return int(digits)


def page(
    items: Sequence[T], cursor: str | None, limit: int | None, what: str
) -> tuple[list[T], str | None]:
    """The page of ``items`` and the next cursor; ``what`` names the items in
    the error for a cursor past the end (``models``, ``feature flags``)."""
    total = len(items)
    if limit is not None and limit > _U64_MAX:
        raise InvalidRequest(f"Invalid request: limit: must be at most {_U64_MAX}")
    start = _cursor_index(cursor) if cursor is not None else 0
    if start > total:
        raise InvalidRequest(f"cursor {start} exceeds total {what} {total}")
    page_size = min(max(limit if limit is not None else total, 1), total)
    end = min(start + page_size, total)
    return list(items[start:end]), (str(end) if end < total else None)
