"""Hostile or absurd input through the real daemon: each gets a clear answer
(or a clear log line) and the daemon goes on, with bounded memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.harness.stdio import DaemonClient
from tests.mock_model_server import (
    MockModelServer,
    message_item,
    output_item_done,
    responses_reply,
    text_delta,
    write_mock_config,
)
from tests.rollouts import lines_bytes, user_event, write_rollout

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
    assert client.call("listConversations", {"pageSize": 1, "id": 3}) == {
        "items": [],
        "nextCursor": None,
    }
    start = client.mark()
    client.send_raw(b'{"id":7,"method":"getUserAgent","params":{"\\"id\\":":1}}\n')
    answer = client.wait_for(lambda m: m.get("id") == 7, 10, "the answer", start)
    assert "two `id`" not in json.dumps(answer)


@pytest.mark.parametrize(
    ("method", "params", "field"),
    [
        ("listConversations", {"pageSize": 2**64}, "params.pageSize"),
        ("listConversations", {"pageSize": 10**30}, "params.pageSize"),
        ("model/list", {"limit": 2**32}, "params.limit"),
        ("thread/list", {"limit": 2**32}, "params.limit"),
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
    assert client.call("listConversations", {"pageSize": 2**64 - 1}) == {
        "items": [],
        "nextCursor": None,
    }


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


# -- rollout paths that are not regular files, and huge rollout lines ---------------


def test_resuming_a_device_is_refused_at_once(spawn: Spawn) -> None:
    client = spawn()
    error = client.call_error("resumeConversation", {"path": "/dev/zero"}, timeout=10)
    assert error == {
        "code": -32600,
        "message": "failed to load rollout `/dev/zero`: `/dev/zero` is not a regular file",
    }


def test_resuming_a_fifo_is_refused_and_eof_still_ends_the_daemon(
    spawn: Spawn, tmp_path: Path
) -> None:
    fifo = tmp_path / "rollout.jsonl"
    os.mkfifo(fifo)
    client = spawn()
    error = client.call_error("resumeConversation", {"path": str(fifo)}, timeout=10)
    assert error["message"] == f"failed to load rollout `{fifo}`: `{fifo}` is not a regular file"
    client.close_stdin()
    assert client.wait_exit(10) == 0


def test_a_huge_rollout_line_is_skipped_when_resuming_and_listing(
    spawn: Spawn, codex_home: Path
) -> None:
    cid, path = write_rollout(codex_home, "2025-01-02T12-00-00")
    huge = b'{"timestamp":"t","type":"response_item","payload":{"x":"' + b"z" * (130 * MiB)
    with path.open("ab") as file:
        file.write(huge + b'"}}\n')
        file.write(lines_bytes([user_event("after the huge line")]))
    client = _ready(spawn)
    before = _peak_rss(client)
    listed = client.call("listConversations", {})["items"]
    assert [item["conversationId"] for item in listed] == [cid]
    result = client.call("resumeConversation", {"path": str(path)}, timeout=60)
    assert result["conversationId"] == cid
    messages = [m.get("message") for m in result["initialMessages"]]
    assert messages[-1] == "after the huge line"
    assert _peak_rss(client) - before < 128 * MiB + 32 * MiB


# -- clean errors instead of tracebacks --------------------------------------------

CID = "01a23553-0679-7989-804a-7322edccc67a"
WRITE_ROOTS = {"mode": "workspace-write", "writable_roots": ["/tmp", "/\0"]}


@pytest.mark.parametrize(
    ("method", "params", "field"),
    [
        ("resumeConversation", {"path": "/tmp/a\0b"}, "params.path"),
        ("newConversation", {"cwd": "/tmp/\0"}, "params.cwd"),
        (
            "archiveConversation",
            {"conversationId": CID, "rolloutPath": "/\0"},
            "params.rolloutPath",
        ),
        ("gitDiffToRemote", {"cwd": "\0"}, "params.cwd"),
        ("fuzzyFileSearch", {"query": "a", "roots": ["/tmp", "/\0"]}, "params.roots.1"),
        ("execOneOffCommand", {"command": ["true"], "cwd": "/\0"}, "params.cwd"),
        (
            "execOneOffCommand",
            {"command": ["true"], "sandboxPolicy": WRITE_ROOTS},
            "params.sandboxPolicy.workspace-write.writable_roots.1",
        ),
        (
            "sendUserMessage",
            {"conversationId": CID, "items": [{"type": "localImage", "data": {"path": "/\0"}}]},
            "params.items.0.localImage.data.path",
        ),
    ],
)
def test_a_nul_byte_in_a_path_is_an_invalid_request_naming_the_field(
    spawn: Spawn, method: str, params: dict[str, object], field: str
) -> None:
    client = spawn()
    assert client.call_error(method, params) == {
        "code": -32600,
        "message": f"Invalid request: {field}: a path must not contain a NUL byte",
    }


def _start_with_config(codex_home: Path, content: bytes) -> subprocess.CompletedProcess[str]:
    (codex_home / "config.toml").write_bytes(content)
    requests = [
        INITIALIZE,
        '{"method":"initialized"}\n',
        '{"id":1,"method":"thread/start","params":{}}\n',
        '{"id":2,"method":"newConversation","params":{}}\n',
    ]
    return subprocess.run(
        [sys.executable, "-m", "app_server"],
        env={"CODEX_HOME": str(codex_home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        input="".join(requests),
        timeout=30,
    )


TOO_DEEP = "tables or arrays nested too deeply"
INITIALIZE = '{"id":0,"method":"initialize","params":{"clientInfo":{"name":"t","version":"1"}}}\n'


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'model = "caf\xe9"\n', "not valid UTF-8 (at byte 12)"),
        (b'model = "m"\nthis is not toml\n', "2:6: expected '=' after a key in a key/value pair"),
        (b"x = " + b"{a = " * 3000 + b"1" + b"}" * 3000 + b"\n", TOO_DEEP),
        (b"x = " + b"[" * 3000 + b"]" * 3000 + b"\n", TOO_DEEP),
    ],
)
def test_an_unreadable_config_is_reported_and_the_daemon_serves_on(
    codex_home: Path, content: bytes, problem: str
) -> None:
    """As 0.107: the daemon starts, warns after the handshake, and each request
    that needs the configuration says why it cannot have it."""
    done = _start_with_config(codex_home, content)
    assert done.returncode == 0
    path = codex_home / "config.toml"
    separator = "" if problem[0].isdigit() else " "
    expected = f"{path}:{separator}{problem}"
    replies = {m.get("id", m.get("method")): m for m in map(json.loads, done.stdout.splitlines())}
    assert "result" in replies[0]
    warning = replies["configWarning"]["params"]
    assert warning["summary"] == "Invalid configuration; using defaults."
    assert warning["details"] == expected
    for request_id in (1, 2):
        assert replies[request_id]["error"] == {
            "code": -32600,
            "message": f"error deriving config: {expected}",
        }
    assert expected in done.stderr  # logged once, as an error


@pytest.mark.parametrize(
    "lines", [INITIALIZE, INITIALIZE + '{"id":1,"method":"listConversations","params":{}}\n']
)
def test_stdout_closed_before_initialize_exits_quietly(codex_home: Path, lines: str) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app_server"],
            env={"CODEX_HOME": str(codex_home), "PATH": "/usr/bin:/bin"},
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            input=lines,
            timeout=30,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, "")


def test_a_wrongly_typed_override_is_named_as_the_override(spawn: Spawn, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('model = "gpt-5"\nmodel_reasoning_effort = "high"\n')
    client = spawn()
    error = client.call_error("newConversation", {"config": {"model": 5}})
    assert error["message"] == (
        "error deriving config: `config` override: `model`: Input should be a valid string"
    )
    error = client.call_error("newConversation", {"config": {"model_reasoning_effort": "ultra"}})
    assert error["message"].startswith(
        "error deriving config: `config` override: `model_reasoning_effort`: "
    )
    # The daemon's own -c overrides are named as such.
    with_cli = spawn(args=["-c", "model=5"])
    error = with_cli.call_error("newConversation", {})
    assert error["message"] == (
        "error deriving config: -c override: `model`: Input should be a valid string"
    )


# -- a client that stops reading ----------------------------------------------------


def _eventually(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_a_stalled_client_costs_bounded_memory_and_is_given_up(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    client = spawn(env={"CODEX_APP_SERVER_STALL_SECONDS": "2"})
    started = client.call("newConversation", {"cwd": str(workdir)})
    cid, rollout = started["conversationId"], Path(started["rolloutPath"])
    client.call("addConversationListener", {"conversationId": cid})
    delta = "d" * (32 * 1024)
    deltas = [text_delta(delta) for _ in range(2000)]  # 64 MiB of events
    mock_model.enqueue(responses_reply(*deltas, output_item_done(message_item("the end"))))
    before = _peak_rss(client)
    client.pause_reading()
    text = {"type": "text", "data": {"text": "go"}}
    client.send(
        {"id": 99, "method": "sendUserMessage", "params": {"conversationId": cid, "items": [text]}}
    )

    _eventually(lambda: "taken as gone" in client.stderr_text(), 60, "the client to be given up")
    # The turn went on without it, recorded in the rollout.
    _eventually(lambda: b'"the end"' in rollout.read_bytes(), 30, "the turn to be recorded")
    assert _peak_rss(client) - before < 16 * MiB + 24 * MiB
    assert "conversation listeners removed" in client.stderr_text()
    client.resume_reading()
    assert client.alive()
    client.close_stdin()
    assert client.wait_exit(15) == 0
