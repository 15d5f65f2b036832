"""``account/rateLimits/read``: the ChatGPT plan's rate limits, from the backend."""

from __future__ import annotations

from app_server_protocol import methods
from app_server_protocol.common import AuthMode
from app_server_protocol.v2.account import GetAccountRateLimitsResponse

from ..account_limits import usage_rate_limits
from ..app import RequestContext
from ..auth import LoginRestrictions, RefreshError
from ..errors import InternalError, InvalidRequest
from .config_access import resolved_config
from .registry import handles


@handles(methods.ACCOUNT_RATE_LIMITS_READ)
async def read_rate_limits(params: None, ctx: RequestContext) -> GetAccountRateLimitsResponse:
    config = resolved_config(ctx)
    auth = ctx.app.auth
    await auth.settle()
    try:
        request_auth = await auth.request_auth(LoginRestrictions.from_config(config), strict=True)
    except RefreshError as exc:
        raise InternalError(f"failed to construct backend client: {exc}") from None
    if request_auth is None:
        raise InvalidRequest("codex account authentication required to read rate limits")
    if request_auth.mode is not AuthMode.CHATGPT:
        raise InvalidRequest("chatgpt authentication required to read rate limits")

    from ..backend.usage import UsageError, build_request, fetch_usage

    request = build_request(config.chatgpt_base_url, request_auth, ctx.session.user_agent)
    try:
        payload = await fetch_usage(request)
    except UsageError as exc:
        raise InternalError(str(exc)) from None
    limits, by_id = usage_rate_limits(payload)
    return GetAccountRateLimitsResponse(rate_limits=limits, rate_limits_by_limit_id=by_id)
