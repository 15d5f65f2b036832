"""``model/list`` (v2: ``{data, nextCursor}``): Codex 0.107.0's built-in
models and the reference's pagination."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.harness.inprocess import InProcessClient, in_process_daemon

pytestmark = pytest.mark.anyio

#: The reference's visible list (Codex 0.107.0), in its order.
VISIBLE = ["gpt-5.3-codex", "gpt-5.2-codex", "gpt-5.1-codex-max", "gpt-5.2", "gpt-5.1-codex-mini"]
DEFAULT = {
    "id": "gpt-5.3-codex",
    "model": "gpt-5.3-codex",
    "upgrade": None,
    "upgradeInfo": None,
    "availabilityNux": None,
    "displayName": "gpt-5.3-codex",
    "description": "Latest frontier agentic coding model.",
    "hidden": False,
    "supportedReasoningEfforts": [
        {"reasoningEffort": "low", "description": "Fast responses with lighter reasoning"},
        {
            "reasoningEffort": "medium",
            "description": "Balances speed and reasoning depth for everyday tasks",
        },
        {"reasoningEffort": "high", "description": "Greater reasoning depth for complex problems"},
        {
            "reasoningEffort": "xhigh",
            "description": "Extra high reasoning depth for complex problems",
        },
    ],
    "defaultReasoningEffort": "medium",
    "inputModalities": ["text", "image"],
    "supportsPersonality": True,
    "isDefault": True,
}


async def _ids(client: InProcessClient, params: dict[str, Any]) -> tuple[list[str], Any]:
    result = await client.call("model/list", params)
    return [item["id"] for item in result["data"]], result["nextCursor"]


async def test_the_built_in_list(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        result = await client.call("model/list", {})
        assert result["nextCursor"] is None  # the last page
        assert [m["id"] for m in result["data"]] == VISIBLE
        assert result["data"][0] == DEFAULT
        assert [m["isDefault"] for m in result["data"]] == [True, False, False, False, False]
        second = result["data"][1]
        assert second["upgrade"] == "gpt-5.3-codex"
        assert second["upgradeInfo"]["model"] == "gpt-5.3-codex"
        # Signing in changes nothing (as with the reference).
        await client.call("loginApiKey", {"apiKey": "sk-some-key-123"})
        assert (await client.call("model/list", {}))["data"] == result["data"]


async def test_hidden_models_are_listed_when_asked(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        listed = (await client.call("model/list", {"includeHidden": True}))["data"]
        ids = [m["id"] for m in listed]
        assert len(ids) == 12 and ids[:3] == VISIBLE[:3]
        assert [m["id"] for m in listed if not m["hidden"]] == VISIBLE
        assert [m["id"] for m in listed if m["isDefault"]] == ["gpt-5.3-codex"]
        oss = next(m for m in listed if m["id"] == "gpt-oss-20b")
        assert oss["hidden"] is True and oss["inputModalities"] == ["text"]
        gpt_5 = next(m for m in listed if m["id"] == "gpt-5")
        efforts = [e["reasoningEffort"] for e in gpt_5["supportedReasoningEfforts"]]
        assert efforts == ["minimal", "low", "medium", "high"]


async def test_pages(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        assert await _ids(client, {"limit": 2}) == (VISIBLE[:2], "2")
        assert await _ids(client, {"limit": 2, "cursor": "2"}) == (VISIBLE[2:4], "4")
        assert await _ids(client, {"limit": 2, "cursor": "4"}) == (VISIBLE[4:], None)
        assert await _ids(client, {"limit": 0}) == (VISIBLE[:1], "1")  # at least one
        assert await _ids(client, {"cursor": "5"}) == ([], None)
        assert await _ids(client, {"cursor": "+4"}) == (VISIBLE[4:], None)
        assert await _ids(client, {"cursor": "04", "limit": 5}) == (VISIBLE[4:], None)
        assert await _ids(client, {"limit": 2**32 - 1}) == (VISIBLE, None)
        assert await _ids(client, {"cursor": None, "limit": None}) == (VISIBLE, None)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cursor": "abc"}, "invalid cursor: abc"),
        ({"cursor": ""}, "invalid cursor: "),
        ({"cursor": " 1"}, "invalid cursor:  1"),
        ({"cursor": "-1"}, "invalid cursor: -1"),
        ({"cursor": "\u0661"}, "invalid cursor: \u0661"),  # not an ASCII digit
        ({"cursor": "18446744073709551616"}, "invalid cursor: 18446744073709551616"),
        ({"cursor": "6"}, "cursor 6 exceeds total models 5"),
        ({"cursor": "+06"}, "cursor 6 exceeds total models 5"),
        ({"cursor": "18446744073709551615"}, "cursor 18446744073709551615 exceeds total models 5"),
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
