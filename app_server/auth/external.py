"""ChatGPT tokens the client supplies (v2 ``chatgptAuthTokens``): an access
token (a JWT whose claims name the user and the plan), the workspace it is
for, and optionally the plan. They live in memory only; when the backend
refuses them the client is asked for new ones
(``account/chatgptAuthTokens/refresh``)."""

from __future__ import annotations

import dataclasses

from .credentials import ChatGptTokens, Credentials
from .tokens import parse_id_token


def external_credentials(access_token: str, account_id: str, plan_type: str | None) -> Credentials:
    """The credentials for client-supplied tokens; raises `InvalidIdToken`
    when the access token is not a JWT with a JSON payload."""
    claims = parse_id_token(access_token)
    if plan_type is not None:
        claims = dataclasses.replace(claims, plan_type=plan_type)
    tokens = ChatGptTokens(
        id_token=access_token,
        access_token=access_token,
        refresh_token="",
        account_id=account_id,
        claims=claims,
    )
    return Credentials(tokens=tokens, external=True)
