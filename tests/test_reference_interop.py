"""Rollouts shared with Codex 0.107.0 itself, both ways: what our daemon
records is listed, read and resumed (one more turn, against the mock model)
by the reference binary, and what the binary records by ours. Both speak v1
(``newConversation``, ``listConversations``, ``resumeConversation``) and v2
(``thread/start``, ``thread/list``, ``thread/read``, ``thread/resume``).

The binary is the one `reference-codex` installs (``$CODEX_REFERENCE_BINARY``
names another); the tests skip, saying why, when it is not there. They never
install it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.harness.stdio import DaemonClient, Message
from tests.mock_model_server import MockModelServer, assistant_message, write_mock_config

Json = dict[str, Any]
Spawn = Callable[..., DaemonClient]

VERSION = "0.107.0"
TRIPLE = "x86_64-unknown-linux-musl"
#: Where `reference-codex` puts the binary (npm layouts of 0.107.0).
_LAYOUTS = (
    f"node_modules/@openai/codex-linux-x64/vendor/{TRIPLE}/codex/codex",
    f"node_modules/@openai/codex-linux-x64/vendor/{TRIPLE}/bin/codex",
    f"node_modules/@openai/codex/vendor/{TRIPLE}/codex/codex",
)


def reference_binary() -> Path:
    """The 0.107.0 binary, or skip the test saying where it was looked for."""
    named = os.environ.get("CODEX_REFERENCE_BINARY")
    if named:
        if Path(named).is_file():
            return Path(named)
        pytest.skip(f"$CODEX_REFERENCE_BINARY names no file: {named}")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "codex-reference" / VERSION
    for layout in _LAYOUTS:
        if (folder / layout).is_file():
            return folder / layout
    pytest.skip(
        f"the Codex {VERSION} binary is not installed under {folder} (run "
        "../shared/tools/reference-codex, or set $CODEX_REFERENCE_BINARY)"
    )


def _initialize(client: DaemonClient) -> DaemonClient:
    client.call(
        "initialize",
        {
            "clientInfo": {"name": "interop", "title": None, "version": "1.0"},
            "capabilities": {"experimentalApi": True},
        },
    )
    client.notify("initialized")
    return client


def _text(text: str) -> Json:
    return {"type": "text", "text": text, "text_elements": []}


def _v1_turn(client: DaemonClient, cid: str, text: str) -> None:
    client.call("addConversationListener", {"conversationId": cid})
    mark = client.mark()
    items = [{"type": "text", "data": {"text": text}}]
    client.call("sendUserMessage", {"conversationId": cid, "items": items})
    client.wait_event("task_complete", cid, timeout=30, start=mark)


def _v2_turn(client: DaemonClient, thread_id: str, text: str) -> Message:
    mark = client.mark()
    turn = client.call("turn/start", {"threadId": thread_id, "input": [_text(text)]})
    turn_id = turn["turn"]["id"]
    return client.wait_for(
        lambda m: (
            m.get("method") == "turn/completed"
            and m["params"]["threadId"] == thread_id
            and m["params"]["turn"]["id"] == turn_id
        ),
        30,
        "turn/completed",
        mark,
    )


def _record_both(client: DaemonClient, mock: MockModelServer, workdir: Path) -> tuple[Json, str]:
    """A v1 conversation and a v2 thread, one turn each; ``client`` exits."""
    mock.enqueue(assistant_message("answer one"), assistant_message("answer two"))
    created = client.call("newConversation", {"cwd": str(workdir)})
    _v1_turn(client, created["conversationId"], "asked over v1")
    thread_id = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    _v2_turn(client, thread_id, "asked over v2")
    client.close_stdin()
    assert client.wait_exit(15) == 0
    return created, thread_id


def _check_and_resume(
    client: DaemonClient,
    mock: MockModelServer,
    created: Json,
    thread_id: str,
    workdir: Path,
) -> None:
    """``client`` lists, reads and resumes what the other daemon recorded."""
    cid = created["conversationId"]
    listed = client.call("listConversations", {})["items"]
    previews = {item["conversationId"]: item["preview"] for item in listed}
    assert previews == {cid: "asked over v1", thread_id: "asked over v2"}
    assert {item["path"] for item in listed} >= {created["rolloutPath"]}
    threads = client.call("thread/list", {})["data"]
    assert {t["id"]: t["preview"] for t in threads} == previews
    read = client.call("thread/read", {"threadId": thread_id, "includeTurns": True})["thread"]
    assert [[item["type"] for item in turn["items"]] for turn in read["turns"]] == [
        ["userMessage", "agentMessage"]
    ]
    assert read["turns"][0]["items"][1]["text"] == "answer two"

    mock.enqueue(assistant_message("answer three"), assistant_message("answer four"))
    resumed = client.call("resumeConversation", {"path": created["rolloutPath"]})
    assert resumed["conversationId"] == cid
    messages = [m["type"] for m in resumed["initialMessages"]]
    assert "user_message" in messages and "agent_message" in messages
    _v1_turn(client, cid, "more over v1")
    seen = mock.last_model_request.input_texts()
    assert "asked over v1" in seen and "answer one" in seen and seen[-1] == "more over v1"

    again = client.call("thread/resume", {"threadId": thread_id})["thread"]
    assert [turn["items"][0]["type"] for turn in again["turns"]] == ["userMessage"]
    _v2_turn(client, thread_id, "more over v2")
    seen = mock.last_model_request.input_texts()
    assert "asked over v2" in seen and "answer two" in seen and seen[-1] == "more over v2"
    client.close_stdin()
    client.wait_exit(15)


def test_the_reference_lists_reads_and_resumes_our_rollouts(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    binary = reference_binary()
    write_mock_config(codex_home, mock_model)
    created, thread_id = _record_both(_initialize(spawn(initialize=False)), mock_model, workdir)
    reference = _initialize(spawn(initialize=False, command=[str(binary), "app-server"]))
    _check_and_resume(reference, mock_model, created, thread_id, workdir)


def test_we_list_read_and_resume_the_reference_s_rollouts(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    binary = reference_binary()
    write_mock_config(codex_home, mock_model)
    reference = _initialize(spawn(initialize=False, command=[str(binary), "app-server"]))
    created, thread_id = _record_both(reference, mock_model, workdir)
    ours = _initialize(spawn(initialize=False))
    _check_and_resume(ours, mock_model, created, thread_id, workdir)
