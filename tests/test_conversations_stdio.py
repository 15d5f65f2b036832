"""Conversations through the real daemon over stdio: create, list, resume,
archive, listen, and what stays on disk."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from app_server_protocol.events import EventMsg
from tests.harness.stdio import DaemonClient
from tests.mock_model_server import MockModelServer, assistant_message, write_mock_config
from tests.rollouts import (
    REFERENCE_EXAMPLE,
    REFERENCE_THREE_TURNS,
    meta,
    write_rollout,
)

Spawn = Callable[..., DaemonClient]
GHOST = "67e55044-10b1-426f-9247-bb680e5fe0c8"
#: An empty page (0.107 writes the null cursor).
NOTHING_LISTED = {"items": [], "nextCursor": None}
_EVENT: TypeAdapter[Any] = TypeAdapter(EventMsg)


def text_items(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "data": {"text": text}}]


def read_lines(path: str | Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_bytes().splitlines()]


def copy_into_sessions(codex_home: Path, source: Path) -> tuple[str, Path]:
    """Place a rollout file where the reference would have written it."""
    first = read_lines(source)[0]
    cid = first["payload"]["id"]
    stamp = first["payload"]["timestamp"]
    file_ts = stamp[:19].replace(":", "-")
    folder = codex_home / "sessions" / file_ts[0:4] / file_ts[5:7] / file_ts[8:10]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"rollout-{file_ts}-{cid}.jsonl"
    shutil.copyfile(source, path)
    return cid, path


# -- newConversation ------------------------------------------------------------


def first_turn(client: DaemonClient, mock_model: MockModelServer, cid: str) -> None:
    """One turn (which makes the conversation's rollout file)."""
    mock_model.enqueue(assistant_message("ok"))
    client.call("addConversationListener", {"conversationId": cid})
    start = client.mark()
    client.call("sendUserMessage", {"conversationId": cid, "items": text_items("hi")})
    client.wait_event("task_complete", start=start)


def test_new_conversation(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    client = spawn()
    result = client.call("newConversation", {"cwd": str(workdir), "model": "m1"})
    assert list(result) == ["conversationId", "model", "reasoningEffort", "rolloutPath"]
    cid = result["conversationId"]
    assert uuid.UUID(cid).version == 7
    assert result["model"] == "m1"
    path = Path(result["rolloutPath"])
    sessions = codex_home.resolve() / "sessions"
    assert path.parent.parent.parent.parent == sessions
    assert re.fullmatch(rf"rollout-\d{{4}}-\d\d-\d\dT\d\d-\d\d-\d\d-{cid}\.jsonl", path.name)
    # As 0.107: no file before the first turn, so not listed
    assert not path.exists() and not sessions.exists()
    assert not [m for m in client.messages if "method" in m]
    assert client.call("listConversations", {}) == NOTHING_LISTED
    other = client.call("newConversation", {})
    assert other["conversationId"] != cid and other["rolloutPath"] != str(path)
    first_turn(client, mock_model, cid)
    # made with the first turn: meta, then the initial context, then the turn
    lines = read_lines(path)
    assert [line["type"] for line in lines[:3]] == [
        "session_meta",
        "response_item",
        "response_item",
    ]
    meta_line = lines[0]
    assert list(meta_line) == ["timestamp", "type", "payload"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", meta_line["timestamp"])
    payload = meta_line["payload"]
    assert list(payload) == [
        "id",
        "timestamp",
        "cwd",
        "originator",
        "cli_version",
        "source",
        "model_provider",
        "base_instructions",
    ]
    # The model's instructions are kept with the thread (as 0.107 keeps them).
    assert list(payload["base_instructions"]) == ["text"]
    assert payload["id"] == cid
    assert payload["cwd"] == str(workdir)
    assert payload["source"] == "vscode"
    assert payload["model_provider"] == "mock"
    developer, context = lines[1]["payload"], lines[2]["payload"]
    assert developer["role"] == "developer"
    assert developer["content"][0]["text"].startswith("<permissions instructions>\n")
    assert context["role"] == "user"
    text = context["content"][0]["text"]
    assert text.startswith(f"<environment_context>\n  <cwd>{workdir}</cwd>\n  <shell>")
    assert [item["conversationId"] for item in client.call("listConversations", {})["items"]] == [
        cid
    ]


def test_new_conversation_with_every_param(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model, extra='[profiles.fast]\nmodel = "fast-model"\n')
    (codex_home / "AGENTS.md").write_text("  Be brief.\n")
    client = spawn()
    result = client.call(
        "newConversation",
        {
            "profile": "fast",
            "cwd": str(workdir),
            "approvalPolicy": "on-request",
            "sandbox": "workspace-write",
            "config": {"model_reasoning_effort": "high"},
            "baseInstructions": "Base.",
            "includeApplyPatchTool": True,
        },
    )
    assert result["model"] == "fast-model"
    assert result["reasoningEffort"] == "high"
    first_turn(client, mock_model, result["conversationId"])
    lines = read_lines(result["rolloutPath"])
    assert lines[0]["payload"]["instructions"] == "Be brief."
    permissions = lines[1]["payload"]["content"][0]["text"]
    assert "`sandbox_mode` is `workspace-write`" in permissions
    assert "Network access is restricted." in permissions
    assert "# Escalation Requests" in permissions  # on-request
    texts = [part["text"] for part in lines[2]["payload"]["content"]]
    assert texts[0] == (
        f"# AGENTS.md instructions for {workdir}\n\n<INSTRUCTIONS>\nBe brief.\n</INSTRUCTIONS>"
    )
    assert texts[1].startswith("<environment_context>")


def test_new_conversation_config_errors(spawn: Spawn) -> None:
    client = spawn()
    error = client.call_error("newConversation", {"profile": "missing"})
    assert error == {
        "code": -32600,
        "message": "error deriving config: config profile `missing` not found",
    }
    assert client.call_error("newConversation", {"sandbox": "everything"})["code"] == -32600


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_facts_are_recorded(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=workdir, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("-c", "user.email=a@b", "-c", "user.name=n", "commit", "-q", "--allow-empty", "-m", "x")
    git("remote", "add", "origin", "https://example.com/x.git")
    (workdir / "sub").mkdir()
    write_mock_config(codex_home, mock_model)
    client = spawn()
    result = client.call("newConversation", {"cwd": str(workdir / "sub")})
    first_turn(client, mock_model, result["conversationId"])
    git_info = read_lines(result["rolloutPath"])[0]["payload"]["git"]
    assert list(git_info) == ["commit_hash", "branch", "repository_url"]
    assert git_info["branch"] == "main"
    assert git_info["repository_url"] == "https://example.com/x.git"
    assert re.fullmatch(r"[0-9a-f]{40}", git_info["commit_hash"])


# -- listConversations ------------------------------------------------------------


def test_a_reference_rollout_is_listed(spawn: Spawn, codex_home: Path) -> None:
    cid, path = copy_into_sessions(codex_home, REFERENCE_EXAMPLE)
    set_mtime(path, 0)
    client = spawn()
    result = client.call("listConversations", {"pageSize": 10})
    assert result == {
        "items": [
            {
                "conversationId": cid,
                "path": str(codex_home.resolve() / path.relative_to(codex_home)),
                "preview": "Say hello",
                "timestamp": "2026-11-22T10:05:05Z",
                "updatedAt": "2023-11-14T22:13:20Z",
                # 0.50 did not record it: the configured one
                "modelProvider": "openai",
                "cwd": "/home/user/project",
                "cliVersion": "0.50.0",
                "source": "vscode",
                "gitInfo": None,
            }
        ],
        # the file's last modification, as the reference spells it
        "nextCursor": f"2023-11-14T22-13-20|{cid}",
    }


#: 2023-11-14T22:13:20Z
_BASE_MTIME = 1_700_000_000


def set_mtime(path: Path, offset: int) -> None:
    """Make ``path`` last modified ``offset`` seconds after `_BASE_MTIME`."""
    stamp = (_BASE_MTIME + offset) * 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


def test_pagination_with_cursors(spawn: Spawn, codex_home: Path) -> None:
    ids = []
    # created in the opposite order of their last updates: the updates count
    for day in range(1, 31):
        cid, path = write_rollout(codex_home, f"2025-01-{31 - day:02d}T10-00-00", prompt=f"m{day}")
        set_mtime(path, day * 60)
        ids.append(cid)
    client = spawn()
    first = client.call("listConversations", {})
    assert len(first["items"]) == 25
    assert [i["preview"] for i in first["items"][:2]] == ["m30", "m29"]
    assert first["nextCursor"] == f"2023-11-14T22-19-20|{ids[5]}"
    second = client.call("listConversations", {"pageSize": 25, "cursor": first["nextCursor"]})
    assert [i["preview"] for i in second["items"]] == ["m5", "m4", "m3", "m2", "m1"]
    assert second["nextCursor"] == f"2023-11-14T22-14-20|{ids[0]}"
    # the page after the last is empty, without cursor
    assert client.call("listConversations", {"cursor": second["nextCursor"]}) == NOTHING_LISTED
    # an unparsable cursor starts over; page size 0 is empty; unknown params are ignored
    again = client.call(
        "listConversations", {"pageSize": 1, "cursor": "garbage", "modelProviders": ["x"]}
    )
    assert [i["preview"] for i in again["items"]] == ["m30"]
    assert client.call("listConversations", {"pageSize": 0}) == NOTHING_LISTED
    assert client.call_error("listConversations", {"pageSize": -1})["code"] == -32600


def test_a_conversation_appended_to_moves_to_the_front(spawn: Spawn, codex_home: Path) -> None:
    paths = {}
    for n in range(1, 4):
        _, paths[n] = write_rollout(codex_home, f"2025-01-0{n}T10-00-00", prompt=f"m{n}")
        set_mtime(paths[n], n * 60)
    client = spawn()
    first = client.call("listConversations", {"pageSize": 1})
    assert [i["preview"] for i in first["items"]] == ["m3"]
    # m1 is recorded further while the client pages: it moves ahead of the
    # cursor, and the next page neither repeats nor skips anything else
    with paths[1].open("ab") as file:
        file.write(
            b'{"timestamp":"2025-01-01T10:00:01Z","type":"event_msg",'
            b'"payload":{"type":"agent_message","message":"later"}}\n'
        )
    rest = client.call("listConversations", {"pageSize": 5, "cursor": first["nextCursor"]})
    assert [i["preview"] for i in rest["items"]] == ["m2"]
    again = client.call("listConversations", {"pageSize": 5})
    assert [i["preview"] for i in again["items"]] == ["m1", "m3", "m2"]
    assert again["items"][0]["updatedAt"] > again["items"][1]["updatedAt"]
    assert again["items"][1]["updatedAt"] == "2023-11-14T22:16:20Z"


@pytest.mark.parametrize("provider", [None, "mock"], ids=["default-provider", "configured"])
def test_listing_is_answered_before_the_server_is_loaded(
    spawn: Spawn, codex_home: Path, provider: str | None
) -> None:
    write_rollout(codex_home, "2025-01-01T10-00-00", prompt='tricky "quotes" \\ é \u2028 \x01')
    if provider is not None:
        # the files name no provider: the configured one is named for them
        (codex_home / "config.toml").write_text(
            f'model_provider = "{provider}"\n'
            f'[model_providers.{provider}]\nname = "Mock"\nbase_url = "http://127.0.0.1:9/v1"\n'
        )
    # pipelined right after initialize: answered by the early stage...
    client = spawn(initialize=False)
    client.send(
        {"id": 1, "method": "initialize", "params": {"clientInfo": {"name": "t", "version": "1"}}}
    )
    client.send({"method": "initialized"})
    client.send({"id": 2, "method": "listConversations", "params": {"pageSize": 5}})
    client.send({"id": 3, "method": "getUserAgent"})
    early = client.wait_for(lambda m: m.get("id") == 2, 15, "early listing")
    client.wait_for(lambda m: m.get("id") == 3, 15, "getUserAgent")
    # ...byte for byte what the full server answers
    client.send({"id": 4, "method": "listConversations", "params": {"pageSize": 5}})
    client.wait_for(lambda m: m.get("id") == 4, 15, "late listing")
    raw = {
        json.loads(line)["id"]: line
        for line in client.raw_lines
        if b'"id":2' in line or b'"id":4' in line
    }
    assert raw[2].replace(b'"id":2', b'"id":4') == raw[4]
    assert early["result"]["items"][0]["preview"] == 'tricky "quotes" \\ é \u2028 \x01'
    assert early["result"]["items"][0]["modelProvider"] == (provider or "openai")


def test_listing_sees_what_live_conversations_wrote(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    client = spawn()
    created = client.call("newConversation", {})
    client.call("newConversation", {})  # never had a turn: not listed
    first_turn(client, mock_model, created["conversationId"])
    items = client.call("listConversations", {})["items"]
    assert [(i["conversationId"], i["preview"]) for i in items] == [
        (created["conversationId"], "hi")
    ]


# -- resumeConversation ------------------------------------------------------------


@pytest.mark.parametrize(
    "source", [REFERENCE_THREE_TURNS, REFERENCE_EXAMPLE], ids=["three-turns", "example"]
)
def test_resume_a_reference_rollout(spawn: Spawn, codex_home: Path, source: Path) -> None:
    if not source.exists():
        pytest.skip("../shared is not available")
    cid, path = copy_into_sessions(codex_home, source)
    # written back in 0.107's shapes
    recorded = [
        _EVENT.dump_python(_EVENT.validate_python(line["payload"]), mode="json")
        for line in read_lines(source)
        if line["type"] == "event_msg"
    ]
    client = spawn()
    start = client.mark()
    response = client.request(
        "resumeConversation", {"path": str(path), "overrides": {"model": "m2"}}
    )
    result = response["result"]
    assert result == {
        "conversationId": cid,
        "model": "m2",
        "initialMessages": recorded,
        "rolloutPath": str(path),
    }
    configured = client.wait_notification("sessionConfigured", start=start)
    assert client.messages.index(configured) < client.messages.index(response)
    assert configured["params"] == {
        "sessionId": cid,
        "model": "m2",
        "reasoningEffort": None,
        "historyLogId": 0,
        "historyEntryCount": 0,
        "initialMessages": recorded,
        "rolloutPath": str(path),
    }
    # resuming again is accepted; the conversation is live
    assert client.call("resumeConversation", {"path": str(path)})["conversationId"] == cid
    assert "subscriptionId" in client.call("addConversationListener", {"conversationId": cid})
    assert path.read_bytes() == source.read_bytes()


def test_resume_errors(spawn: Spawn, tmp_path: Path) -> None:
    client = spawn()

    def error(path: Path) -> Any:
        return client.call_error("resumeConversation", {"path": str(path)})

    # (0.107.0's words)
    missing = tmp_path / "missing.jsonl"
    assert error(missing) == {
        "code": -32600,
        "message": f"failed to load rollout `{missing}`: No such file or directory (os error 2)",
    }
    (tmp_path / "empty.jsonl").write_text("")
    assert error(tmp_path / "empty.jsonl")["message"] == (
        f"failed to load rollout `{tmp_path / 'empty.jsonl'}`: empty session file"
    )
    (tmp_path / "garbage.jsonl").write_text("garbage\n")
    assert error(tmp_path / "garbage.jsonl")["message"] == (
        f"failed to load rollout `{tmp_path / 'garbage.jsonl'}`: "
        "failed to parse thread ID from rollout file"
    )
    assert error(tmp_path)["message"] == (
        f"failed to load rollout `{tmp_path}`: Is a directory (os error 21)"
    )


def test_resume_after_a_torn_write(spawn: Spawn, codex_home: Path) -> None:
    cid, path = write_rollout(codex_home, "2025-01-01T10-00-00", prompt="before the crash")
    with path.open("ab") as file:
        file.write(b'{"timestamp":"2025-01-01T00:00:01.000Z","type":"event_ms')
    client = spawn()
    assert client.call("listConversations", {})["items"][0]["preview"] == "before the crash"
    result = client.call("resumeConversation", {"path": str(path)})
    assert result["conversationId"] == cid
    assert [m["type"] for m in result["initialMessages"]] == ["user_message"]
    assert path.read_bytes().endswith(b'"type":"event_ms\n')


# -- archiveConversation ------------------------------------------------------------


def test_archive(spawn: Spawn, codex_home: Path) -> None:
    cid, path = write_rollout(codex_home, "2025-01-01T10-00-00")
    client = spawn()
    assert (
        client.call("archiveConversation", {"conversationId": cid, "rolloutPath": str(path)}) == {}
    )
    assert not path.exists()
    archived = codex_home / "archived_sessions" / path.name
    assert archived.exists()
    assert client.call("listConversations", {}) == NOTHING_LISTED
    # an archived file can still be resumed
    assert client.call("resumeConversation", {"path": str(archived)})["conversationId"] == cid


def test_archive_before_the_first_turn_is_refused_as_0_107(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    client = spawn()
    created = client.call("newConversation", {})
    params = {"conversationId": created["conversationId"], "rolloutPath": created["rolloutPath"]}
    assert client.call_error("archiveConversation", params) == {
        "code": -32603,
        "message": "failed to archive thread: unable to resolve sessions directory: "
        "No such file or directory (os error 2)",
    }
    first_turn(client, mock_model, client.call("newConversation", {})["conversationId"])
    assert client.call_error("archiveConversation", params) == {
        "code": -32600,
        "message": f"rollout path `{created['rolloutPath']}` must be in sessions directory",
    }
    assert not (codex_home / "archived_sessions").exists()
    # the conversation lives on, and its first turn makes its file
    first_turn(client, mock_model, created["conversationId"])
    assert Path(created["rolloutPath"]).is_file()
    assert client.call("archiveConversation", params) == {}


def test_archive_a_live_conversation(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    client = spawn()
    created = client.call("newConversation", {})
    cid = created["conversationId"]
    first_turn(client, mock_model, cid)  # (adds a listener)
    client.call("addConversationListener", {"conversationId": cid})
    start = client.mark()
    result = client.call(
        "archiveConversation", {"conversationId": cid, "rolloutPath": created["rolloutPath"]}
    )
    assert result == {}
    shutdowns = [
        m for m in client.since(start) if m.get("method") == "codex/event/shutdown_complete"
    ]
    assert [m["params"] for m in shutdowns] == [
        {
            "id": shutdowns[0]["params"]["id"],
            "msg": {"type": "shutdown_complete"},
            "conversationId": cid,
        }
    ] * 2
    assert uuid.UUID(shutdowns[0]["params"]["id"]).version == 7
    for method in ("sendUserMessage", "addConversationListener", "interruptConversation"):
        error = client.call_error(method, {"conversationId": cid, "items": text_items("x")})
        assert error == {"code": -32600, "message": f"conversation not found: {cid}"}


def test_archive_refuses_paths_outside_sessions(
    spawn: Spawn, codex_home: Path, tmp_path: Path
) -> None:
    cid, path = write_rollout(codex_home, "2025-01-01T10-00-00")
    outside = tmp_path / "outside"
    outside.mkdir()
    stray = outside / path.name
    shutil.copyfile(path, stray)
    day = path.parent
    link_out = day / f"rollout-2025-01-01T09-00-00-{cid}.jsonl"
    link_out.symlink_to(stray)
    escaping = codex_home / "sessions" / ".." / "sessions" / ".." / ".." / "outside" / path.name
    dir_named = day / f"rollout-2025-01-01T08-00-00-{cid}.jsonl"
    dir_named.mkdir()
    client = spawn()

    def archive(conversation_id: str, rollout_path: str) -> Any:
        return client.call_error(
            "archiveConversation", {"conversationId": conversation_id, "rolloutPath": rollout_path}
        )

    def outside_error(given: str) -> dict[str, Any]:
        return {"code": -32600, "message": f"rollout path `{given}` must be in sessions directory"}

    relative = os.path.relpath(path, codex_home.parent)
    for given in (
        str(stray),
        str(link_out),
        str(escaping),
        relative,
        "/etc/passwd",
        str(day / "nope.jsonl"),
        "",
        str(codex_home / "sessions"),
    ):
        assert archive(cid, given) == outside_error(given), given
    assert archive(GHOST, str(path)) == {
        "code": -32600,
        "message": f"rollout path `{path}` does not match conversation id {GHOST}",
    }
    assert archive(cid, str(dir_named))["code"] == -32600
    assert path.exists() and stray.exists() and link_out.is_symlink()
    assert not (codex_home / "archived_sessions").exists()
    # `..` that stays inside is fine
    inside = day / ".." / day.name / path.name
    assert (
        client.call("archiveConversation", {"conversationId": cid, "rolloutPath": str(inside)})
        == {}
    )


# -- listeners and turns ------------------------------------------------------------


def test_listeners(spawn: Spawn, codex_home: Path, mock_model: MockModelServer) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(assistant_message("one"), assistant_message("two"))
    client = spawn()
    cid = client.call("newConversation", {})["conversationId"]
    first = client.call("addConversationListener", {"conversationId": cid})["subscriptionId"]
    second = client.call("addConversationListener", {"conversationId": cid})["subscriptionId"]
    assert uuid.UUID(first).version == 4 and first != second
    start = client.mark()
    assert client.call("sendUserMessage", {"conversationId": cid, "items": text_items("hi")}) == {}
    client.wait_for(
        lambda m: (
            len([x for x in client.since(start) if x.get("method") == "codex/event/task_complete"])
            == 2
        ),
        15,
        "both listeners' task_complete",
    )
    # each listener receives every event: every event arrives twice, in a row
    events = [m for m in client.since(start) if m.get("method", "").startswith("codex/event/")]
    assert events[0::2] == events[1::2]
    methods = [m["method"] for m in events[0::2]]
    # (0.107 warns at each turn of a model it has no metadata for)
    assert methods[:2] == ["codex/event/warning", "codex/event/task_started"]
    assert methods[-1] == "codex/event/task_complete"
    assert "codex/event/agent_message" in methods
    turn_id = events[2]["params"]["msg"]["turn_id"]
    assert all(
        m["params"]["id"] == turn_id and m["params"]["conversationId"] == cid for m in events
    )
    assert client.call("removeConversationListener", {"subscriptionId": first}) == {}
    assert client.call_error("removeConversationListener", {"subscriptionId": first}) == {
        "code": -32600,
        "message": f"subscription not found: {first}",
    }
    start = client.mark()
    client.call(
        "sendUserTurn",
        {
            "conversationId": cid,
            "items": text_items("again"),
            "cwd": "/",
            "approvalPolicy": "never",
            "sandboxPolicy": {"mode": "read-only"},
            "model": "m",
            "summary": "auto",
        },
    )
    done = client.wait_event("task_complete", cid, start=start)
    assert done["params"]["id"] not in (turn_id, "1")
    assert done["params"]["id"] == done["params"]["msg"]["turn_id"]
    # one listener left: each event once
    methods = [m["method"] for m in client.since(start) if m.get("method", "").startswith("codex/")]
    assert methods.count("codex/event/task_complete") == 1
    assert methods.count("codex/event/agent_message") == 1
    # no turn running: the interrupt is answered at once
    assert client.call("interruptConversation", {"conversationId": cid}) == {
        "abortReason": "interrupted"
    }


def test_unknown_conversations(spawn: Spawn) -> None:
    client = spawn()
    not_found = {"code": -32600, "message": f"conversation not found: {GHOST}"}
    assert (
        client.call_error("sendUserMessage", {"conversationId": GHOST, "items": text_items("x")})
        == not_found
    )
    turn = {
        "conversationId": GHOST,
        "items": [],
        "cwd": "/",
        "approvalPolicy": "never",
        "sandboxPolicy": {"mode": "read-only"},
        "model": "m",
        "summary": "auto",
    }
    assert client.call_error("sendUserTurn", turn) == not_found
    assert client.call_error("interruptConversation", {"conversationId": GHOST}) == not_found
    assert client.call_error("addConversationListener", {"conversationId": GHOST}) == not_found
    assert (
        client.call_error("sendUserMessage", {"conversationId": "nope", "items": []})["code"]
        == -32600
    )


# -- the daemon's lifetime ------------------------------------------------------------


def test_stdin_eof_exits_promptly_with_complete_files(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    client = spawn()
    created = [client.call("newConversation", {}) for _ in range(3)]
    first_turn(client, mock_model, created[0]["conversationId"])
    client.close_stdin()
    assert client.wait_exit(10) == 0
    types = [line["type"] for line in read_lines(created[0]["rolloutPath"])]
    assert types[0] == "session_meta" and types[-1] == "event_msg"
    # the conversations that never had a turn leave nothing behind
    assert [p.name for p in (codex_home / "sessions").rglob("*.jsonl")] == [
        Path(created[0]["rolloutPath"]).name
    ]


def test_kill_9_while_creating_conversations_leaves_nothing(spawn: Spawn, codex_home: Path) -> None:
    client = spawn()
    for n in range(40):
        client.send({"id": 1000 + n, "method": "newConversation", "params": {}})
    client.wait_for(lambda m: m.get("id") == 1000, 15, "the first conversation")
    time.sleep(0.02)
    client.proc.kill()
    client.proc.wait(10)
    # files are made with a first turn: none had one
    assert not (codex_home / "sessions").exists()
    other = spawn()
    assert other.call("listConversations", {}) == NOTHING_LISTED


def test_a_meta_only_file_is_not_listed(spawn: Spawn, codex_home: Path) -> None:
    cid = str(uuid.uuid4())
    write_rollout(codex_home, "2025-01-01T10-00-00", lines=[meta(cid)], conversation_id=cid)
    assert spawn().call("listConversations", {}) == NOTHING_LISTED


# -- getConversationSummary and forkConversation ------------------------------------


def test_conversation_summary_by_path_and_by_id(spawn: Spawn, codex_home: Path) -> None:
    cid, path = write_rollout(codex_home, "2025-01-02T12-00-00", prompt="sum me")
    client = spawn()
    real = str(codex_home.resolve() / path.relative_to(codex_home))
    by_path = client.call("getConversationSummary", {"rolloutPath": str(path)})["summary"]
    by_id = client.call("getConversationSummary", {"conversationId": cid})["summary"]
    expected = {
        "conversationId": cid,
        "path": real,
        "preview": "sum me",
        "timestamp": "2025-01-01T00:00:00Z",
        "updatedAt": by_id["updatedAt"],
        "modelProvider": "openai",
        "cwd": "/home/user/project",
        "cliVersion": "0.50.0",
        "source": "vscode",
        "gitInfo": None,
    }
    assert by_id == expected
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", by_id["updatedAt"])
    # by path, the start time is the recorded one, to the millisecond (as the reference)
    assert by_path == {**expected, "timestamp": "2025-01-01T00:00:00.000Z"}
    # relative paths are under CODEX_HOME
    relative = str(path.relative_to(codex_home))
    assert client.call("getConversationSummary", {"rolloutPath": relative})["summary"] == by_path
    assert client.call_error("getConversationSummary", {"conversationId": GHOST}) == {
        "code": -32600,
        "message": f"no rollout found for conversation id {GHOST}",
    }
    missing = client.call_error("getConversationSummary", {"rolloutPath": "/nowhere.jsonl"})
    assert missing == {
        "code": -32603,
        "message": "failed to load conversation summary from /nowhere.jsonl: "
        "No such file or directory (os error 2)",
    }


def test_fork_a_recorded_conversation(spawn: Spawn, codex_home: Path) -> None:
    cid, path = write_rollout(codex_home, "2025-01-02T12-00-00", prompt="fork me")
    source = read_lines(path)
    recorded = [line["payload"] for line in source if line["type"] == "event_msg"]
    client = spawn()
    start = client.mark()
    response = client.request("forkConversation", {"conversationId": cid})
    result = response["result"]
    new_id = result["conversationId"]
    assert new_id != cid and uuid.UUID(new_id).version == 7
    assert [m["type"] for m in result["initialMessages"]] == [m["type"] for m in recorded]
    configured = client.wait_notification("sessionConfigured", start=start)
    assert client.messages.index(configured) < client.messages.index(response)
    assert configured["params"]["sessionId"] == new_id
    assert configured["params"]["rolloutPath"] == result["rolloutPath"]
    # the new file: its own meta (naming the source), then the source's records as written
    forked = read_lines(result["rolloutPath"])
    assert forked[0]["payload"]["id"] == new_id
    assert forked[0]["payload"]["forked_from_id"] == cid
    assert forked[1:] == source[1:]
    assert client.call_error("forkConversation", {}) == {
        "code": -32600,
        "message": "either path or conversation id must be provided",
    }
