"""Where the model client gets its credentials from.

The auth service implements `CredentialsSource`; the model client asks it for
the current credentials before every attempt (a refresh between attempts is
picked up), and once per request, after a 401, asks it to refresh them.

A provider with an ``env_key`` uses that variable's value instead; a Chat
Completions provider uses nothing else (as the reference does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from app_server_protocol.common import AuthMode


@dataclass(frozen=True, slots=True)
class Credentials:
    """What authorizes a request."""

    bearer_token: str = field(repr=False)
    """An API key, or a ChatGPT access token."""
    mode: AuthMode = AuthMode.API_KEY
    account_id: str | None = None
    """The ChatGPT account (sent as ``chatgpt-account-id`` in ChatGPT mode)."""
    plan_type: str | None = None
    """The ChatGPT plan (``plus``, ``pro``, ...), for the usage-limit message."""

    @property
    def is_chatgpt(self) -> bool:
        return self.mode == AuthMode.CHATGPT


class CredentialsSource(Protocol):
    """The auth service, as the model client sees it."""

    async def current(self) -> Credentials | None:
        """The credentials to use now; None when the user is not logged in."""
        ...

    async def refresh(self) -> bool:
        """The provider answered 401: refresh the credentials if possible.

        Return True when new credentials are available (the request is sent
        again at once), False when there is nothing to refresh (API keys).
        Raise `AuthRefreshFailed` (a `ModelError`) with a message for the
        user when refreshing failed."""
        ...


class StaticCredentials:
    """A `CredentialsSource` with fixed credentials (tests, one-off tools)."""

    def __init__(self, credentials: Credentials | None) -> None:
        self._credentials = credentials

    async def current(self) -> Credentials | None:
        return self._credentials

    async def refresh(self) -> bool:
        return False
