"""``model/list``: the built-in models, one page at a time.

Pagination is the reference's: the cursor is the index of the first model of
the page (decimal, as the previous page's ``nextCursor`` gives it), the page
size (``limit``) defaults to the whole list and is at least one, and
``nextCursor`` is null on the last page. A cursor that is not a number, or that lies beyond
the end, is an error; one exactly at the end gives an empty page.
"""

from __future__ import annotations

from typing import Final

from app_server_protocol import methods
from app_server_protocol.v1 import config as presets
from app_server_protocol.v2.models import (
    Model,
    ModelListParams,
    ModelListResponse,
    ReasoningEffortOption,
)
from app_server_protocol.v2.shared import InputModality

from ..app import RequestContext
from ..errors import InvalidRequest
from .registry import handles

#: The reference reads the page size and the cursor as 64-bit unsigned integers.
_U64_MAX: Final = 2**64 - 1


def cursor_index(cursor: str) -> int:
    """The index a cursor stands for: ASCII digits, optionally after a ``+``."""
    digits = cursor.removeprefix("+")
    if not (digits.isascii() and digits.isdigit()) or int(digits) > _U64_MAX:
        raise InvalidRequest(f"invalid cursor: {cursor}")
    return int(digits)


def _listed(preset: presets.Model) -> Model:
    """A preset as `model/list` describes it."""
    return Model(
        id=preset.id,
        model=preset.model,
        display_name=preset.display_name,
        description=preset.description,
        hidden=False,
        supported_reasoning_efforts=[
            ReasoningEffortOption(reasoning_effort=o.reasoning_effort, description=o.description)
            for o in preset.supported_reasoning_efforts
        ],
        default_reasoning_effort=preset.default_reasoning_effort,
        input_modalities=[InputModality.TEXT, InputModality.IMAGE],
        supports_personality=False,
        is_default=preset.is_default,
    )


@handles(methods.MODEL_LIST)
def list_models(params: ModelListParams, ctx: RequestContext) -> ModelListResponse:
    from ..model_presets import PRESETS

    total = len(PRESETS)
    start = cursor_index(params.cursor) if params.cursor is not None else 0
    if start > total:
        raise InvalidRequest(f"cursor {start} exceeds total models {total}")
    page_size = min(max(params.limit if params.limit is not None else total, 1), total)
    end = min(start + page_size, total)
    return ModelListResponse(
        data=[_listed(p) for p in PRESETS[start:end]],
        next_cursor=str(end) if end < total else None,
    )
