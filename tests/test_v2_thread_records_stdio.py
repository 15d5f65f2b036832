"""v2 methods on recorded threads through the real daemon over stdio:
thread/list, thread/read, thread/archive, thread/unarchive, thread/name/set,
thread/loaded/list, on rollouts written by the 0.107.0 binary, by hand, and
by the daemon itself for a v1 conversation."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app_server.conversations.thread_names import append_thread_name
from tests.harness.stdio import DaemonClient
from tests.mock_model_server import MockModelServer, assistant_message, write_mock_config

Spawn = Callable[..., DaemonClient]

DATA = Path(__file__).resolve().parent / "data"
REFERENCE_ROLLOUT = DATA / "rollout-0.107.0-rolled-back.jsonl"
"""Written by the 0.107.0 binary (long instruction texts shortened): three
turns (a shell call and reasoning in the first), then the last turn rolled back."""
REFERENCE_ID = "01a2357c-21bc-75f1-9695-bc24d614cdf5"
REFERENCE_NAME = f"rollout-2026-12-02T06-40-57-{REFERENCE_ID}.jsonl"
MISSING = "00000000-0000-0000-0000-000000000000"


def v2_client(spawn: Spawn) -> DaemonClient:
    client = spawn(initialize=False)
    client.call(
        "initialize",
        {
            "clientInfo": {"name": "tests", "title": None, "version": "0"},
            "capabilities": {"experimentalApi": True},
        },
    )
    client.notify("initialized")
    return client


def place_reference(codex_home: Path) -> Path:
    folder = codex_home / "sessions" / "2026" / "12" / "02"
    folder.mkdir(parents=True)
    path = folder / REFERENCE_NAME
    shutil.copyfile(REFERENCE_ROLLOUT, path)
    os.utime(path, (1796193660, 1796193660))
    return path


def line(kind: str, payload: dict[str, Any], ts: str = "2026-01-01T00:00:00.000Z") -> str:
    return json.dumps({"timestamp": ts, "type": kind, "payload": payload})


def write_thread(
    codex_home: Path,
    thread_id: str,
    file_ts: str,
    *,
    message: str | None = "hello",
    provider: str | None = None,
    cwd: str = "/home/user/project",
    source: Any = "vscode",
    mtime: int | None = None,
) -> Path:
    """A small rollout of one turn, in 0.107.0's format."""
    meta: dict[str, Any] = {
        "id": thread_id,
        "timestamp": f"{file_ts[:10]}T{file_ts[11:].replace('-', ':')}.000Z",
        "cwd": cwd,
        "originator": "tests",
        "cli_version": "0.107.0",
        "source": source,
    }
    if provider is not None:
        meta["model_provider"] = provider
    lines = [line("session_meta", meta)]
    if message is not None:
        lines.append(line("event_msg", {"type": "task_started", "turn_id": f"turn-{thread_id}"}))
        lines.append(
            line(
                "response_item",
                {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": message}],
                },
            )
        )
        lines.append(line("event_msg", {"type": "user_message", "message": message}))
        lines.append(line("event_msg", {"type": "agent_message", "message": "ok"}))
        lines.append(line("event_msg", {"type": "task_complete", "turn_id": f"turn-{thread_id}"}))
    folder = codex_home / "sessions" / file_ts[0:4] / file_ts[5:7] / file_ts[8:10]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"rollout-{file_ts}-{thread_id}.jsonl"
    path.write_text("\n".join(lines) + "\n")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def tid(n: int) -> str:
    return f"01900000-0000-7000-8000-{n:012d}"


# -- a rollout of the 0.107.0 binary ------------------------------------------------


