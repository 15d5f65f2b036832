"""The saved credentials, as the model client asks for them."""

from __future__ import annotations

from ..auth.credentials import RefreshError
from ..auth.manager import AuthManager
from ..auth.restrictions import LoginRestrictions
from ..model_client import AuthRefreshFailed, Credentials


class AuthCredentials:
    """A `CredentialsSource` over the daemon's `AuthManager`, under the
    conversation's login restrictions."""

    def __init__(self, auth: AuthManager, restrictions: LoginRestrictions) -> None:
        self._auth = auth
        self._restrictions = restrictions

    async def current(self) -> Credentials | None:
        auth = await self._auth.request_auth(self._restrictions)
        if auth is None:
            return None
        return Credentials(
            bearer_token=auth.bearer_token,
            mode=auth.mode,
            account_id=auth.account_id,
            plan_type=auth.plan_type,
        )

    async def refresh(self) -> bool:
        try:
            return await self._auth.refresh()
        except RefreshError as exc:
            raise AuthRefreshFailed(str(exc)) from None
