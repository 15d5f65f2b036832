"""The current credentials, in memory, for everything that needs them.

The manager reads the store once and then only again when the store's
`signature` changes (another process signed in or out, or the user edited
`auth.json`): checking costs one ``stat``, so quick handlers such as
``userInfo`` can ask on every request. Changes the daemon makes itself go
through the manager, one at a time, and update the cache directly.

Saved credentials that the administrator's `LoginRestrictions` forbid are
not used: the daemon behaves as if signed out (and says why in the log) but
leaves the file alone, so that fixing the configuration brings them back.

Token refresh plugs in as a `TokenRefresher`; without one, ChatGPT tokens are
used as saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

import anyio

from app_server_protocol.common import AuthMode

from ..logs import log, register_secret
from .credentials import ChatGptTokens, Credentials, InvalidCredentials, format_timestamp
from .restrictions import LoginRestrictions
from .storage import CredentialStore

#: ChatGPT tokens older than this are refreshed before use (when a refresher is set).
TOKEN_REFRESH_AGE: Final = timedelta(days=28)

_UNREAD: Final = object()


class TokenRefresher(Protocol):
    """Renews ChatGPT tokens with the identity provider."""

    async def refresh(self, tokens: ChatGptTokens) -> ChatGptTokens:
        """New tokens for ``tokens``; raises `RefreshError` when that fails."""
        ...


class RefreshError(Exception):
    """Tokens could not be refreshed; the message is safe to show."""


@dataclass(frozen=True)
class RequestAuth:
    """What a model request needs to authenticate."""

    mode: AuthMode
    bearer_token: str
    account_id: str | None
    """Sent as ``chatgpt-account-id`` with a ChatGPT sign-in."""


class AuthManager:
    def __init__(self, store: CredentialStore, refresher: TokenRefresher | None = None) -> None:
        self.store = store
        self.refresher = refresher
        self._signature: object = _UNREAD
        self._credentials: Credentials | None = None
        self._warned: set[tuple[object, str]] = set()
        self._changing = anyio.Lock()

    # -- reading ------------------------------------------------------------------
    def stored(self) -> Credentials | None:
        """The saved credentials (re-read if they changed since last time)."""
        signature = self.store.signature()
        if signature != self._signature:
            self._credentials = self._load()
            self._signature = signature
        return self._credentials

    def _load(self) -> Credentials | None:
        try:
            credentials = self.store.load()
        except InvalidCredentials as exc:
            log.error("ignoring %s: %s", self.store.description, exc)
            return None
        except OSError as exc:
            log.error("cannot read %s: %s", self.store.description, exc.strerror or exc)
            return None
        if credentials is not None:
            for secret in credentials.secrets:
                register_secret(secret)
        return credentials

    def current(self, restrictions: LoginRestrictions) -> Credentials | None:
        """The credentials to use: None when signed out, or when the saved ones
        are not allowed by ``restrictions``."""
        credentials = self.stored()
        if credentials is None or credentials.mode is None:
            return None
        reason = restrictions.violation(credentials)
        if reason is not None:
            key = (self._signature, reason)
            if key not in self._warned:
                self._warned.add(key)
                log.warning("not using the saved credentials: %s", reason)
            return None
        return credentials

    async def settle(self) -> None:
        """Wait for sign-ins and sign-outs already under way, so that a request
        sent after them sees their outcome (requests run concurrently)."""
        async with self._changing:
            pass

    def mode(self, restrictions: LoginRestrictions) -> AuthMode | None:
        credentials = self.current(restrictions)
        return credentials.mode if credentials is not None else None

    async def request_auth(self, restrictions: LoginRestrictions) -> RequestAuth | None:
        """The bearer token (and ChatGPT account) for a model request; None
        when signed out. Stale ChatGPT tokens are refreshed first when a
        refresher is set."""
        credentials = self.current(restrictions)
        if credentials is None:
            return None
        if credentials.mode is AuthMode.CHATGPT and self._is_stale(credentials):
            try:
                await self.refresh()
            except RefreshError as exc:
                log.warning("could not refresh the ChatGPT tokens: %s", exc)
            credentials = self.current(restrictions)
            if credentials is None:
                return None
        token = credentials.bearer_token
        mode = credentials.mode
        if token is None or mode is None:
            return None
        return RequestAuth(mode, token, credentials.account_id)

    def _is_stale(self, credentials: Credentials) -> bool:
        if self.refresher is None:
            return False
        if credentials.last_refresh is None:
            return True
        try:
            refreshed = datetime.fromisoformat(credentials.last_refresh)
        except ValueError:
            return True
        if refreshed.tzinfo is None:
            refreshed = refreshed.replace(tzinfo=UTC)
        return datetime.now(UTC) - refreshed > TOKEN_REFRESH_AGE

    # -- changing -------------------------------------------------------------------
    async def save(self, credentials: Credentials) -> None:
        """Save new credentials (replacing any others) and use them from now on."""
        for secret in credentials.secrets:
            register_secret(secret)
        async with self._changing:
            await anyio.to_thread.run_sync(self.store.save, credentials)
            self._credentials = credentials
            self._signature = self.store.signature()

    async def login_api_key(self, api_key: str) -> None:
        await self.save(Credentials(api_key=api_key))

    async def logout(self) -> bool:
        """Forget the saved credentials; whether there were any."""
        async with self._changing:
            removed = await anyio.to_thread.run_sync(self.store.delete)
            self._credentials = None
            self._signature = self.store.signature()
        return removed

    async def refresh(self) -> bool:
        """Renew the saved ChatGPT tokens; False when there are none to renew
        (signed out, or signed in with an API key, which does not expire).
        Raises `RefreshError` when they cannot be renewed."""
        credentials = self.stored()
        if credentials is None or credentials.mode is not AuthMode.CHATGPT:
            return False
        if self.refresher is None:
            raise RefreshError("this server cannot refresh ChatGPT tokens; sign in again")
        assert credentials.tokens is not None
        tokens = await self.refresher.refresh(credentials.tokens)
        await self.save(
            Credentials(tokens=tokens, last_refresh=format_timestamp(datetime.now(UTC)))
        )
        return True
