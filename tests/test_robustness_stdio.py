"""Hostile or absurd input through the real daemon: each gets a clear answer
(or a clear log line) and the daemon goes on, with bounded memory."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.harness.stdio import DaemonClient

Spawn = Callable[..., DaemonClient]


# -- ids, duplicate members, absurd numbers ---------------------------------------


@pytest.mark.parametrize("request_id", [2**63, -(2**63) - 1, 2**64, 10**30])
def test_an_id_outside_64_bits_is_refused(spawn: Spawn, request_id: int) -> None:
    client = spawn()
    error = client.call_error("getUserAgent", omit_params=True, request_id=request_id)
    assert error == {"code": -32600, "message": "Invalid request: id: must be a 64-bit integer"}
    # The bounds themselves are valid ids.
    for valid in (2**63 - 1, -(2**63)):
        assert "result" in client.request("getUserAgent", omit_params=True, request_id=valid)


@pytest.mark.parametrize(
    "line",
    [
        b'{"id":5,"id":6,"method":"getUserAgent"}',
        b'{"id":5,"method":"getUserAgent","i\\u0064":6}',
        b'{"id":5, "method":"getUserAgent", "id" :6}',
    ],
)
def test_two_id_members_are_refused(spawn: Spawn, line: bytes) -> None:
    client = spawn()
    start = client.mark()
    client.send_raw(line + b"\n")
    response = client.wait_for(lambda m: m.get("id") in (5, 6), 10, "the answer", start)
    assert response["error"] == {
        "code": -32600,
        "message": "Invalid request: the message has two `id` members",
    }
    assert "result" not in response


def test_an_id_key_inside_params_is_not_a_duplicate(spawn: Spawn) -> None:
    client = spawn()
    assert client.call("listConversations", {"pageSize": 1, "id": 3}) == {"items": []}
    start = client.mark()
    client.send_raw(b'{"id":7,"method":"getUserAgent","params":{"\\"id\\":":1}}\n')
    answer = client.wait_for(lambda m: m.get("id") == 7, 10, "the answer", start)
    assert "two `id`" not in json.dumps(answer)


@pytest.mark.parametrize(
    ("method", "params", "field"),
    [
        ("listConversations", {"pageSize": 2**64}, "params.pageSize"),
        ("listConversations", {"pageSize": 10**30}, "params.pageSize"),
        ("model/list", {"pageSize": 2**64}, "params.pageSize"),
        ("execOneOffCommand", {"command": ["true"], "timeoutMs": 10**20}, "params.timeoutMs"),
    ],
)
def test_absurd_sizes_and_timeouts_are_refused(
    spawn: Spawn, method: str, params: dict[str, object], field: str
) -> None:
    client = spawn()
    error = client.call_error(method, params)
    assert error["code"] == -32600
    assert error["message"].startswith(f"Invalid request: {field}: Input should be less than")


def test_the_largest_64_bit_values_are_accepted(spawn: Spawn) -> None:
    client = spawn()
    assert client.call("listConversations", {"pageSize": 2**64 - 1}) == {"items": []}


# -- large lines ---------------------------------------------------------------------

MiB = 1 << 20


def _peak_rss(client: DaemonClient) -> int:
    """The daemon's peak resident memory so far, in bytes."""
    status = Path(f"/proc/{client.proc.pid}/status").read_text()
    (line,) = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) * 1024


def _ready(spawn: Spawn) -> DaemonClient:
    client = spawn()
    client.call("getUserAgent")  # the full server is loaded and warm
    return client


def test_a_line_over_the_limit_is_refused_without_being_kept(spawn: Spawn) -> None:
    client = _ready(spawn)
    before = _peak_rss(client)
    size = 160 * MiB
    start = client.mark()
    client.send_raw(b'{"id":42,"method":"listConversations","params":{"cursor":"')
    chunk = b"x" * MiB
    for _ in range(size // MiB):
        client.send_raw(chunk)
    client.send_raw(b'"}}\n')
    response = client.wait_for(lambda m: m.get("id") == 42, 30, "the refusal", start)
    assert response["error"] == {
        "code": -32600,
        "message": "Invalid request: the message is larger than 64 MiB",
    }
    # What is read up to the limit is all that is ever held.
    assert _peak_rss(client) - before < 64 * MiB + 16 * MiB
    assert "userAgent" in client.call("getUserAgent")


def test_a_large_line_is_held_in_memory_about_twice(spawn: Spawn) -> None:
    """The line itself, and the request parsed from it: no copies besides."""
    client = _ready(spawn)
    before = _peak_rss(client)
    size = 48 * MiB
    start = client.mark()
    client.send_raw(b'{"id":43,"method":"listConversations","params":{"cursor":"')
    for _ in range(size // MiB):
        client.send_raw(b"x" * MiB)
    client.send_raw(b'"}}\n')
    client.wait_for(lambda m: m.get("id") == 43, 30, "the answer", start)
    assert _peak_rss(client) - before < 2.5 * size


def test_an_over_long_first_line_is_refused_too(spawn: Spawn) -> None:
    """Before `initialize`, when a stage lighter than the full server reads."""
    client = spawn(initialize=False)
    start = client.mark()
    client.send_raw(b'{"id":"big","method":"initialize","params":{"clientInfo":{"name":"')
    for _ in range(72):
        client.send_raw(b"n" * MiB)
    client.send_raw(b'","version":"1"}}}\n')
    response = client.wait_for(lambda m: m.get("id") == "big", 30, "the refusal", start)
    assert response["error"]["message"] == "Invalid request: the message is larger than 64 MiB"
    assert _peak_rss(client) < 64 * MiB + 96 * MiB
    client.initialize()