def test_reference_rollout_is_listed_and_read(spawn: Spawn, codex_home: Path) -> None:
    path = place_reference(codex_home)
    client = v2_client(spawn)
    listed = client.call("thread/list", {})
    assert listed["nextCursor"] is None
    [thread] = listed["data"]
    expected = {
        "id": REFERENCE_ID,
        "preview": "first q",
        "ephemeral": False,
        "modelProvider": "mock_provider",
        "createdAt": 1796193657,
        "updatedAt": 1796193660,
        "status": {"type": "notLoaded"},
        "path": str(path),
        "cwd": "/home/user/project",
        "cliVersion": "0.107.0",
        "source": "vscode",
        "agentNickname": None,
        "agentRole": None,
        "gitInfo": None,
        "name": None,
        "turns": [],
    }
    assert thread == expected
    read = client.call("thread/read", {"threadId": REFERENCE_ID})["thread"]
    assert read == thread
    full = client.call("thread/read", {"threadId": REFERENCE_ID, "includeTurns": True})["thread"]
    # What the 0.107.0 binary answers for this file: the rolled-back third turn
    # is gone, the shell call (no exec events in its rollouts) leaves no item.
    assert full["turns"] == [
        {
            "id": "01a2357c-21fe-7b41-b5e3-48d19a1a7c09",
            "items": [
                {
                    "type": "userMessage",
                    "id": "item-1",
                    "content": [{"type": "text", "text": "first q", "text_elements": []}],
                },
                {"type": "reasoning", "id": "item-2", "summary": ["thinking hard"], "content": []},
                {"type": "agentMessage", "id": "item-3", "text": "done 1", "phase": None},
            ],
            "status": "completed",
            "error": None,
        },
        {
            "id": "01a2357c-2629-7240-bb60-7f6c0b2a1db4",
            "items": [
                {
                    "type": "userMessage",
                    "id": "item-4",
                    "content": [{"type": "text", "text": "second q", "text_elements": []}],
                },
                {"type": "agentMessage", "id": "item-5", "text": "done 2", "phase": None},
            ],
            "status": "completed",
            "error": None,
        },
    ]


def test_read_errors(spawn: Spawn, codex_home: Path) -> None:
    client = v2_client(spawn)
    assert client.call_error("thread/read", {"threadId": MISSING}) == {
        "code": -32600,
        "message": f"thread not loaded: {MISSING}",
    }
    error = client.call_error("thread/read", {"threadId": "not-a-uuid"})
    assert error == {
        "code": -32600,
        "message": "invalid thread id: invalid character: expected an optional prefix of "
        "`urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1",
    }
    assert client.call_error("thread/archive", {"threadId": MISSING})["message"] == (
        f"no rollout found for thread id {MISSING}"
    )
    assert client.call_error("thread/unarchive", {"threadId": MISSING})["message"] == (
        f"no archived rollout found for thread id {MISSING}"
    )
    assert client.call_error("thread/name/set", {"threadId": MISSING, "name": "x"}) == {
        "code": -32600,
        "message": f"thread not found: {MISSING}",
    }
    assert client.call_error("thread/list", {"cursor": "garbage"}) == {
        "code": -32600,
        "message": "invalid cursor: garbage",
    }
    # the daemon goes on
    assert client.call("thread/list", {}) == {"data": [], "nextCursor": None}


# -- listing ------------------------------------------------------------------------


