"""The texts of model errors (checked against the reference binary)."""

from __future__ import annotations

import pytest

from app_server.logs import register_secret
from app_server.model_client.errors import (
    ConnectionFailed,
    ContextWindowExceeded,
    InternalServerError,
    MissingEnvVar,
    RetryLimitReached,
    UnexpectedStatus,
    UsageLimitReached,
    reset_duration,
    status_text,
    stream_read_failed,
    usage_limit_message,
)


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (400, "400 Bad Request"),
        (401, "401 Unauthorized"),
        (413, "413 Payload Too Large"),
        (416, "416 Range Not Satisfiable"),
        (422, "422 Unprocessable Entity"),
        (429, "429 Too Many Requests"),
        (500, "500 Internal Server Error"),
        (503, "503 Service Unavailable"),
        (599, "599 <unknown status code>"),
    ],
)
def test_status_text(status: int, text: str) -> None:
    assert status_text(status) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "less than a minute"),
        (59, "less than a minute"),
        (60, "1 minute"),
        (3599, "59 minutes"),
        (3725, "1 hour 2 minutes"),
        (7199, "1 hour 59 minutes"),
        (7200, "2 hours"),
        (86_400 + 59 * 60, "1 day 59 minutes"),
        (2 * 86_400 + 3 * 3600 + 60, "2 days 3 hours 1 minute"),
    ],
)
def test_reset_duration(seconds: int, text: str) -> None:
    assert reset_duration(seconds) == text


@pytest.mark.parametrize(
    ("plan", "resets_in", "text"),
    [
        (
            "plus",
            3725,
            "You've hit your usage limit. Upgrade to Pro (https://openai.com/chatgpt/pricing) "
            "or try again in 1 hour 2 minutes.",
        ),
        (
            "plus",
            None,
            "You've hit your usage limit. Upgrade to Pro (https://openai.com/chatgpt/pricing) "
            "or try again later.",
        ),
        (
            "team",
            86_400 + 59 * 60,
            "You've hit your usage limit. To get more access now, send a request to your admin "
            "or try again in 1 day 59 minutes.",
        ),
        (
            "business",
            59 * 60,
            "You've hit your usage limit. To get more access now, send a request to your admin "
            "or try again in 59 minutes.",
        ),
        (
            "free",
            30,
            "You've hit your usage limit. Upgrade to Plus to continue using Codex "
            "(https://openai.com/chatgpt/pricing).",
        ),
        ("pro", 30, "You've hit your usage limit. Try again in less than a minute."),
        ("enterprise", 7199, "You've hit your usage limit. Try again in 1 hour 59 minutes."),
        ("weird", 172_920, "You've hit your usage limit. Try again in 2 days 2 minutes."),
        (None, None, "You've hit your usage limit. Try again later."),
    ],
)
def test_usage_limit_messages(plan: str | None, resets_in: int | None, text: str) -> None:
    assert usage_limit_message(plan, resets_in) == text
    assert str(UsageLimitReached(plan, resets_in, None)) == text


def test_fixed_texts() -> None:
    assert str(InternalServerError()) == (
        "We're currently experiencing high demand, which may cause temporary errors."
    )
    assert str(ContextWindowExceeded()).startswith("Codex ran out of room")
    assert str(MissingEnvVar("MOCK_KEY")) == "Missing environment variable: `MOCK_KEY`."
    assert str(RetryLimitReached(429)) == "exceeded retry limit, last status: 429 Too Many Requests"
    assert str(RetryLimitReached(401, "r1")) == (
        "exceeded retry limit, last status: 401 Unauthorized, request id: r1"
    )
    assert str(stream_read_failed(None)) == (
        "stream disconnected before completion: Transport error: Error while reading the "
        "server response: error decoding response body"
    )


def test_which_errors_retrying_may_fix() -> None:
    assert not ContextWindowExceeded().retry_turn
    assert not UsageLimitReached(None, None, None).retry_turn
    assert not MissingEnvVar("X").retry_turn
    assert InternalServerError().retry_turn
    assert UnexpectedStatus(400, "").retry_turn
    assert ConnectionFailed("http://x").retry_turn


def test_known_secrets_are_masked_in_messages() -> None:
    register_secret("my-secret-token-value")
    error = UnexpectedStatus(401, "bad token my-secret-token-value; also Bearer abcdefghijkl")
    assert "my-secret-token-value" not in str(error)
    assert "abcdefghijkl" not in str(error)
    url = ConnectionFailed("http://x.test/v1/responses?key=my-secret-token-value")
    assert "my-secret-token-value" not in str(url)
