"""Signing in and out, and what the client may know about the sign-in."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from app_server_protocol.common import AuthMode
from app_server_protocol.usage import PlanType
from app_server_protocol.v1.auth import (
    AccountApiKey,
    AccountChatgpt,
    AuthStatusChangeNotification,
    CancelLoginChatGptParams,
    CancelLoginChatGptResponse,
    GetAccountParams,
    GetAccountResponse,
    GetAuthStatusParams,
    GetAuthStatusResponse,
    LoginAccountApiKey,
    LoginAccountApiKeyResponse,
    LoginAccountChatgpt,
    LoginAccountChatgptAuthTokens,
    LoginAccountChatgptResponse,
    LoginApiKeyParams,
    LoginApiKeyResponse,
    LoginChatGptResponse,
    LogoutAccountResponse,
    LogoutChatGptResponse,
)
from app_server_protocol.v1.session import UserInfoResponse

from ..app import RequestContext
from ..auth import LoginRestrictions, RefreshError
from ..auth.manager import NOT_CACHED
from ..errors import InternalError, InvalidRequest
from ..logs import log, register_secret
from .config_access import config_toml, login_restrictions, resolved_config
from .registry import handles


async def _announce(ctx: RequestContext, mode: AuthMode | None) -> None:
    params = AuthStatusChangeNotification(auth_method=mode).model_dump_json()
    await ctx.app.outgoing.notify("authStatusChange", params.encode())


async def _login_with_api_key(api_key: str, ctx: RequestContext) -> None:
    register_secret(api_key)
    toml = config_toml(ctx)
    refusal = LoginRestrictions.from_config(toml).login_refusal(AuthMode.API_KEY)
    if refusal is not None:
        raise InvalidRequest(refusal)
    ctx.app.cancel_chatgpt_login()
    auth = ctx.app.auth
    try:
        await auth.login_api_key(api_key)
    except OSError as exc:
        raise InternalError(
            f"failed to save the API key in {auth.store.description}: {exc.strerror or exc}"
        ) from None
    ctx.after_response(lambda: _announce(ctx, AuthMode.API_KEY))


async def _logout(ctx: RequestContext) -> None:
    ctx.app.cancel_chatgpt_login()
    auth = ctx.app.auth
    try:
        await auth.logout()
    except OSError as exc:
        raise InternalError(
            f"failed to remove {auth.store.description}: {exc.strerror or exc}"
        ) from None
    ctx.after_response(lambda: _announce(ctx, None))


@handles("loginApiKey")
async def login_api_key(params: LoginApiKeyParams, ctx: RequestContext) -> LoginApiKeyResponse:
    await _login_with_api_key(params.api_key, ctx)
    return LoginApiKeyResponse()


@handles("account/login/start")
async def login_account(
    params: LoginAccountApiKey | LoginAccountChatgpt | LoginAccountChatgptAuthTokens,
    ctx: RequestContext,
) -> LoginAccountApiKeyResponse | LoginAccountChatgptResponse:
    if isinstance(params, LoginAccountApiKey):
        await _login_with_api_key(params.api_key, ctx)
        return LoginAccountApiKeyResponse()
    if isinstance(params, LoginAccountChatgptAuthTokens):
        raise InvalidRequest("chatgptAuthTokens login is not supported by this server")
    started = await _start_chatgpt_login(ctx)
    return LoginAccountChatgptResponse(login_id=started.login_id, auth_url=started.auth_url)


async def _start_chatgpt_login(ctx: RequestContext) -> LoginChatGptResponse:
    toml = config_toml(ctx)
    refusal = LoginRestrictions.from_config(toml).login_refusal(AuthMode.CHATGPT)
    if refusal is not None:
        raise InvalidRequest(refusal)
    from ..auth.login import LoginServerError

    try:
        flow = await ctx.app.chatgpt_logins.start(toml.forced_chatgpt_workspace_id)
    except LoginServerError as exc:
        raise InternalError(f"failed to start login server: {exc}") from None
    return LoginChatGptResponse(login_id=flow.login_id, auth_url=flow.auth_url)


@handles("loginChatGpt")
async def login_chatgpt(params: None, ctx: RequestContext) -> LoginChatGptResponse:
    return await _start_chatgpt_login(ctx)


@handles("cancelLoginChatGpt")
def cancel_login_chatgpt(
    params: CancelLoginChatGptParams, ctx: RequestContext
) -> CancelLoginChatGptResponse:
    from ..auth.login import NOT_COMPLETED

    flow = ctx.app.take_chatgpt_login(params.login_id)
    if flow is None:
        raise InvalidRequest(f"login id not found: {params.login_id}")
    # The login's loginChatGptComplete follows this answer, as with the reference.
    flow.cancel(NOT_COMPLETED, hold_report=True)
    ctx.after_response(flow.release_report)
    return CancelLoginChatGptResponse()


@handles("logoutChatGpt")
async def logout_chatgpt(params: None, ctx: RequestContext) -> LogoutChatGptResponse:
    await _logout(ctx)
    return LogoutChatGptResponse()


@handles("account/logout")
async def logout_account(params: None, ctx: RequestContext) -> LogoutAccountResponse:
    await _logout(ctx)
    return LogoutAccountResponse()


@handles("account/read")
async def read_account(params: GetAccountParams, ctx: RequestContext) -> GetAccountResponse:
    config = resolved_config(ctx)
    restrictions = login_restrictions(ctx)
    auth = ctx.app.auth
    await auth.settle()
    if params.refresh_token:
        try:
            await auth.refresh()
        except RefreshError as exc:
            log.warning("could not refresh the ChatGPT tokens: %s", exc)
    requires_openai_auth = config.model_provider.requires_openai_auth
    credentials = await auth.current(restrictions)
    account: AccountApiKey | AccountChatgpt | None = None
    if credentials is None:
        account = None
    elif credentials.mode is AuthMode.API_KEY:
        account = AccountApiKey()
    else:
        account = AccountChatgpt(
            email=credentials.email or "", plan_type=_plan_type(credentials.plan_type)
        )
    return GetAccountResponse(account=account, requires_openai_auth=requires_openai_auth)


def _plan_type(plan: str | None) -> PlanType:
    try:
        return PlanType(plan or "unknown")
    except ValueError:
        return PlanType.UNKNOWN


@handles("getAuthStatus")
async def get_auth_status(
    params: GetAuthStatusParams, ctx: RequestContext
) -> GetAuthStatusResponse:
    config = resolved_config(ctx)
    auth = ctx.app.auth
    await auth.settle()
    if params.refresh_token:
        try:
            await auth.refresh()
        except RefreshError as exc:
            log.warning("could not refresh the ChatGPT tokens: %s", exc)
    if not config.model_provider.requires_openai_auth:
        return GetAuthStatusResponse(requires_openai_auth=False)
    try:
        credentials = await auth.usable(LoginRestrictions.from_config(config))
    except RefreshError as exc:
        # Stale tokens that cannot be renewed: signed out, as the reference reports it.
        log.warning("failed to refresh the stale ChatGPT tokens: %s", exc)
        credentials = None
    token = credentials.bearer_token if credentials is not None else None
    if credentials is None or not token:
        # An empty key counts as signed out, as with the reference.
        return GetAuthStatusResponse(requires_openai_auth=True)
    return GetAuthStatusResponse(
        auth_method=credentials.mode,
        auth_token=token if params.include_token else None,
        requires_openai_auth=True,
    )


@handles("userInfo")
def user_info(
    params: None, ctx: RequestContext
) -> UserInfoResponse | Coroutine[Any, Any, UserInfoResponse]:
    # Inline and quick when the credentials are cached (the usual case); read
    # them first (off the event loop) when they changed.
    credentials = ctx.app.auth.cached()
    if credentials is NOT_CACHED:
        return _user_info_after_reading(ctx)
    return UserInfoResponse(alleged_user_email=credentials.email if credentials else None)


async def _user_info_after_reading(ctx: RequestContext) -> UserInfoResponse:
    credentials = await ctx.app.auth.stored()
    return UserInfoResponse(alleged_user_email=credentials.email if credentials else None)