def test_list_pages_sorts_and_filters(spawn: Spawn, codex_home: Path) -> None:
    write_thread(codex_home, tid(1), "2026-01-01T10-00-00", message="one", mtime=1_800_000_300)
    write_thread(codex_home, tid(2), "2026-01-02T10-00-00", message="two", mtime=1_800_000_100)
    write_thread(
        codex_home,
        tid(3),
        "2026-01-03T10-00-00",
        message="three",
        provider="other",
        mtime=1_800_000_200,
    )
    write_thread(codex_home, tid(4), "2026-01-04T10-00-00", message=None)  # no user message
    write_thread(codex_home, tid(5), "2026-01-05T10-00-00", source="exec")  # not interactive
    spawn_source = {
        "subagent": {
            "thread_spawn": {
                "parent_thread_id": tid(1),
                "depth": 1,
                "agent_nickname": "Scout",
                "agent_role": "explorer",
            }
        }
    }
    write_thread(codex_home, tid(6), "2026-01-06T10-00-00", source=spawn_source)
    (codex_home / "config.toml").write_text('model_provider = "mine"\n')
    client = v2_client(spawn)

    def ids(result: dict[str, Any]) -> list[str]:
        return [thread["id"] for thread in result["data"]]

    everything = client.call("thread/list", {})
    assert ids(everything) == [tid(3), tid(2), tid(1)]
    assert [t["modelProvider"] for t in everything["data"]] == ["other", "mine", "mine"]
    first = client.call("thread/list", {"limit": 2})
    assert ids(first) == [tid(3), tid(2)]
    assert first["nextCursor"] == f"2026-01-02T10:00:00Z|{tid(2)}"
    second = client.call("thread/list", {"limit": 2, "cursor": first["nextCursor"]})
    assert second == {"data": everything["data"][2:], "nextCursor": None}
    by_update = client.call("thread/list", {"sortKey": "updated_at"})
    assert ids(by_update) == [tid(1), tid(3), tid(2)]
    assert [t["updatedAt"] for t in by_update["data"]] == [
        1_800_000_300,
        1_800_000_200,
        1_800_000_100,
    ]
    # a thread without a provider counts as the configured one
    assert ids(client.call("thread/list", {"modelProviders": ["mine"]})) == [tid(2), tid(1)]
    assert ids(client.call("thread/list", {"modelProviders": ["other"]})) == [tid(3)]
    assert ids(client.call("thread/list", {"modelProviders": []})) == [tid(3), tid(2), tid(1)]
    assert ids(client.call("thread/list", {"sourceKinds": ["exec"]})) == [tid(5)]
    [spawned] = client.call("thread/list", {"sourceKinds": ["subAgent"]})["data"]
    assert spawned["id"] == tid(6)
    assert (spawned["agentNickname"], spawned["agentRole"]) == ("Scout", "explorer")
    assert spawned["source"] == {
        "subAgent": {
            "thread_spawn": {
                "parent_thread_id": tid(1),
                "depth": 1,
                "agent_nickname": "Scout",
                "agent_role": "explorer",
            }
        }
    }
    assert ids(client.call("thread/list", {"sourceKinds": ["subAgentThreadSpawn"]})) == [tid(6)]
    assert ids(client.call("thread/list", {"sourceKinds": ["subAgentReview"]})) == []
    assert ids(client.call("thread/list", {"cwd": "/elsewhere"})) == []
    assert client.call("thread/list", {"limit": 0}) == {"data": [], "nextCursor": None}


@pytest.mark.parametrize("client_name", ["tests", "codex_python_sdk"])
def test_list_answered_before_the_server_is_loaded(
    spawn: Spawn, codex_home: Path, client_name: str
) -> None:
    """Pipelined right after `initialize`, listings are answered by the early
    stage, byte for byte as the full server answers them afterwards."""
    for n in range(1, 6):
        write_thread(
            codex_home,
            tid(n),
            f"2026-01-0{n}T10-00-00",
            message=f"m{n} \u00e9 \u2028",
            provider="other" if n == 3 else None,
            mtime=1_800_000_000 + n,
        )
    write_thread(codex_home, tid(6), "2026-01-06T10-00-00", source="exec")
    write_thread(codex_home, tid(7), "2025-12-31T23-59-59", message="last year")
    append_thread_name(codex_home, tid(2), 'named "two"')
    (codex_home / "config.toml").write_text('model_provider = "mine"\n')
    requests: list[tuple[str, dict[str, Any]]] = [
        ("thread/list", {}),
        ("thread/list", {"limit": 2}),
        ("thread/list", {"limit": 2, "cursor": f"2026-01-04T10:00:00Z|{tid(4)}"}),
        ("thread/list", {"sortKey": "updated_at", "modelProviders": ["mine"]}),
        ("thread/list", {"searchTerm": "m1", "cwd": "/home/user/project", "archived": False}),
        ("thread/list", {"archived": True}),
        ("thread/read", {"threadId": tid(2), "includeTurns": True}),
        ("thread/read", {"threadId": tid(3).upper()}),
        ("thread/read", {"threadId": tid(6), "includeTurns": False}),
    ]
    client = spawn(initialize=False)
    client.send(
        {
            "id": 0,
            "method": "initialize",
            "params": {"clientInfo": {"name": client_name, "version": "0"}},
        }
    )
    client.send({"method": "initialized"})
    for n, (method, params) in enumerate(requests, start=1):
        client.send({"id": n, "method": method, "params": params})
    client.send({"id": 100, "method": "getUserAgent"})
    client.wait_for(lambda m: m.get("id") == 100, 15, "getUserAgent")
    for n, (method, params) in enumerate(requests, start=101):
        client.send({"id": n, "method": method, "params": params})
    for n in range(101, 101 + len(requests)):
        client.wait_for(lambda m, n=n: m.get("id") == n, 15, "late listing")
    raw = {json.loads(out)["id"]: out for out in client.raw_lines}
    for n in range(1, len(requests) + 1):
        assert raw[n].replace(b'"id":%d,' % n, b'"id":%d,' % (n + 100), 1) == raw[n + 100]
    first = json.loads(raw[1])["result"]["data"]
    assert [t["id"] for t in first] == [tid(n) for n in (5, 4, 3, 2, 1, 7)]
    assert first[3]["name"] == 'named "two"'
    assert [t["modelProvider"] for t in first[1:4]] == ["mine", "other", "mine"]
    assert ("sessionId" in first[0]) == (client_name == "codex_python_sdk")
    read = json.loads(raw[7])["result"]["thread"]
    assert (read["id"], read["name"], read["modelProvider"]) == (tid(2), 'named "two"', "mine")
    assert [[item["type"] for item in turn["items"]] for turn in read["turns"]] == [
        ["userMessage", "agentMessage"]
    ]


