"""The saved credentials and their `auth.json` form.

The file layout is the reference's, byte for byte: 2-space indented JSON
without a trailing newline; ``OPENAI_API_KEY`` is always written (``null``
for a ChatGPT login), ``tokens`` and ``last_refresh`` only when set, and the
tokens object always has its four keys (``account_id`` may be ``null``)::

    {
      "OPENAI_API_KEY": null,
      "tokens": {
        "id_token": "<JWT>",
        "access_token": "<JWT>",
        "refresh_token": "...",
        "account_id": "..."
      },
      "last_refresh": "2025-10-22T10:05:17.305273Z"
    }

An API key in the file wins over tokens (the reference does the same).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app_server_protocol.common import AuthMode

from .tokens import IdTokenClaims, InvalidIdToken, parse_id_token


class InvalidCredentials(ValueError):
    """`auth.json` cannot be used; the message says why and never quotes a secret."""


class RefreshError(Exception):
    """Tokens could not be refreshed; the message is safe to show."""


@dataclass(frozen=True)
class ChatGptTokens:
    """The tokens of a ChatGPT sign-in."""

    id_token: str
    access_token: str
    refresh_token: str
    account_id: str | None = None
    claims: IdTokenClaims = field(default_factory=IdTokenClaims, compare=False)
    """What `id_token` says (parsed once, unverified)."""

    @classmethod
    def create(
        cls, id_token: str, access_token: str, refresh_token: str, account_id: str | None = None
    ) -> ChatGptTokens:
        """Tokens with their ID token's claims parsed (raises `InvalidIdToken`)."""
        return cls(id_token, access_token, refresh_token, account_id, parse_id_token(id_token))

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.id_token, self.access_token, self.refresh_token)


@dataclass(frozen=True)
class Credentials:
    """The content of `auth.json`."""

    api_key: str | None = None
    tokens: ChatGptTokens | None = None
    last_refresh: str | None = None
    """When the tokens were last refreshed (RFC 3339, UTC), as written."""
    external: bool = False
    """ChatGPT tokens the client supplied and refreshes (never saved)."""

    @property
    def mode(self) -> AuthMode | None:
        """How these credentials sign in; None when they hold nothing usable."""
        if self.api_key is not None:
            return AuthMode.API_KEY
        if self.tokens is not None:
            return AuthMode.CHATGPT
        return None

    @property
    def reported_mode(self) -> AuthMode | None:
        """The mode as the client is told it (client-supplied tokens are
        ``chatgptAuthTokens``; they work as a ChatGPT sign-in otherwise)."""
        if self.external and self.mode is AuthMode.CHATGPT:
            return AuthMode.CHATGPT_AUTH_TOKENS
        return self.mode

    @property
    def bearer_token(self) -> str | None:
        """What model requests send as ``Authorization: Bearer``."""
        if self.api_key is not None:
            return self.api_key
        if self.tokens is not None:
            return self.tokens.access_token
        return None

    @property
    def account_id(self) -> str | None:
        """The ChatGPT account the requests are made for (None with an API key)."""
        if self.mode is AuthMode.CHATGPT and self.tokens is not None:
            return self.tokens.account_id
        return None

    @property
    def email(self) -> str | None:
        """The email the ID token claims (unverified), whatever the mode."""
        return self.tokens.claims.email if self.tokens is not None else None

    @property
    def plan_type(self) -> str | None:
        """The ChatGPT plan the ID token claims, whatever the mode."""
        return self.tokens.claims.plan_type if self.tokens is not None else None

    @property
    def secrets(self) -> tuple[str, ...]:
        found = (self.api_key,) if self.api_key else ()
        return found + (self.tokens.secrets if self.tokens is not None else ())

    # -- auth.json ------------------------------------------------------------
    def to_json(self, *, compact: bool = False) -> bytes:
        """The `auth.json` document; ``compact``: on one line (the keyring's form)."""
        document: dict[str, Any] = {"OPENAI_API_KEY": self.api_key}
        if self.tokens is not None:
            document["tokens"] = {
                "id_token": self.tokens.id_token,
                "access_token": self.tokens.access_token,
                "refresh_token": self.tokens.refresh_token,
                "account_id": self.tokens.account_id,
            }
        if self.last_refresh is not None:
            document["last_refresh"] = self.last_refresh
        if compact:
            return json.dumps(document, separators=(",", ":")).encode()
        return json.dumps(document, indent=2, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Credentials:
        """Parse `auth.json`; unknown keys are ignored, wrong types are errors."""
        try:
            document = json.loads(data)
        except ValueError as exc:
            raise InvalidCredentials(f"not valid JSON ({_position(exc)})") from None
        if not isinstance(document, dict):
            raise InvalidCredentials("not a JSON object")
        api_key = _optional_str(document, "OPENAI_API_KEY")
        tokens = document.get("tokens")
        last_refresh = _optional_str(document, "last_refresh")
        if last_refresh is not None:
            _check_timestamp(last_refresh)
        return cls(api_key, _parse_tokens(tokens) if tokens is not None else None, last_refresh)


def _position(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
    return type(exc).__name__


def _optional_str(table: dict[str, Any], key: str, where: str = "") -> str | None:
    value = table.get(key)
    if value is None or isinstance(value, str):
        return value
    raise InvalidCredentials(f"`{where}{key}` must be a string")


def _required_str(table: dict[str, Any], key: str, where: str) -> str:
    value = _optional_str(table, key, where)
    if value is None:
        raise InvalidCredentials(f"`{where}{key}` is missing")
    return value


def _parse_tokens(value: Any) -> ChatGptTokens:
    if not isinstance(value, dict):
        raise InvalidCredentials("`tokens` must be an object")
    where = "tokens."
    try:
        return ChatGptTokens.create(
            id_token=_required_str(value, "id_token", where),
            access_token=_required_str(value, "access_token", where),
            refresh_token=_required_str(value, "refresh_token", where),
            account_id=_optional_str(value, "account_id", where),
        )
    except InvalidIdToken as exc:
        raise InvalidCredentials(f"`tokens.id_token`: {exc}") from None


def _check_timestamp(text: str) -> None:
    try:
        datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise InvalidCredentials("`last_refresh` is not an RFC 3339 timestamp") from None


def format_timestamp(moment: datetime) -> str:
    """``moment`` in UTC as the reference writes it: RFC 3339, ``Z``, with 0, 3
    or 6 fractional digits (as many as needed)."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    micros = moment.microsecond
    if micros % 1000:
        text += f".{micros:06d}"
    elif micros:
        text += f".{micros // 1000:03d}"
    return text + "Z"
