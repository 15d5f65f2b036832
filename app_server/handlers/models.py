"""``model/list``: the built-in models, one page at a time.

Pagination is the reference's: the cursor is the index of the first model of
the page (decimal, as the previous page's ``nextCursor`` gives it), the page
size defaults to the whole list and is at least one, and ``nextCursor`` is
null on the last page. A cursor that is not a number, or that lies beyond
the end, is an error; one exactly at the end gives an empty page.
"""

from __future__ import annotations

from typing import Final

from app_server_protocol.v1.config import ListModelsParams, ListModelsResponse

from ..app import RequestContext
from ..errors import InvalidRequest
from .registry import handles

#: The reference reads the page size and the cursor as 64-bit unsigned integers.
_U64_MAX: Final = 2**64 - 1


def _cursor_index(cursor: str) -> int:
    """The index a cursor stands for: ASCII digits, optionally after a ``+``."""
    digits = cursor.removeprefix("+")
    if not (digits.isascii() and digits.isdigit()) or int(digits) > _U64_MAX:
        raise InvalidRequest(f"invalid cursor: {cursor}")
    return int(digits)


@handles("model/list")
def list_models(params: ListModelsParams, ctx: RequestContext) -> ListModelsResponse:
    from ..model_presets import PRESETS

    total = len(PRESETS)
    if params.limit is not None and params.limit > _U64_MAX:
        raise InvalidRequest(f"Invalid request: limit: must be at most {_U64_MAX}")
    start = _cursor_index(params.cursor) if params.cursor is not None else 0
    if start > total:
        raise InvalidRequest(f"cursor {start} exceeds total models {total}")
    page_size = min(max(params.limit if params.limit is not None else total, 1), total)
    end = min(start + page_size, total)
    return ListModelsResponse(
        data=list(PRESETS[start:end]), next_cursor=str(end) if end < total else None
    )
