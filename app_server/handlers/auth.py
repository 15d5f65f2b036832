"""Signing in and out, and what the client may know about the sign-in."""

from __future__ import annotations

from uuid import UUID

from app_server_protocol import methods
from app_server_protocol.common import AuthMode
from app_server_protocol.v1.auth import (
    AuthStatusChangeNotification,
    CancelLoginChatGptParams,
    CancelLoginChatGptResponse,
    GetAuthStatusParams,
    GetAuthStatusResponse,
    LoginApiKeyParams,
    LoginApiKeyResponse,
    LoginChatGptResponse,
    LogoutChatGptResponse,
)
from app_server_protocol.v1.session import UserInfoResponse
from app_server_protocol.v2.account import (
    AccountApiKey,
    AccountChatgpt,
    CancelLoginAccountParams,
    CancelLoginAccountResponse,
    CancelLoginAccountStatus,
    GetAccountParams,
    GetAccountResponse,
    LoginAccountParams,
    LoginAccountParamsApiKey,
    LoginAccountParamsChatgptAuthTokens,
    LoginAccountResponse,
    LoginAccountResponseApiKey,
    LoginAccountResponseChatgpt,
    LoginAccountResponseChatgptAuthTokens,
    LogoutAccountResponse,
)
from app_server_protocol.v2.notifications import (
    AccountLoginCompletedNotification,
    AccountUpdatedNotification,
)
from app_server_protocol.v2.shared import PlanType

from ..app import RequestContext
from ..auth import LoginRestrictions, RefreshError
from ..auth.manager import NOT_CACHED
from ..errors import InternalError, InvalidRequest
from ..logs import log, register_secret
from .config_access import config_toml, login_restrictions, resolved_config
from .registry import handles


async def _announce(ctx: RequestContext, mode: AuthMode | None) -> None:
    params = AuthStatusChangeNotification(auth_method=mode)
    await ctx.app.clients.notify(methods.AUTH_STATUS_CHANGE, params)


async def _announce_v2(ctx: RequestContext, mode: AuthMode | None, *, login: bool) -> None:
    """v2's reports: a login that ended at once (no login id), then the new mode."""
    outgoing = ctx.app.clients
    if login:
        completed = AccountLoginCompletedNotification(login_id=None, success=True, error=None)
        await outgoing.notify(methods.ACCOUNT_LOGIN_COMPLETED, completed)
    await outgoing.notify(methods.ACCOUNT_UPDATED, AccountUpdatedNotification(auth_mode=mode))


async def _login_with_api_key(api_key: str, ctx: RequestContext, *, v2: bool = False) -> None:
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
    if v2:
        ctx.after_response(lambda: _announce_v2(ctx, AuthMode.API_KEY, login=True))
    else:
        ctx.after_response(lambda: _announce(ctx, AuthMode.API_KEY))


async def _logout(ctx: RequestContext, *, v2: bool = False) -> None:
    ctx.app.cancel_chatgpt_login()
    auth = ctx.app.auth
    try:
        await auth.logout()
    except OSError as exc:
        raise InternalError(
            f"failed to remove {auth.store.description}: {exc.strerror or exc}"
        ) from None
    if v2:
        ctx.after_response(lambda: _announce_v2(ctx, None, login=False))
    else:
        ctx.after_response(lambda: _announce(ctx, None))


@handles(methods.LOGIN_API_KEY)
async def login_api_key(params: LoginApiKeyParams, ctx: RequestContext) -> LoginApiKeyResponse:
    await _login_with_api_key(params.api_key, ctx)
    return LoginApiKeyResponse()


@handles(methods.ACCOUNT_LOGIN_START)
async def login_account(params: LoginAccountParams, ctx: RequestContext) -> LoginAccountResponse:
    if isinstance(params, LoginAccountParamsApiKey):
        await _login_with_api_key(params.api_key, ctx, v2=True)
        return LoginAccountResponseApiKey()
    if isinstance(params, LoginAccountParamsChatgptAuthTokens):
        from .external_tokens import sign_in_with_client_tokens

        await sign_in_with_client_tokens(ctx.app, params, login_restrictions(ctx))
        mode = AuthMode.CHATGPT_AUTH_TOKENS
        ctx.after_response(lambda: _announce_v2(ctx, mode, login=True))
        return LoginAccountResponseChatgptAuthTokens()
    started = await _start_chatgpt_login(ctx, v2=True)
    return LoginAccountResponseChatgpt(login_id=str(started.login_id), auth_url=started.auth_url)


