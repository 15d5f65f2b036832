"""``model/list``: the built-in models (hidden ones with ``includeHidden``),
a page at a time (the reference's paging, see `paging`)."""

from __future__ import annotations

from app_server_protocol import methods
from app_server_protocol.v2.models import Model, ModelListParams, ModelListResponse

from ..app import RequestContext
from .paging import page
from .registry import handles


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
    data, next_cursor = page(models, params.cursor, params.limit, "models")
    return ModelListResponse(data=data, next_cursor=next_cursor)
