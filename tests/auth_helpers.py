"""Fake ChatGPT credentials for tests (unsigned JWTs; nothing here is a real secret)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(claims: dict[str, Any]) -> str:
    header = _b64(b'{"alg":"none","typ":"JWT"}')
    return f"{header}.{_b64(json.dumps(claims).encode())}.{_b64(b'signature')}"


def id_token(
    email: str | None = "user@example.com",
    plan: str | None = "pro",
    account_id: str | None = "acct-123",
) -> str:
    auth: dict[str, Any] = {}
    if plan is not None:
        auth["chatgpt_plan_type"] = plan
    if account_id is not None:
        auth["chatgpt_account_id"] = account_id
    claims: dict[str, Any] = {"https://api.openai.com/auth": auth}
    if email is not None:
        claims["email"] = email
    return make_jwt(claims)


#: Stands for "now" as a default ``last_refresh``.
FRESH: Final = "<now>"

ACCESS_TOKEN = "access-token-for-tests-0123456789"
REFRESH_TOKEN = "refresh-token-for-tests-0123456789"


def chatgpt_auth_json(
    *,
    email: str | None = "user@example.com",
    account_id: str | None = "acct-123",
    api_key: str | None = None,
    last_refresh: str | None = FRESH,
) -> dict[str, Any]:
    """An auth.json document; ``last_refresh`` defaults to now (tokens that
    need no refresh)."""
    if last_refresh is FRESH:
        last_refresh = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    document: dict[str, Any] = {
        "OPENAI_API_KEY": api_key,
        "tokens": {
            "id_token": id_token(email=email, account_id=account_id),
            "access_token": ACCESS_TOKEN,
            "refresh_token": REFRESH_TOKEN,
            "account_id": account_id,
        },
    }
    if last_refresh is not None:
        document["last_refresh"] = last_refresh
    return document


def write_auth_json(codex_home: Path, document: dict[str, Any]) -> Path:
    path = codex_home / "auth.json"
    path.write_text(json.dumps(document, indent=2))
    path.chmod(0o600)
    return path
