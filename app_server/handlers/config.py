"""`getUserSavedConfig` and `setDefaultModel`."""

from __future__ import annotations

from app_server_protocol import methods
from app_server_protocol.v1.config import (
    GetUserSavedConfigResponse,
    SetDefaultModelParams,
    SetDefaultModelResponse,
)

from ..app import RequestContext
from ..config.layers import ConfigError
from ..config.saved import user_saved_config
from ..errors import InternalError
from .config_access import config_error
from .registry import handles


@handles(methods.GET_USER_SAVED_CONFIG)
async def get_user_saved_config(params: None, ctx: RequestContext) -> GetUserSavedConfigResponse:
    try:
        saved = ctx.app.config.saved()
    except ConfigError as exc:
        raise config_error(exc) from None
    return GetUserSavedConfigResponse(config=user_saved_config(saved))


@handles(methods.SET_DEFAULT_MODEL)
async def set_default_model(
    params: SetDefaultModelParams, ctx: RequestContext
) -> SetDefaultModelResponse:
    effort = params.reasoning_effort.value if params.reasoning_effort is not None else None
    try:
        await ctx.app.config.set_default_model(params.model, effort)
    except ConfigError as exc:
        raise InternalError(f"failed to save the default model: {exc}") from None
    return SetDefaultModelResponse()
