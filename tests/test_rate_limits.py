"""``account/rateLimits/read``: the usage endpoint, mocked with respx in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import respx

from app_server.auth import RequestAuth
from app_server.backend import usage
from app_server.backend.models import RateLimitStatusPayload
from app_server.backend.usage import (
    UsageError,
    build_request,
    fetch_rate_limits,
    snapshot_from_payload,
    usage_url,
)
from app_server_protocol.common import AuthMode
from tests.auth_helpers import ACCESS_TOKEN, REFRESH_TOKEN, chatgpt_auth_json, write_auth_json
from tests.harness.inprocess import in_process_daemon
from tests.mock_model_server import default_usage_body

pytestmark = pytest.mark.anyio

BASE = "http://backend.test/backend-api/"
USAGE = "http://backend.test/backend-api/wham/usage"
CHATGPT_AUTH = RequestAuth(AuthMode.CHATGPT, "tok-123456", "acct-9")


def window(used: int, seconds: int, reset_at: int = 1_900_000_000) -> dict[str, Any]:
    return {
        "used_percent": used,
        "limit_window_seconds": seconds,
        "reset_after_seconds": 60,
        "reset_at": reset_at,
    }


def payload(**rate_limit: Any) -> dict[str, Any]:
    return {
        "plan_type": "pro",
        "rate_limit": {"allowed": True, "limit_reached": False, **rate_limit},
    }


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("https://chatgpt.com/backend-api/", "https://chatgpt.com/backend-api/wham/usage"),
        ("https://chatgpt.com", "https://chatgpt.com/backend-api/wham/usage"),
        ("http://127.0.0.1:8/backend-api//", "http://127.0.0.1:8/backend-api/wham/usage"),
        ("http://127.0.0.1:8", "http://127.0.0.1:8/api/codex/usage"),
        ("http://127.0.0.1:8/prefix/", "http://127.0.0.1:8/prefix/api/codex/usage"),
    ],
)
def test_usage_url(base: str, url: str) -> None:
    assert usage_url(base) == url


@pytest.mark.parametrize(
    ("seconds", "minutes"),
    [(0, None), (-60, None), (1, 1), (59, 1), (60, 1), (61, 2), (18000, 300), (604801, 10081)],
)
def test_window_minutes_are_rounded_up(seconds: int, minutes: int | None) -> None:
    data = payload(primary_window=window(12, seconds))
    snapshot = snapshot_from_payload(RateLimitStatusPayload.model_validate(data))
    assert snapshot.primary is not None
    assert (snapshot.primary.used_percent, snapshot.primary.window_minutes) == (12.0, minutes)
    assert snapshot.primary.resets_at == 1_900_000_000 and snapshot.secondary is None


async def test_request_and_mapping() -> None:
    request = build_request(BASE, CHATGPT_AUTH, "agent/1.0")
    with respx.mock() as router:
        route = router.get(USAGE).respond(json=default_usage_body())
        snapshot = await fetch_rate_limits(request)
    sent = route.calls.last.request
    assert sent.headers["authorization"] == "Bearer tok-123456"
    assert sent.headers["chatgpt-account-id"] == "acct-9"
    assert sent.headers["user-agent"] == "agent/1.0"
    assert snapshot.model_dump(mode="json") == {
        "limit_id": "codex",
        "limit_name": None,
        "primary": {"used_percent": 25.0, "window_minutes": 300, "resets_at": 1_900_000_000},
        "secondary": {"used_percent": 50.0, "window_minutes": 10080, "resets_at": 1_900_100_000},
        "credits": None,
        "plan_type": "plus",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"plan_type": "plus"},
        {"plan_type": "plus", "rate_limit": None},
        {"plan_type": "team", "rate_limit": {"allowed": True, "limit_reached": True}},
        # A plan the reference does not know yet, and keys it does not read.
        {"plan_type": "k12", "promo": {"balance": 3}, "rate_limit": None},
    ],
)
async def test_no_windows(body: dict[str, Any]) -> None:
    with respx.mock() as router:
        router.get(USAGE).respond(json=body)
        snapshot = await fetch_rate_limits(build_request(BASE, CHATGPT_AUTH, "a"))
    dumped = snapshot.model_dump(mode="json")
    assert (dumped["primary"], dumped["secondary"], dumped["limit_id"]) == (None, None, "codex")
    # a plan this version does not know is `unknown`
    assert dumped["plan_type"] == ("unknown" if body["plan_type"] == "k12" else body["plan_type"])


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (
            httpx.Response(401, json={"detail": "nope"}),
            f"failed to fetch codex rate limits: GET {USAGE} failed: 401 Unauthorized; "
            'content-type=application/json; body={"detail":"nope"}',
        ),
        (
            httpx.Response(500, text="err", headers={"content-type": "text/plain"}),
            f"failed to fetch codex rate limits: GET {USAGE} failed: 500 Internal Server Error; "
            "content-type=text/plain; body=err",
        ),
        (
            httpx.Response(200, text="oops not json", headers={"content-type": "text/plain"}),
            f"failed to fetch codex rate limits: Decode error for {USAGE}: expected value at "
            "line 1 column 1; content-type=text/plain; body=oops not json",
        ),
        (
            httpx.Response(200, json={}),
            f"failed to fetch codex rate limits: Decode error for {USAGE}: missing field "
            "`plan_type`; content-type=application/json; body={}",
        ),
        (
            httpx.Response(200, json=payload(primary_window=window(3, 60) | {"used_percent": 3.5})),
            f"failed to fetch codex rate limits: Decode error for {USAGE}: "
            "`rate_limit.primary_window.used_percent`: Input should be a valid integer",
        ),
        (
            httpx.Response(200, json=payload(primary_window={"used_percent": 1})),
            f"failed to fetch codex rate limits: Decode error for {USAGE}: missing field "
            "`limit_window_seconds` in `rate_limit.primary_window`; missing field",
        ),
        (
            httpx.Response(200, json=payload(primary_window=window(3, 60, reset_at=2**31))),
            f"failed to fetch codex rate limits: Decode error for {USAGE}: "
            "`rate_limit.primary_window.reset_at`: Input should be less than or equal to",
        ),
    ],
)
async def test_failures_are_clear_errors(response: httpx.Response, expected: str) -> None:
    with respx.mock() as router:
        router.get(USAGE).mock(return_value=response)
        with pytest.raises(UsageError) as caught:
            await fetch_rate_limits(build_request(BASE, CHATGPT_AUTH, "a"))
    assert str(caught.value).startswith(expected)
    assert "Traceback" not in str(caught.value)


async def test_long_bodies_are_cut_and_secrets_masked() -> None:
    body = "sk-" + "a" * 40 + " " + "x" * 5000
    with respx.mock() as router:
        router.get(USAGE).respond(503, text=body)
        with pytest.raises(UsageError) as caught:
            await fetch_rate_limits(build_request(BASE, CHATGPT_AUTH, "a"))
    message = str(caught.value)
    assert "sk-aaaa" not in message and len(message) < 1300 and "bytes)" in message


@pytest.mark.parametrize(
    ("side_effect", "reason"),
    [
        (httpx.ConnectError("Connection refused"), "Connection refused"),
        (httpx.ReadTimeout("slow"), "timed out"),
    ],
)
async def test_network_failures(side_effect: Exception, reason: str) -> None:
    with respx.mock() as router:
        router.get(USAGE).mock(side_effect=side_effect)
        with pytest.raises(UsageError) as caught:
            await fetch_rate_limits(build_request(BASE, CHATGPT_AUTH, "a"))
    assert str(caught.value) == (
        f"failed to fetch codex rate limits: error sending request for url ({USAGE}): {reason}"
    )


async def test_the_whole_request_is_bounded_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    async def trickle(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(30)  # each read in time, the answer never complete
        return httpx.Response(200)

    monkeypatch.setattr(usage, "TIMEOUT_S", 0.2)
    with respx.mock(assert_all_called=False) as router:
        router.get(USAGE).mock(side_effect=trickle)
        with pytest.raises(UsageError, match=r"\): timed out$"):
            await fetch_rate_limits(build_request(BASE, CHATGPT_AUTH, "a"))


# -- through the daemon -------------------------------------------------------------


def _config(codex_home: Path, base: str = BASE) -> None:
    (codex_home / "config.toml").write_text(f'chatgpt_base_url = "{base}"\n')


async def test_signed_out_and_api_key_answers(codex_home: Path) -> None:
    _config(codex_home)
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        assert await client.call_error("account/rateLimits/read") == {
            "code": -32600,
            "message": "codex account authentication required to read rate limits",
        }
        await client.call("loginApiKey", {"apiKey": "sk-key-1234567"})
        assert await client.call_error("account/rateLimits/read") == {
            "code": -32600,
            "message": "chatgpt authentication required to read rate limits",
        }


async def test_read_with_a_chatgpt_login(codex_home: Path) -> None:
    _config(codex_home)
    write_auth_json(codex_home, chatgpt_auth_json(account_id="acct-77"))
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        with respx.mock() as router:
            route = router.get(USAGE).respond(json=default_usage_body())
            result = await client.call("account/rateLimits/read")
            router.get(USAGE).respond(502, text="bad gateway")
            error = await client.call_error("account/rateLimits/read")
    limits = {
        "limitId": "codex",
        "limitName": None,
        "primary": {"usedPercent": 25, "windowDurationMins": 300, "resetsAt": 1_900_000_000},
        "secondary": {"usedPercent": 50, "windowDurationMins": 10080, "resetsAt": 1_900_100_000},
        "credits": None,
        "planType": "plus",
    }
    assert result == {"rateLimits": limits, "rateLimitsByLimitId": {"codex": limits}}
    sent = route.calls[0].request
    assert sent.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert sent.headers["chatgpt-account-id"] == "acct-77"
    assert sent.headers["user-agent"].endswith("(tests; 0.0.0)")
    assert error["code"] == -32603
    assert error["message"].startswith("failed to fetch codex rate limits: GET ")
    assert "502 Bad Gateway" in error["message"]


async def test_stale_tokens_are_refreshed_before_reading(codex_home: Path) -> None:
    _config(codex_home)
    write_auth_json(codex_home, chatgpt_auth_json(last_refresh="2020-01-01T00:00:00Z"))
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        with respx.mock() as router:
            token = router.post("http://127.0.0.1:9/oauth/token").respond(
                json={"access_token": "renewed-access-1234"}
            )
            usage = router.get(USAGE).respond(json=default_usage_body())
            await client.call("account/rateLimits/read")
            assert token.call_count == 1
            assert json.loads(token.calls[0].request.content) == {
                "client_id": "app_EMoamEEZ73f0CkXaXp7hrann",
                "grant_type": "refresh_token",
                "refresh_token": REFRESH_TOKEN,
                "scope": "openid profile email",
            }
            assert usage.calls[0].request.headers["authorization"] == "Bearer renewed-access-1234"
            saved = json.loads((codex_home / "auth.json").read_text())
            assert saved["tokens"]["access_token"] == "renewed-access-1234"
            assert saved["tokens"]["refresh_token"] == REFRESH_TOKEN  # not sent back: kept

            # A refresh that fails: the reference's message, as an internal error.
            write_auth_json(codex_home, chatgpt_auth_json(last_refresh="2020-01-01T00:00:00Z"))
            token.respond(401, json={"error": "invalid_grant"})
            error = await client.call_error("account/rateLimits/read")
    assert error == {
        "code": -32603,
        "message": "failed to construct backend client: Failed to refresh token: 401 Unauthorized",
    }


async def test_credits_and_additional_limits_as_the_reference_gives_them(
    codex_home: Path,
) -> None:
    """The answer the reference (0.107.0) gives for this usage body, key for key."""
    _config(codex_home)
    write_auth_json(codex_home, chatgpt_auth_json(account_id="acct-77"))
    body = default_usage_body()
    body["plan_type"] = "pro"
    body["credits"] = {"has_credits": True, "unlimited": False, "balance": "12.5"}
    spark_window = {
        "used_percent": 10,
        "limit_window_seconds": 18000,
        "reset_after_seconds": 10,
        "reset_at": 1_900_000_100,
    }
    body["additional_rate_limits"] = [
        {
            "limit_name": "GPT-5.3-Codex-Spark",
            "metered_feature": "codex_bengalfox",
            "rate_limit": {
                "allowed": True,
                "limit_reached": False,
                "primary_window": spark_window,
                "secondary_window": None,
            },
        }
    ]
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        with respx.mock() as router:
            router.get(USAGE).respond(json=body)
            result = await client.call("account/rateLimits/read")
    codex = {
        "limitId": "codex",
        "limitName": None,
        "primary": {"usedPercent": 25, "windowDurationMins": 300, "resetsAt": 1_900_000_000},
        "secondary": {"usedPercent": 50, "windowDurationMins": 10080, "resetsAt": 1_900_100_000},
        "credits": {"hasCredits": True, "unlimited": False, "balance": "12.5"},
        "planType": "pro",
    }
    spark = {
        "limitId": "codex_bengalfox",
        "limitName": "GPT-5.3-Codex-Spark",
        "primary": {"usedPercent": 10, "windowDurationMins": 300, "resetsAt": 1_900_000_100},
        "secondary": None,
        "credits": None,
        "planType": "pro",
    }
    assert result == {
        "rateLimits": codex,
        "rateLimitsByLimitId": {"codex_bengalfox": spark, "codex": codex},
    }
    assert list(result["rateLimitsByLimitId"]) == ["codex_bengalfox", "codex"]
