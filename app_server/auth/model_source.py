"""The `AuthManager` as the model client's `CredentialsSource`.

Before each attempt the model client asks for the current credentials
(stale ChatGPT tokens are refreshed first; if that fails, the saved ones are
tried); after a 401 it asks once for a refresh and sends the request again.
A refresh that fails then ends the request with the refresh's message
(`AuthRefreshFailed`, e.g. ``Failed to refresh token: 401 Unauthorized``).
"""

from __future__ import annotations

from collections.abc import Callable

from ..model_client.auth import Credentials
from ..model_client.errors import AuthRefreshFailed
from .manager import AuthManager, RefreshError
from .restrictions import LoginRestrictions


class AuthCredentialsSource:
    def __init__(
        self,
        auth: AuthManager,
        restrictions: LoginRestrictions | Callable[[], LoginRestrictions] | None = None,
    ) -> None:
        self._auth = auth
        self._restrictions = restrictions if restrictions is not None else LoginRestrictions()

    def _current_restrictions(self) -> LoginRestrictions:
        restrictions = self._restrictions
        return restrictions if isinstance(restrictions, LoginRestrictions) else restrictions()

    async def current(self) -> Credentials | None:
        found = await self._auth.request_auth(self._current_restrictions())
        if found is None:
            return None
        return Credentials(
            bearer_token=found.bearer_token,
            mode=found.mode,
            account_id=found.account_id,
            plan_type=found.plan_type,
        )

    async def refresh(self) -> bool:
        try:
            return await self._auth.refresh()
        except RefreshError as exc:
            raise AuthRefreshFailed(str(exc)) from None
