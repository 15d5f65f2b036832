"""The real process over stdio: handshake, errors, robustness, EOF."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

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


def test_requests_before_initialize_are_refused(spawn: Spawn) -> None:
    client = spawn(initialize=False)
    error = client.call_error("getUserAgent", omit_params=True)
    assert error == {"code": -32600, "message": "Not initialized"}
    assert client.call_error("noSuchMethod", {})["code"] == -32600
    client.initialize()
    assert client.call_error("initialize", {"clientInfo": {"name": "a", "version": "1"}}) == {
        "code": -32600,
        "message": "Already initialized",
    }


def test_invalid_initialize_leaves_the_session_uninitialized(spawn: Spawn) -> None:
    client = spawn(initialize=False)
    assert client.call_error("initialize", {})["code"] == -32600
    assert client.call_error("getUserAgent", omit_params=True)["message"] == "Not initialized"
    client.initialize()
    assert "userAgent" in client.call("getUserAgent")


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


def test_stdin_eof_exits_zero_promptly(spawn: Spawn) -> None:
    client = spawn()
    client.call("getUserAgent")
    started = time.monotonic()
    client.close_stdin()
    assert client.wait_exit(10) == 0
    assert time.monotonic() - started < 5


def test_nothing_but_protocol_messages_on_stdout(spawn: Spawn) -> None:
    client = spawn()
    client.send_raw(b"garbage\n")
    client.call("getUserAgent")
    client.close_stdin()
    client.wait_exit(10)
    for line in client.raw_lines:
        assert "__unparsable__" not in line.decode(errors="replace")


def test_a_slow_request_does_not_delay_the_others(spawn: Spawn) -> None:
    client = spawn()
    slow = {"command": ["sleep", "2"], "sandboxPolicy": {"mode": "danger-full-access"}}
    client.send({"id": "slow", "method": "execOneOffCommand", "params": slow})
    quick = client.request("getUserAgent", omit_params=True, request_id="quick")
    assert "result" in quick
    done = client.wait_for(lambda m: m.get("id") == "slow", 15, "the slow request's response")
    assert done["result"]["exitCode"] == 0
    ids = [m.get("id") for m in client.messages if m.get("id") in ("slow", "quick")]
    assert ids == ["quick", "slow"]
