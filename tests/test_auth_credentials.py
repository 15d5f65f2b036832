"""`auth.json` (the reference's layout, byte for byte), ID token claims, login restrictions."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app_server.auth import ChatGptTokens, Credentials, InvalidCredentials, LoginRestrictions
from app_server.auth.credentials import format_timestamp
from app_server.auth.tokens import InvalidIdToken, parse_id_token
from app_server_protocol.common import AuthMode, ForcedLoginMethod
from tests.auth_helpers import ACCESS_TOKEN, REFRESH_TOKEN, chatgpt_auth_json, id_token, make_jwt


def test_an_api_key_is_written_as_the_reference_writes_it() -> None:
    assert Credentials(api_key="sk-test").to_json() == b'{\n  "OPENAI_API_KEY": "sk-test"\n}'
    assert Credentials(api_key="").to_json() == b'{\n  "OPENAI_API_KEY": ""\n}'


def test_chatgpt_tokens_are_written_in_the_reference_layout() -> None:
    jwt = id_token()
    tokens = ChatGptTokens.create(jwt, "acc", "ref", None)
    data = Credentials(tokens=tokens, last_refresh="2025-10-22T10:05:17.305273Z").to_json()
    assert data == (
        b"{\n"
        b'  "OPENAI_API_KEY": null,\n'
        b'  "tokens": {\n'
        b'    "id_token": "' + jwt.encode() + b'",\n'
        b'    "access_token": "acc",\n'
        b'    "refresh_token": "ref",\n'
        b'    "account_id": null\n'
        b"  },\n"
        b'  "last_refresh": "2025-10-22T10:05:17.305273Z"\n'
        b"}"
    )


def test_non_ascii_is_written_as_is() -> None:
    assert Credentials(api_key="clé").to_json() == '{\n  "OPENAI_API_KEY": "clé"\n}'.encode()


def test_reading_round_trips() -> None:
    document = chatgpt_auth_json()
    credentials = Credentials.from_json(json.dumps(document, indent=2).encode())
    assert credentials.mode is AuthMode.CHATGPT
    assert credentials.bearer_token == ACCESS_TOKEN
    assert credentials.account_id == "acct-123"
    assert credentials.email == "user@example.com"
    assert credentials.tokens is not None and credentials.tokens.claims.plan_type == "pro"
    assert json.loads(credentials.to_json()) == document
    assert set(credentials.secrets) >= {ACCESS_TOKEN, REFRESH_TOKEN}


def test_an_api_key_wins_over_tokens_but_the_email_still_shows() -> None:
    credentials = Credentials.from_json(json.dumps(chatgpt_auth_json(api_key="sk-x")).encode())
    assert credentials.mode is AuthMode.API_KEY
    assert credentials.bearer_token == "sk-x"
    assert credentials.account_id is None
    assert credentials.email == "user@example.com"


@pytest.mark.parametrize("text", ["{}", '{"OPENAI_API_KEY": null}', '{"tokens": null, "x": 1}'])
def test_files_without_credentials_mean_signed_out(text: str) -> None:
    assert Credentials.from_json(text.encode()).mode is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("garbage", "not valid JSON"),
        ("[]", "not a JSON object"),
        ('{"OPENAI_API_KEY": 5}', "`OPENAI_API_KEY` must be a string"),
        ('{"tokens": []}', "`tokens` must be an object"),
        (
            '{"tokens": {"id_token": "a.b.c", "access_token": "x", "refresh_token": "y"}}',
            "`tokens.id_token`: invalid ID token payload",
        ),
        (
            json.dumps({"tokens": {"id_token": make_jwt({}), "access_token": "x"}}),
            "`tokens.refresh_token` is missing",
        ),
        ('{"OPENAI_API_KEY": "k", "last_refresh": "yesterday"}', "`last_refresh`"),
    ],
)
def test_unusable_files_are_errors_that_quote_no_secret(text: str, reason: str) -> None:
    with pytest.raises(InvalidCredentials, match=reason) as caught:
        Credentials.from_json(text.encode())
    assert "a.b.c" not in str(caught.value)


def test_id_token_claims() -> None:
    claims = parse_id_token(id_token(email="a@b.c", plan="plus", account_id="ws"))
    assert (claims.email, claims.plan_type, claims.account_id) == ("a@b.c", "plus", "ws")
    bare = parse_id_token(make_jwt({"sub": "1"}))
    assert (bare.email, bare.plan_type, bare.account_id) == (None, None, None)
    user = parse_id_token(make_jwt({"https://api.openai.com/auth": {"user_id": "u"}}))
    assert user.user_id == "u"


@pytest.mark.parametrize("token", ["", "a.b", "..", "a.!!!.c", f"a.{'x' * 8}.c"])
def test_malformed_id_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvalidIdToken):
        parse_id_token(token)


def test_timestamps_are_written_as_chrono_writes_them() -> None:
    moment = datetime(2025, 10, 22, 10, 5, 17, tzinfo=UTC)
    assert format_timestamp(moment) == "2025-10-22T10:05:17Z"
    assert format_timestamp(moment.replace(microsecond=305000)) == "2025-10-22T10:05:17.305Z"
    assert format_timestamp(moment.replace(microsecond=305273)) == "2025-10-22T10:05:17.305273Z"


def test_chrono_nanosecond_timestamps_are_accepted() -> None:
    text = '{"OPENAI_API_KEY": "k", "last_refresh": "2025-10-22T10:05:17.305273123Z"}'
    assert Credentials.from_json(text.encode()).last_refresh == "2025-10-22T10:05:17.305273123Z"


def test_login_restrictions() -> None:
    api_key = Credentials(api_key="k")
    chatgpt = Credentials.from_json(json.dumps(chatgpt_auth_json(account_id="ws-1")).encode())
    no_workspace = Credentials.from_json(json.dumps(chatgpt_auth_json(account_id=None)).encode())

    anything = LoginRestrictions()
    assert anything.violation(api_key) is None and anything.violation(chatgpt) is None
    assert anything.login_refusal(AuthMode.API_KEY) is None

    chatgpt_only = LoginRestrictions(method=ForcedLoginMethod.CHATGPT)
    assert chatgpt_only.login_refusal(AuthMode.API_KEY) == (
        "API key login is disabled. Use ChatGPT login instead."
    )
    assert chatgpt_only.violation(api_key) is not None
    assert chatgpt_only.violation(chatgpt) is None

    api_only = LoginRestrictions(method=ForcedLoginMethod.API)
    assert api_only.login_refusal(AuthMode.CHATGPT) == (
        "ChatGPT login is disabled. Use API key login instead."
    )
    assert api_only.violation(chatgpt) is not None

    workspace = LoginRestrictions(workspace_id="ws-1")
    assert workspace.violation(chatgpt) is None
    assert workspace.violation(api_key) is None
    other = LoginRestrictions(workspace_id="ws-2").violation(chatgpt) or ""
    assert "restricted to workspace ws-2" in other and "belongs to ws-1" in other
    assert "no workspace" in (workspace.violation(no_workspace) or "")
