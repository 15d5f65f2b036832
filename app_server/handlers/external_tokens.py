"""Signing in with ChatGPT tokens the client supplies (v2
``account/login/start`` with ``chatgptAuthTokens``), and asking the client
for new ones when the backend refuses them."""

from __future__ import annotations

from typing import Final

import anyio
from pydantic import ValidationError

from app_server_protocol import methods
from app_server_protocol.common import AuthMode
from app_server_protocol.v2.account import LoginAccountParamsChatgptAuthTokens
from app_server_protocol.v2.approvals import (
    ChatgptAuthTokensRefreshParams,
    ChatgptAuthTokensRefreshReason,
)

from ..app import App
from ..auth import LoginRestrictions, RefreshError
from ..auth.credentials import Credentials
from ..auth.external import external_credentials
from ..auth.manager import ExternalRefresher
from ..auth.tokens import InvalidIdToken
from ..errors import InternalError, InvalidRequest, RpcError
from ..outgoing import ClientGone

#: How long the client has to answer `account/chatgptAuthTokens/refresh`.
REFRESH_ANSWER_TIMEOUT_SECONDS: Final = 60.0


async def sign_in_with_client_tokens(
    app: App, params: LoginAccountParamsChatgptAuthTokens, restrictions: LoginRestrictions
) -> None:
    refusal = restrictions.login_refusal(AuthMode.CHATGPT)
    if refusal is not None:
        raise InvalidRequest(refusal)
    try:
        credentials = external_credentials(
            params.access_token, params.chatgpt_account_id, params.chatgpt_plan_type
        )
    except InvalidIdToken as exc:
        raise InternalError(f"failed to set external auth: {exc}") from None
    app.cancel_chatgpt_login()
    await app.auth.use_external(credentials, _client_refresher(app))


def _client_refresher(app: App) -> ExternalRefresher:
    async def refresh(previous_account_id: str | None) -> Credentials:
        params = ChatgptAuthTokensRefreshParams(
            reason=ChatgptAuthTokensRefreshReason.UNAUTHORIZED,
            previous_account_id=previous_account_id,
        )
        row = methods.ACCOUNT_CHATGPT_AUTH_TOKENS_REFRESH
        try:
            with anyio.fail_after(REFRESH_ANSWER_TIMEOUT_SECONDS):
                answer = await app.clients.request(row, params)
        except TimeoutError:
            raise RefreshError("the client did not answer the token refresh in time") from None
        except (RpcError, ClientGone, ValidationError) as exc:
            raise RefreshError(f"the client could not refresh the tokens: {exc}") from None
        try:
            return external_credentials(
                answer.access_token, answer.chatgpt_account_id, answer.chatgpt_plan_type
            )
        except InvalidIdToken as exc:
            raise RefreshError(f"the client's new access token is not usable: {exc}") from None

    return refresh
