"""The connection loop in-process, over memory streams."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from tests.harness.inprocess import in_process_daemon

pytestmark = pytest.mark.anyio


async def test_handshake_and_user_agent(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        assert (await client.call_error("getUserAgent"))["message"] == "Not initialized"
        result = await client.initialize("inproc", "1.2")
        assert result["userAgent"].endswith("(inproc; 1.2)")
        assert (await client.call("getUserAgent")) == result


async def test_validation_errors_name_the_field(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        error = await client.call_error("initialize", {"clientInfo": {"name": 5, "version": "1"}})
        assert error["code"] == -32600
        assert "params.clientInfo.name" in error["message"]


async def test_responses_to_unknown_server_requests_are_ignored(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        await client.send({"id": 12345, "result": {}})
        await client.send({"id": 12346, "error": {"code": 1, "message": "x"}})
        with anyio.fail_after(5):
            assert "userAgent" in await client.call("getUserAgent")