# -- archive, unarchive, names --------------------------------------------------------


def test_archive_and_unarchive(spawn: Spawn, codex_home: Path) -> None:
    path = place_reference(codex_home)
    client = v2_client(spawn)
    start = client.mark()
    assert client.call("thread/archive", {"threadId": REFERENCE_ID}) == {}
    note = client.wait_notification("thread/archived", start=start)
    assert note["params"] == {"threadId": REFERENCE_ID}
    assert not path.exists()
    archived_path = codex_home.resolve() / "archived_sessions" / REFERENCE_NAME
    assert archived_path.is_file()
    assert client.call("thread/list", {})["data"] == []
    [archived] = client.call("thread/list", {"archived": True})["data"]
    assert archived["path"] == str(archived_path)
    assert archived["status"] == {"type": "notLoaded"}
    # an archived thread can still be read
    read = client.call("thread/read", {"threadId": REFERENCE_ID, "includeTurns": True})
    assert len(read["thread"]["turns"]) == 2
    assert client.call_error("thread/archive", {"threadId": REFERENCE_ID})["message"] == (
        f"no rollout found for thread id {REFERENCE_ID}"
    )
    start = client.mark()
    thread = client.call("thread/unarchive", {"threadId": REFERENCE_ID})["thread"]
    note = client.wait_notification("thread/unarchived", start=start)
    assert note["params"] == {"threadId": REFERENCE_ID}
    assert thread["id"] == REFERENCE_ID and thread["preview"] == "first q"
    assert thread["turns"] == []
    restored = codex_home.resolve() / "sessions" / "2026" / "12" / "02" / REFERENCE_NAME
    assert thread["path"] == str(restored) and restored.is_file()
    assert thread["updatedAt"] > 1796193660  # moving it back counts as an update
    assert [t["id"] for t in client.call("thread/list", {})["data"]] == [REFERENCE_ID]
    assert client.call("thread/list", {"archived": True})["data"] == []


def test_name_set(spawn: Spawn, codex_home: Path) -> None:
    path = place_reference(codex_home)
    client = v2_client(spawn)
    # as in 0.107.0, only a loaded thread can be named
    assert client.call_error("thread/name/set", {"threadId": REFERENCE_ID, "name": "x"}) == {
        "code": -32600,
        "message": f"thread not found: {REFERENCE_ID}",
    }
    client.call("resumeConversation", {"path": str(path)})
    start = client.mark()
    reply = client.request("thread/name/set", {"threadId": REFERENCE_ID, "name": "  My Thread "})
    assert reply["result"] == {}
    note = client.wait_notification("thread/name/updated", start=start)
    assert note["params"] == {"threadId": REFERENCE_ID, "threadName": "My Thread"}
    sent = client.since(start)
    assert sent.index(note) > next(i for i, m in enumerate(sent) if m.get("id") == reply["id"])
    # kept as 0.107.0 keeps it
    [entry] = [json.loads(x) for x in (codex_home / "session_index.jsonl").read_text().splitlines()]
    assert list(entry) == ["id", "thread_name", "updated_at"]
    assert entry["id"] == REFERENCE_ID and entry["thread_name"] == "My Thread"
    read = client.call("thread/read", {"threadId": REFERENCE_ID})["thread"]
    assert read["name"] == "My Thread"
    [listed] = client.call("thread/list", {})["data"]
    assert listed["name"] == "My Thread"
    client.call("thread/name/set", {"threadId": REFERENCE_ID, "name": "Renamed"})
    assert client.call("thread/read", {"threadId": REFERENCE_ID})["thread"]["name"] == "Renamed"
    assert client.call_error("thread/name/set", {"threadId": REFERENCE_ID, "name": "  "}) == {
        "code": -32600,
        "message": "thread name must not be empty",
    }
    # names outlive the daemon
    client.close_stdin()
    client.wait_exit()
    other = v2_client(spawn)
    assert other.call("thread/read", {"threadId": REFERENCE_ID})["thread"]["name"] == "Renamed"


