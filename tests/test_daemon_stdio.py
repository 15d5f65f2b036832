"""The real process over stdio: handshake, errors, robustness, EOF.

Tests that need exact bytes on the wire use the line harness
(`tests.harness.stdio`); the others drive the daemon through the package's
typed client (`app_server_protocol.client`)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from app_server_protocol import methods
from app_server_protocol.client import RpcError
from app_server_protocol.common import SandboxPolicyDangerFullAccess
from app_server_protocol.v1.session import ClientInfo
from app_server_protocol.v1.workspace import ExecOneOffCommandParams
from tests.client_support import TESTS_CLIENT, typed_client
from tests.harness.stdio import DaemonClient

Spawn = Callable[..., DaemonClient]


def test_initialize_answers_a_user_agent_with_the_client_suffix(spawn: Spawn) -> None:
    client = spawn(initialize=False)
    result = client.call(
        "initialize", {"clientInfo": {"name": "my_client", "title": "T", "version": "9.8.7"}}
    )
    ua = result["userAgent"]
    assert re.match(r"^codex_app_server_py/\S+ \(", ua)
    assert ua.endswith("(my_client; 9.8.7)")
    assert client.call("getUserAgent")["userAgent"] == ua
    # compact JSON, key order id then result
    assert client.raw_lines[0].startswith(b'{"id":1,"result":{"userAgent":')


async def test_requests_before_initialize_are_refused(codex_home: Path, workdir: Path) -> None:
    async with typed_client(codex_home, workdir, initialize=False) as client:
        with pytest.raises(RpcError) as before:
            await client.request(methods.GET_USER_AGENT)  # no params key
        assert (before.value.code, before.value.message, before.value.data) == (
            -32600,
            "Not initialized",
            None,
        )
        with pytest.raises(RpcError) as unknown:
            await client.request_json("noSuchMethod", {})
        assert unknown.value.code == -32600
        await client.initialize(ClientInfo(name="a", version="1"))
        with pytest.raises(RpcError) as again:
            await client.initialize(ClientInfo(name="a", version="1"))
        assert (again.value.code, again.value.message, again.value.data) == (
            -32600,
            "Already initialized",
            None,
        )


async def test_invalid_initialize_leaves_the_session_uninitialized(
    codex_home: Path, workdir: Path
) -> None:
    async with typed_client(codex_home, workdir, initialize=False) as client:
        with pytest.raises(RpcError) as invalid:
            await client.request_json("initialize", {})
        assert invalid.value.code == -32600
        with pytest.raises(RpcError) as before:
            await client.request(methods.GET_USER_AGENT)
        assert before.value.message == "Not initialized"
        await client.initialize(TESTS_CLIENT)
        assert (await client.request(methods.GET_USER_AGENT)).user_agent


def test_malformed_lines_are_skipped_and_the_server_goes_on(spawn: Spawn) -> None:
    client = spawn()
    before = client.mark()
    for garbage in (
        b"not json\n",
        b'{"id": 77, "method": \n',
        b"[1, 2]\n",
        b"\n",
        b"   \n",
        b'{"id":6}\n',
        b'{"id":1,"method":"getUserAgent"}{"id":2,"method":"getUserAgent"}\n',
        b"\xff\xfe invalid utf-8 \xc3\x28\n",
        b"[" * 100_000 + b"\n",
        b'{"id": true, "method": "getUserAgent"}\n',
        b'{"id": null, "method": "getUserAgent"}\n',
        b'{"id": 9.5, "method": "getUserAgent"}\n',
        b'{"id": 10, "method": "getUserAgent", "x": NaN}\n',
        b'{"id": 11, "method": "getUserAgent", "x": -Infinity}\n',
    ):
        client.send_raw(garbage)
    # Answered after every line above (they are handled in order).
    final = client.request("getUserAgent", omit_params=True)
    assert "userAgent" in final["result"]
    assert client.alive()
    answered = [m for m in client.since(before) if "id" in m and m is not final]
    assert answered == [], f"nothing may be answered for those lines: {answered}"
    assert "malformed message skipped" in client.stderr_text()


def test_odd_but_valid_ids_are_echoed(spawn: Spawn) -> None:
    client = spawn()
    for rid in ("req-abc", -5, 0, 2**62, "", "ünïcode"):
        response = client.request("getUserAgent", omit_params=True, request_id=rid)
        assert response["id"] == rid and "result" in response


def test_crlf_and_extra_keys_are_accepted(spawn: Spawn) -> None:
    client = spawn()
    client.send_raw(b'{"id":"x","method":"getUserAgent","jsonrpc":"2.0","extra":1}\r\n')
    response = client.wait_for(lambda m: m.get("id") == "x", 10, "response")
    assert "result" in response


def test_parameterless_methods_accept_absent_null_or_empty_params(spawn: Spawn) -> None:
    client = spawn()
    assert "userAgent" in client.call("getUserAgent", omit_params=True)
    assert "result" in client.request("getUserAgent", None)
    assert "result" in client.request("getUserAgent", {})
    assert client.call_error("getUserAgent", {"x": 1})["code"] == -32600
    assert client.call_error("getUserAgent", [1, 2])["code"] == -32600


def test_a_large_line_is_read_whole(spawn: Spawn) -> None:
    client = spawn()
    big = "x" * (8 * 1024 * 1024)
    client.send_raw(
        b'{"id":"big","method":"getUserAgent","params":{},"padding":"' + big.encode() + b'"}\n'
    )
    response = client.wait_for(lambda m: m.get("id") == "big", 30, "the big request's response")
    assert "result" in response


async def test_stdin_eof_exits_zero_promptly(codex_home: Path, workdir: Path) -> None:
    async with typed_client(codex_home, workdir) as client:
        await client.request(methods.GET_USER_AGENT)
        started = time.monotonic()
        # leaving the block closes the daemon's stdin, then waits for it
    assert client.returncode == 0
    assert time.monotonic() - started < 5


def test_nothing_but_protocol_messages_on_stdout(spawn: Spawn) -> None:
    client = spawn()
    client.send_raw(b"garbage\n")
    client.call("getUserAgent")
    client.close_stdin()
    client.wait_exit(10)
    for line in client.raw_lines:
        assert "__unparsable__" not in line.decode(errors="replace")


async def test_a_slow_request_does_not_delay_the_others(codex_home: Path, workdir: Path) -> None:
    answered: list[str] = []
    slow = ExecOneOffCommandParams(
        command=["sleep", "2"], sandbox_policy=SandboxPolicyDangerFullAccess()
    )
    async with typed_client(codex_home, workdir) as client:

        async def run_slow() -> None:
            result = await client.request(methods.EXEC_ONE_OFF_COMMAND, slow)
            assert result.exit_code == 0
            answered.append("slow")

        with anyio.fail_after(15):
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(run_slow)
                await anyio.wait_all_tasks_blocked()  # the slow request is sent first
                assert (await client.request(methods.GET_USER_AGENT)).user_agent
                answered.append("quick")
    assert answered == ["quick", "slow"]
