"""The current credentials, in memory, for everything that needs them.

The manager reads the store once and then only again when the store's
`signature` changes (another process signed in or out, or the user edited
`auth.json`): checking costs one ``stat`` for the file store, so handlers can
ask on every request. Reading happens in a worker thread (the keyring may
block). Changes the daemon makes itself go through the manager, one at a
time, and update the cache directly.

Saved credentials that the administrator's `LoginRestrictions` forbid are
not used: the daemon behaves as if signed out (and says why in the log) but
leaves them alone, so that fixing the configuration brings them back.

ChatGPT tokens are renewed by a `TokenRefresher`: before use when they are
older than `TOKEN_REFRESH_AGE` (the reference's 28 days), and when asked
(`getAuthStatus {refreshToken: true}`, a 401 from the model provider).
Refreshes asked for while one is under way wait for it and share its outcome.
Without a refresher, ChatGPT tokens are used as saved.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Final, Protocol

import anyio

from app_server_protocol.common import AuthMode

from ..logs import log, register_secret
from .credentials import (
    ChatGptTokens,
    Credentials,
    InvalidCredentials,
    RefreshError,
    format_timestamp,
)
from .file_store import CredentialStore
from .restrictions import LoginRestrictions

#: ChatGPT tokens older than this are refreshed before use (when a refresher is set).
TOKEN_REFRESH_AGE: Final = timedelta(days=28)

_UNREAD: Final = object()


class NotCached(Enum):
    NOT_CACHED = "not cached"


#: What `AuthManager.cached` answers when the credentials must be read first.
NOT_CACHED: Final = NotCached.NOT_CACHED


class TokenRefresher(Protocol):
    """Renews ChatGPT tokens with the identity provider."""

    async def refresh(self, tokens: ChatGptTokens) -> ChatGptTokens:
        """New tokens for ``tokens``; raises `RefreshError` when that fails."""
        ...


#: Asks the client for fresh tokens in place of the ones it supplied, given the
#: account they were for; raises `RefreshError` when it cannot.
ExternalRefresher = Callable[[str | None], Awaitable[Credentials]]


@dataclass(frozen=True)
class RequestAuth:
    """What a request to OpenAI needs to authenticate."""

    mode: AuthMode
    bearer_token: str = field(repr=False)
    account_id: str | None
    """Sent as ``chatgpt-account-id`` with a ChatGPT sign-in."""
    plan_type: str | None = None
    """The ChatGPT plan the ID token claims."""


@dataclass
class _Flight:
    """One refresh under way, and its outcome for those who waited for it."""

    done: anyio.Event = field(default_factory=anyio.Event)
    refreshed: bool = False
    error: RefreshError | None = None


class AuthManager:
    def __init__(self, store: CredentialStore, refresher: TokenRefresher | None = None) -> None:
        self.store = store
        self.refresher = refresher
        self._signature: object = _UNREAD
        self._credentials: Credentials | None = None
        self._warned: set[tuple[object, str]] = set()
        self._changing = anyio.Lock()
        self._flight: _Flight | None = None
        self._external: Credentials | None = None
        """Tokens the client supplied (v2 `chatgptAuthTokens`): in use instead
        of the saved credentials until another sign-in or a sign-out."""
        self._external_refresher: ExternalRefresher | None = None

    # -- reading ------------------------------------------------------------------
    def cached(self) -> Credentials | NotCached | None:
        """The saved credentials if the cache is current (one cheap signature
        check, no I/O beyond it), else `NOT_CACHED`: then await `stored`."""
        if self._external is not None:
            return self._external
        if self.store.signature() == self._signature:
            return self._credentials
        return NOT_CACHED

    async def stored(self) -> Credentials | None:
        """The saved credentials (read again if they changed since last time),
        or the tokens the client supplied."""
        if self._external is not None:
            return self._external
        if self.store.signature() == self._signature:
            return self._credentials
        async with self._changing:
            signature = self.store.signature()
            if signature != self._signature:
                self._credentials = await anyio.to_thread.run_sync(self._load)
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

    async def current(self, restrictions: LoginRestrictions) -> Credentials | None:
        """The credentials to use: None when signed out, or when the saved ones
        are not allowed by ``restrictions``."""
        credentials = await self.stored()
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

    async def mode(self, restrictions: LoginRestrictions) -> AuthMode | None:
        """The mode in use, as the client is told it."""
        credentials = await self.current(restrictions)
        return credentials.reported_mode if credentials is not None else None

    async def usable(self, restrictions: LoginRestrictions) -> Credentials | None:
        """`current`, with ChatGPT tokens refreshed first when they are stale.

        Raises `RefreshError` when stale tokens cannot be refreshed (the
        reference then treats the user as signed out)."""
        credentials = await self.current(restrictions)
        if credentials is None or credentials.mode is not AuthMode.CHATGPT:
            return credentials
        if not self._is_stale(credentials):
            return credentials
        await self.refresh()
        return await self.current(restrictions)

    async def request_auth(
        self, restrictions: LoginRestrictions, *, strict: bool = False
    ) -> RequestAuth | None:
        """The bearer token (and ChatGPT account) for a request; None when
        signed out. Stale ChatGPT tokens are refreshed first; when that fails,
        ``strict`` raises the `RefreshError`, otherwise the saved tokens are
        used as they are (they may still be accepted; a 401 then asks for a
        refresh again, whose failure the caller reports)."""
        try:
            credentials = await self.usable(restrictions)
        except RefreshError as exc:
            if strict:
                raise
            log.warning("using the saved ChatGPT tokens, which could not be refreshed: %s", exc)
            credentials = await self.current(restrictions)
        if credentials is None:
            return None
        token = credentials.bearer_token
        mode = credentials.mode
        if token is None or mode is None:
            return None
        return RequestAuth(mode, token, credentials.account_id, credentials.plan_type)

    def _is_stale(self, credentials: Credentials) -> bool:
        if credentials.external:
            return False  # the client refreshes them when a request is refused
        if self.refresher is None:
            return False
        if credentials.last_refresh is None:
            return True
        try:
            refreshed = datetime.fromisoformat(credentials.last_refresh.replace("z", "Z"))
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
            self._forget_external()

    async def use_external(self, credentials: Credentials, refresher: ExternalRefresher) -> None:
        """Use tokens the client supplied (kept in memory, never saved) until
        another sign-in or a sign-out; ``refresher`` asks it for new ones."""
        for secret in credentials.secrets:
            register_secret(secret)
        async with self._changing:
            self._external = credentials
            self._external_refresher = refresher

    def _forget_external(self) -> None:
        self._external = None
        self._external_refresher = None

    async def login_api_key(self, api_key: str) -> None:
        await self.save(Credentials(api_key=api_key))

    async def logout(self) -> bool:
        """Forget the saved credentials; whether there were any."""
        async with self._changing:
            had_external = self._external is not None
            self._forget_external()
            removed = await anyio.to_thread.run_sync(self.store.delete)
            self._credentials = None
            self._signature = self.store.signature()
        return removed or had_external

    async def refresh(self) -> bool:
        """Renew the saved ChatGPT tokens; False when there are none to renew
        (signed out, or signed in with an API key, which does not expire).
        Raises `RefreshError` when they cannot be renewed. While a refresh is
        under way, callers wait for it and get its outcome."""
        flight = self._flight
        if flight is not None:
            await flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.refreshed
        flight = self._flight = _Flight()
        try:
            flight.refreshed = await self._refresh_now()
        except RefreshError as exc:
            flight.error = exc
            raise
        except BaseException:
            flight.error = RefreshError("the token refresh was interrupted")
            raise
        finally:
            self._flight = None
            flight.done.set()
        return flight.refreshed

    async def _refresh_now(self) -> bool:
        credentials = await self.stored()
        if credentials is None or credentials.mode is not AuthMode.CHATGPT:
            return False
        if credentials.external:
            return await self._refresh_external(credentials)
        if self.refresher is None:
            raise RefreshError("this server cannot refresh ChatGPT tokens; sign in again")
        assert credentials.tokens is not None
        log.info("refreshing the ChatGPT tokens")
        tokens = await self.refresher.refresh(credentials.tokens)
        refreshed = Credentials(
            api_key=credentials.api_key,
            tokens=tokens,
            last_refresh=format_timestamp(datetime.now(UTC)),
        )
        try:
            await self.save(refreshed)
        except OSError as exc:
            raise RefreshError(
                f"failed to save the refreshed tokens in {self.store.description}: "
                f"{exc.strerror or exc}"
            ) from None
        return True

    async def _refresh_external(self, credentials: Credentials) -> bool:
        refresher = self._external_refresher
        if refresher is None:
            raise RefreshError("the client supplied these tokens and cannot refresh them")
        log.info("asking the client for fresh ChatGPT tokens")
        fresh = await refresher(credentials.account_id)
        for secret in fresh.secrets:
            register_secret(secret)
        async with self._changing:
            if self._external is credentials:  # not replaced meanwhile
                self._external = fresh
        return True


class OAuthTokenRefresher:
    """The identity provider's refresh (`oauth.refresh_tokens`), imported at
    the first refresh so that start-up stays light."""

    async def refresh(self, tokens: ChatGptTokens) -> ChatGptTokens:
        from .oauth import OAuthSettings, refresh_tokens

        return await refresh_tokens(OAuthSettings.from_env(), tokens)
