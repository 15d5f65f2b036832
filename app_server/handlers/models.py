"""``model/list``: the provider's models (the OpenAI provider with a ChatGPT
sign-in; cached, refreshed in the background, see `remote_models`) merged
with the built-in presets; hidden ones with ``includeHidden``; the first
listed model is the default; a page at a time (the reference's paging, see
`paging`)."""

from __future__ import annotations

from app_server_protocol import methods
from app_server_protocol.common import AuthMode
from app_server_protocol.v2.models import Model, ModelListParams, ModelListResponse

from ..app import RequestContext
from ..auth import LoginRestrictions
from ..config.layers import ConfigError
from ..remote_models import FetchSpec, merge, models_url
from .paging import page
from .registry import handles

OPENAI_PROVIDER_ID = "openai"
DEFAULT_CHATGPT_CODEX_BASE_URL = "https://chatgpt.com/backend-api/codex"


async def _fetch_spec(ctx: RequestContext) -> FetchSpec | None:
    """How to ask the provider for its models; None when it has no list to
    offer (another provider, or not signed in with ChatGPT)."""
    from ..user_agent import originator

    try:
        config = ctx.app.config.resolve()
    except ConfigError:
        return None
    if config.model_provider_id != OPENAI_PROVIDER_ID:
        return None
    # The saved credentials as they are: nothing here may wait for a refresh.
    credentials = await ctx.app.auth.current(LoginRestrictions.from_config(config))
    if credentials is None or credentials.mode is not AuthMode.CHATGPT:
        return None
    token = credentials.bearer_token
    if not token:
        return None
    headers = {
        "authorization": f"Bearer {token}",
        "user-agent": ctx.session.user_agent,
        "originator": originator(),
    }
    if credentials.account_id:
        headers["chatgpt-account-id"] = credentials.account_id
    base = config.model_provider.base_url or DEFAULT_CHATGPT_CODEX_BASE_URL
    return FetchSpec(models_url(base), headers)


async def _offered(ctx: RequestContext, include_hidden: bool) -> list[Model]:
    from ..model_presets import presets

    remote = await ctx.app.remote_models.current(await _fetch_spec(ctx))
    models = [m for m in merge(remote, list(presets())) if include_hidden or not m.hidden]
    visible = [m for m in models if not m.hidden]
    default = (visible or models)[0].id if models else None
    return [m.model_copy(update={"is_default": m.id == default}) for m in models]


@handles(methods.MODEL_LIST)
async def list_models(params: ModelListParams, ctx: RequestContext) -> ModelListResponse:
    models = await _offered(ctx, bool(params.include_hidden))
    data, next_cursor = page(models, params.cursor, params.limit, "models")
    return ModelListResponse(data=data, next_cursor=next_cursor)