# -- v1 and v2 together -----------------------------------------------------------------


def test_v1_conversation_is_a_v2_thread(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(assistant_message("the answer"))
    client = v2_client(spawn)
    started = client.call("newConversation", {"cwd": str(workdir)})
    cid = started["conversationId"]
    assert client.call("thread/loaded/list", {}) == {"data": [cid], "nextCursor": None}
    # not listed before its first user message
    assert client.call("thread/list", {})["data"] == []
    client.call("addConversationListener", {"conversationId": cid})
    client.call(
        "sendUserMessage",
        {"conversationId": cid, "items": [{"type": "text", "data": {"text": "the question"}}]},
    )
    client.wait_event("task_complete", cid)
    [thread] = client.call("thread/list", {})["data"]
    assert thread["id"] == cid
    assert thread["preview"] == "the question"
    assert thread["status"] == {"type": "idle"}
    assert thread["path"] == started["rolloutPath"]
    assert thread["cwd"] == str(workdir)
    assert thread["modelProvider"] == "mock"
    read = client.call("thread/read", {"threadId": cid, "includeTurns": True})["thread"]
    [turn] = read["turns"]
    assert turn["status"] == "completed"
    assert [(item["type"], item["id"]) for item in turn["items"]] == [
        ("userMessage", "item-1"),
        ("agentMessage", "item-2"),
    ]
    assert turn["items"][0]["content"] == [
        {"type": "text", "text": "the question", "text_elements": []}
    ]
    assert turn["items"][1]["text"] == "the answer"
    # archived through v2, it leaves the v1 listing too; unloaded before the reply
    start = client.mark()
    reply = client.request("thread/archive", {"threadId": cid})
    assert reply["result"] == {}
    client.wait_notification("thread/archived", start=start)
    sent = [
        m for m in client.since(start) if "id" in m or m.get("method", "").startswith("thread/")
    ]
    assert [m.get("method", "reply") for m in sent] == [
        "thread/status/changed",
        "reply",
        "thread/archived",
    ]
    assert sent[0]["params"] == {"threadId": cid, "status": {"type": "notLoaded"}}
    assert client.call("thread/loaded/list", {})["data"] == []
    assert client.call("listConversations", {}) == {"items": [], "nextCursor": None}
    [archived] = client.call("thread/list", {"archived": True})["data"]
    assert archived["id"] == cid and archived["status"] == {"type": "notLoaded"}


def run_v1_turn(client: DaemonClient, cid: str, text: str) -> None:
    start = client.mark()
    client.call(
        "sendUserMessage",
        {"conversationId": cid, "items": [{"type": "text", "data": {"text": text}}]},
    )
    client.wait_event("task_complete", cid, start=start)


def test_rollback(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(*(assistant_message(f"answer {n}") for n in range(5)))
    client = v2_client(spawn)
    started = client.call("newConversation", {"cwd": str(workdir)})
    cid = started["conversationId"]
    client.call("addConversationListener", {"conversationId": cid})
    for n in range(3):
        run_v1_turn(client, cid, f"question {n}")
    assert client.call_error("thread/rollback", {"threadId": cid, "numTurns": 0}) == {
        "code": -32600,
        "message": "numTurns must be >= 1",
    }
    assert client.call_error("thread/rollback", {"threadId": MISSING, "numTurns": 1}) == {
        "code": -32600,
        "message": f"thread not found: {MISSING}",
    }
    thread = client.call("thread/rollback", {"threadId": cid, "numTurns": 2})["thread"]
    assert thread["id"] == cid and thread["status"] == {"type": "idle"}
    assert [[item["type"] for item in turn["items"]] for turn in thread["turns"]] == [
        ["userMessage", "agentMessage"]
    ]
    assert thread["turns"][0]["items"][1]["text"] == "answer 0"
    # recorded as 0.107.0 records it
    last = json.loads(Path(started["rolloutPath"]).read_text().splitlines()[-1])
    assert last["type"] == "event_msg"
    assert last["payload"] == {"type": "thread_rolled_back", "num_turns": 2}
    read = client.call("thread/read", {"threadId": cid, "includeTurns": True})["thread"]
    # (v1 turns record no turn id: each reading gives them a fresh one)
    assert [turn["items"] for turn in read["turns"]] == [turn["items"] for turn in thread["turns"]]
    # the model no longer sees the dropped turns
    run_v1_turn(client, cid, "question 3")
    texts = mock_model.last_model_request.input_texts()
    assert "question 0" in texts and "answer 0" in texts and "question 3" in texts
    assert not {"question 1", "answer 1", "question 2", "answer 2"} & set(texts)
    # nor after a resume in another daemon
    client.close_stdin()
    client.wait_exit()
    other = v2_client(spawn)
    other.call("resumeConversation", {"path": started["rolloutPath"]})
    other.call("addConversationListener", {"conversationId": cid})
    run_v1_turn(other, cid, "question 4")
    texts = mock_model.last_model_request.input_texts()
    assert "question 3" in texts and "question 4" in texts
    assert not {"question 1", "answer 1", "question 2", "answer 2"} & set(texts)
    turns = other.call("thread/read", {"threadId": cid, "includeTurns": True})["thread"]["turns"]
    assert [turn["items"][0]["content"][0]["text"] for turn in turns] == [
        "question 0",
        "question 3",
        "question 4",
    ]


def test_fork(spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(assistant_message("forked answer"))
    source = place_reference(codex_home)
    client = v2_client(spawn)
    assert client.call_error("thread/fork", {"threadId": MISSING})["message"] == (
        f"no rollout found for thread id {MISSING}"
    )
    start = client.mark()
    result = client.call("thread/fork", {"threadId": REFERENCE_ID, "cwd": str(workdir)})
    assert {"thread", "model", "modelProvider", "cwd", "approvalPolicy", "sandbox"} <= set(result)
    assert result["reasoningEffort"] is None
    assert result["model"] == "mock-model"
    assert result["modelProvider"] == "mock"
    assert result["cwd"] == str(workdir)
    assert result["approvalPolicy"] == "never"
    assert result["sandbox"] == {"type": "dangerFullAccess"}
    thread = result["thread"]
    fork_id = thread["id"]
    assert fork_id != REFERENCE_ID
    assert thread["status"] == {"type": "idle"}
    assert thread["preview"] == "first q" and thread["name"] is None
    original = client.call("thread/read", {"threadId": REFERENCE_ID, "includeTurns": True})
    assert thread["turns"] == original["thread"]["turns"]
    path = Path(thread["path"])
    assert path.parent.parent.parent.parent == codex_home.resolve() / "sessions"
    assert path.name.endswith(f"-{fork_id}.jsonl")
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert list(lines[0]["payload"])[:2] == ["id", "forked_from_id"]
    assert lines[0]["payload"]["forked_from_id"] == REFERENCE_ID
    assert lines[1:] == [json.loads(x) for x in source.read_text().splitlines()]
    status = client.wait_notification("thread/status/changed", start=start)
    assert status["params"] == {"threadId": fork_id, "status": {"type": "idle"}}
    started = client.wait_notification("thread/started", start=start)
    assert started["params"]["thread"] == thread
    assert client.call("thread/loaded/list", {})["data"] == [fork_id]
    listed = [t["id"] for t in client.call("thread/list", {})["data"]]
    assert listed == [fork_id, REFERENCE_ID]
    # the fork goes on from the original's history (rolled-back turn left out)
    client.call("addConversationListener", {"conversationId": fork_id})
    run_v1_turn(client, fork_id, "third try")
    texts = mock_model.last_model_request.input_texts()
    assert "first q" in texts and "second q" in texts and "third try" in texts
    assert "third q" not in texts
    assert source.read_text() == REFERENCE_ROLLOUT.read_text()  # the original is untouched
