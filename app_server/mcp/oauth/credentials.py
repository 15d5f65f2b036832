"""The OAuth credentials a running HTTP server connection uses: the stored
tokens, refreshed (and saved again) when the access token has expired or the
server refuses it."""

from __future__ import annotations

from dataclasses import replace

import anyio

from ...logs import log
from .discovery import AuthorizationServer, OAuthError, discover, http_client, request_tokens
from .store import REFRESH_MARGIN_SECONDS, StoredTokens, TokenStore, TokenStoreError


class OAuthCredentials:
    def __init__(self, tokens: StoredTokens, store: TokenStore) -> None:
        self.tokens = tokens
        self._store = store
        self._lock = anyio.Lock()
        self._server: AuthorizationServer | None = None
        self._margin = REFRESH_MARGIN_SECONDS
        """How long before expiry a token is refreshed: less for short-lived
        tokens, which would otherwise be refreshed at every request."""

    @property
    def can_refresh(self) -> bool:
        return bool(self.tokens.refresh_token)

    async def access_token(self) -> str:
        """A token to send now: refreshed first when it has expired."""
        tokens = self.tokens
        if tokens.needs_refresh(margin=self._margin) and tokens.refresh_token:
            refreshed = await self.refresh(tokens.access_token)
            if refreshed is not None:
                return refreshed
        return self.tokens.access_token

    async def refresh(self, stale: str) -> str | None:
        """A new access token in place of ``stale`` (None when it cannot be had).
        Concurrent callers share one refresh."""
        async with self._lock:
            if self.tokens.access_token != stale:
                return self.tokens.access_token
            current = self.tokens
            if not current.refresh_token:
                return None
            try:
                async with http_client() as client:
                    if self._server is None:
                        self._server = await discover(client, current.url)
                    response = await request_tokens(
                        client,
                        self._server,
                        {"grant_type": "refresh_token", "refresh_token": current.refresh_token},
                        current.client_id,
                        current.client_secret,
                    )
            except OAuthError as exc:
                log.warning(
                    "cannot refresh the OAuth tokens of MCP server `%s`: %s",
                    current.server_name,
                    exc,
                )
                return None
            if response.expires_in is not None:
                self._margin = min(REFRESH_MARGIN_SECONDS, response.expires_in / 2)
            self.tokens = replace(
                current,
                access_token=response.access_token,
                refresh_token=response.refresh_token or current.refresh_token,
                expires_at=StoredTokens.expiry_from(response.expires_in),
                scopes=response.scope.split() if response.scope else current.scopes,
            )
            try:
                await anyio.to_thread.run_sync(self._store.save, self.tokens)
            except TokenStoreError as exc:
                log.warning(
                    "the refreshed OAuth tokens of `%s` are not saved: %s", current.server_name, exc
                )
            return self.tokens.access_token
