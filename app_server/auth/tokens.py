"""What the ChatGPT ID token says about the user.

The token is a JWT; its payload is read without checking the signature (the
daemon only shows these values, it never grants anything on their basis, so
the email is "alleged").
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Final

#: The claim (an object) where OpenAI puts the ChatGPT account details.
_AUTH_CLAIM: Final = "https://api.openai.com/auth"


class InvalidIdToken(ValueError):
    """The ID token is not a JWT with a JSON payload (the message never quotes it)."""


@dataclass(frozen=True)
class IdTokenClaims:
    email: str | None = None
    plan_type: str | None = None
    """The ChatGPT plan (``free``, ``plus``, ``pro``, ``team``...), as the token spells it."""
    account_id: str | None = None
    """The ChatGPT workspace (account) the token belongs to."""
    user_id: str | None = None


def _optional_str(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidIdToken(f"ID token claim `{name}` is not a string")
    return value


def parse_id_token(token: str) -> IdTokenClaims:
    """The claims of a JWT ``header.payload.signature`` (unverified)."""
    parts = token.split(".")
    if len(parts) < 3 or not all(parts[:3]):
        raise InvalidIdToken("invalid ID token format")
    payload = parts[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise InvalidIdToken(f"invalid ID token payload: {type(exc).__name__}") from None
    if not isinstance(claims, dict):
        raise InvalidIdToken("invalid ID token payload: not a JSON object")
    auth = claims.get(_AUTH_CLAIM)
    if auth is None:
        auth = {}
    if not isinstance(auth, dict):
        raise InvalidIdToken(f"ID token claim `{_AUTH_CLAIM}` is not an object")
    return IdTokenClaims(
        email=_optional_str(claims, "email"),
        plan_type=_optional_str(auth, "chatgpt_plan_type"),
        account_id=_optional_str(auth, "chatgpt_account_id"),
        user_id=_optional_str(auth, "chatgpt_user_id") or _optional_str(auth, "user_id"),
    )
