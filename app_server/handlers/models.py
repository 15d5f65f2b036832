"""``model/list``: the built-in models (hidden ones with ``includeHidden``), one page at a time.

Pagination is the reference's: the cursor is the index of the first model of
the page (decimal, as the previous page's ``nextCursor`` gives it), the page
size (``limit``) defaults to the whole list and is at least one, and
``nextCursor`` is null on the last page. A cursor that is not a number, or that lies beyond
the end, is an error; one exactly at the end gives an empty page.
"""

from __future__ import annotations

from typing import Final

from app_server_protocol import methods
from app_server_protocol.v2.models import Model, ModelListParams, ModelListResponse

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


def _offered(include_hidden: bool) -> list[Model]:
    """The presets to list, the first preset marked as the default."""
    from ..model_presets import PRESETS

    default = PRESETS[0].id
    return [
        preset.model_copy(update={"is_default": preset.id == default})
        for preset in PRESETS
        if include_hidden or not preset.hidden
    ]


@handles(methods.MODEL_LIST)
def list_models(params: ModelListParams, ctx: RequestContext) -> ModelListResponse:
    models = _offered(bool(params.include_hidden))
    total = len(models)
    if params.limit is not None and params.limit > _U64_MAX:
        raise InvalidRequest(f"Invalid request: limit: must be at most {_U64_MAX}")
    start = _cursor_index(params.cursor) if params.cursor is not None else 0
    if start > total:
        raise InvalidRequest(f"cursor {start} exceeds total models {total}")
    page_size = min(max(params.limit if params.limit is not None else total, 1), total)
    end = min(start + page_size, total)
    return ModelListResponse(
        data=models[start:end],
        next_cursor=str(end) if end < total else None,
    )