async def _start_chatgpt_login(ctx: RequestContext, *, v2: bool = False) -> LoginChatGptResponse:
    toml = config_toml(ctx)
    refusal = LoginRestrictions.from_config(toml).login_refusal(AuthMode.CHATGPT)
    if refusal is not None:
        raise InvalidRequest(refusal)
    from ..auth.login import LoginServerError
    from ..auth.login_reports import login_reporter

    report = (
        login_reporter(ctx.app.clients.notify, ctx.app.auth, ctx.app.config.toml, v2=True)
        if v2
        else None
    )
    try:
        flow = await ctx.app.chatgpt_logins.start(toml.forced_chatgpt_workspace_id, report=report)
    except LoginServerError as exc:
        raise InternalError(f"failed to start login server: {exc}") from None
    return LoginChatGptResponse(login_id=flow.login_id, auth_url=flow.auth_url)


@handles(methods.LOGIN_CHAT_GPT)
async def login_chatgpt(params: None, ctx: RequestContext) -> LoginChatGptResponse:
    return await _start_chatgpt_login(ctx)


@handles(methods.CANCEL_LOGIN_CHAT_GPT)
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


@handles(methods.ACCOUNT_LOGIN_CANCEL)
def cancel_login_account(
    params: CancelLoginAccountParams, ctx: RequestContext
) -> CancelLoginAccountResponse:
    from ..auth.login import NOT_COMPLETED

    try:
        login_id = UUID(params.login_id)
    except ValueError:
        raise InvalidRequest(f"invalid login id: {params.login_id}") from None
    flow = ctx.app.take_chatgpt_login(login_id)
    if flow is None:
        return CancelLoginAccountResponse(status=CancelLoginAccountStatus.NOT_FOUND)
    flow.cancel(NOT_COMPLETED, hold_report=True)
    ctx.after_response(flow.release_report)
    return CancelLoginAccountResponse(status=CancelLoginAccountStatus.CANCELED)


@handles(methods.LOGOUT_CHAT_GPT)
async def logout_chatgpt(params: None, ctx: RequestContext) -> LogoutChatGptResponse:
    await _logout(ctx)
    return LogoutChatGptResponse()


@handles(methods.ACCOUNT_LOGOUT)
async def logout_account(params: None, ctx: RequestContext) -> LogoutAccountResponse:
    await _logout(ctx, v2=True)
    return LogoutAccountResponse()


@handles(methods.ACCOUNT_READ)
async def read_account(params: GetAccountParams, ctx: RequestContext) -> GetAccountResponse:
    config = resolved_config(ctx)
    auth = ctx.app.auth
    await auth.settle()
    stored = await auth.stored()
    # Client-supplied tokens are the client's to refresh (the reference asks
    # for new ones only when the backend refuses them).
    if params.refresh_token and not (stored is not None and stored.external):
        try:
            await auth.refresh()
        except RefreshError as exc:
            log.warning("could not refresh the ChatGPT tokens: %s", exc)
    requires_openai_auth = config.model_provider.requires_openai_auth
    credentials = await auth.current(LoginRestrictions.from_config(config))
    account: AccountApiKey | AccountChatgpt | None = None
    if credentials is not None and requires_openai_auth:
        if credentials.mode is AuthMode.API_KEY:
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


@handles(methods.GET_AUTH_STATUS)
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
        auth_method=credentials.reported_mode,
        auth_token=token if params.include_token else None,
        requires_openai_auth=True,
    )


@handles(methods.USER_INFO)
async def user_info(params: None, ctx: RequestContext) -> UserInfoResponse:
    # The cached credentials (the usual case), or read them again (off the event loop).
    cached = ctx.app.auth.cached()
    credentials = await ctx.app.auth.stored() if cached is NOT_CACHED else cached
    return UserInfoResponse(alleged_user_email=credentials.email if credentials else None)
