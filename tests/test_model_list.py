"""``model/list`` (v2: ``{data, nextCursor}``): the built-in models and the
reference's pagination."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.harness.inprocess import InProcessClient, in_process_daemon

pytestmark = pytest.mark.anyio

GPT_5_CODEX = {
    "id": "gpt-5-codex",
    "model": "gpt-5-codex",
    "upgrade": None,
    "upgradeInfo": None,
    "availabilityNux": None,
    "displayName": "gpt-5-codex",
    "description": "Optimized for coding tasks with many tools.",
    "hidden": False,
    "supportedReasoningEfforts": [
        {"reasoningEffort": "low", "description": "Fastest responses with limited reasoning"},
        {
            "reasoningEffort": "medium",
            "description": "Dynamically adjusts reasoning based on the task",
        },
        {
            "reasoningEffort": "high",
            "description": "Maximizes reasoning depth for complex or ambiguous problems",
        },
    ],
    "defaultReasoningEffort": "medium",
    "isDefault": True,
    "inputModalities": ["text", "image"],
    "supportsPersonality": False,
}


async def _ids(client: InProcessClient, params: dict[str, Any]) -> tuple[list[str], Any]:
    result = await client.call("model/list", params)
    return [item["id"] for item in result["data"]], result["nextCursor"]


async def test_the_built_in_list(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        result = await client.call("model/list", {})
        assert result["nextCursor"] is None  # the last page
        first, second = result["data"]
        assert first == GPT_5_CODEX
        assert second["id"] == "gpt-5" and second["isDefault"] is False
        efforts = [e["reasoningEffort"] for e in second["supportedReasoningEfforts"]]
        assert efforts == ["minimal", "low", "medium", "high"]
        assert second["defaultReasoningEffort"] == "medium"
        # Signing in changes nothing (as with the reference).
        await client.call("loginApiKey", {"apiKey": "sk-some-key-123"})
        assert (await client.call("model/list", {}))["data"] == result["data"]


async def test_pages(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        assert await _ids(client, {"limit": 1}) == (["gpt-5-codex"], "1")
        assert await _ids(client, {"limit": 1, "cursor": "1"}) == (["gpt-5"], None)
        assert await _ids(client, {"limit": 0}) == (["gpt-5-codex"], "1")  # at least one
        assert await _ids(client, {"cursor": "2"}) == ([], None)
        assert await _ids(client, {"cursor": "+1"}) == (["gpt-5"], None)
        assert await _ids(client, {"cursor": "01", "limit": 5}) == (["gpt-5"], None)
        assert await _ids(client, {"limit": 2**32 - 1}) == (["gpt-5-codex", "gpt-5"], None)
        assert await _ids(client, {"cursor": None, "limit": None}) == (
            ["gpt-5-codex", "gpt-5"],
            None,
        )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cursor": "abc"}, "invalid cursor: abc"),
        ({"cursor": ""}, "invalid cursor: "),
        ({"cursor": " 1"}, "invalid cursor:  1"),
        ({"cursor": "-1"}, "invalid cursor: -1"),
        ({"cursor": "\u0661"}, "invalid cursor: \u0661"),  # not an ASCII digit
        ({"cursor": "18446744073709551616"}, "invalid cursor: 18446744073709551616"),
        ({"cursor": "5"}, "cursor 5 exceeds total models 2"),
        ({"cursor": "+05"}, "cursor 5 exceeds total models 2"),
        ({"cursor": "18446744073709551615"}, "cursor 18446744073709551615 exceeds total models 2"),
    ],
)
async def test_bad_cursors(codex_home: Path, params: dict[str, Any], message: str) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        assert await client.call_error("model/list", params) == {"code": -32600, "message": message}


@pytest.mark.parametrize("params", [None, {"limit": -1}, {"limit": 1.5}, {"limit": 2**64}])
async def test_bad_params(codex_home: Path, params: Any) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        error = await client.call_error("model/list", params)
        assert error["code"] == -32600 and error["message"].startswith("Invalid request")
