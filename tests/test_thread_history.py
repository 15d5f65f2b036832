"""Turns rebuilt from rollout lines (`thread/read` with `includeTurns`)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from app_server.conversations.thread_history import build_turns
from app_server.conversations.thread_view import read_thread

DATA = Path(__file__).resolve().parent / "data"


def event(payload: dict[str, Any]) -> dict[str, Any]:
    return {"timestamp": "2026-01-01T00:00:00.000Z", "type": "event_msg", "payload": payload}


def user(text: str, **extra: Any) -> dict[str, Any]:
    return event({"type": "user_message", "message": text, **extra})


def agent(text: str) -> dict[str, Any]:
    return event({"type": "agent_message", "message": text})


def dump(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [turn.model_dump(mode="json", by_alias=True) for turn in build_turns(records)]


def test_extended_history_as_the_reference_reads_it(tmp_path: Path) -> None:
    """A rollout of the 0.107.0 binary with `persistExtendedHistory` (two shell
    calls, one failing; an unsupported patch call), and that binary's answer."""
    expected = json.loads((DATA / "rollout-0.107.0-extended-history.turns.json").read_text())
    thread = read_thread(DATA / "rollout-0.107.0-extended-history.jsonl", True)
    assert [turn.model_dump(mode="json", by_alias=True) for turn in thread.turns] == expected
    assert thread.preview == "q1"
    assert thread.model_provider == "mock_provider"
    without = read_thread(DATA / "rollout-0.107.0-extended-history.jsonl", False)
    assert without.turns == [] and without.preview == "q1"


def test_implicit_turns_get_fresh_ids_and_numbered_items() -> None:
    turns = dump(
        [
            user("one", images=["https://example.com/a.png"], local_images=["/tmp/b.png"]),
            agent("first"),
            agent(""),  # empty messages leave no item
            user("two"),
            agent("second"),
        ]
    )
    assert len(turns) == 2
    assert all(uuid.UUID(turn["id"]).version == 7 for turn in turns)
    assert turns[0]["items"] == [
        {
            "type": "userMessage",
            "id": "item-1",
            "content": [
                {"type": "text", "text": "one", "text_elements": []},
                {"type": "image", "url": "https://example.com/a.png"},
                {"type": "localImage", "path": "/tmp/b.png"},
            ],
        },
        {"type": "agentMessage", "id": "item-2", "text": "first", "phase": None},
    ]
    assert [item["id"] for item in turns[1]["items"]] == ["item-3", "item-4"]
    assert [turn["status"] for turn in turns] == ["completed", "completed"]


def test_statuses_reasoning_and_rollback() -> None:
    turns = dump(
        [
            event({"type": "task_started", "turn_id": "t1"}),
            user("go"),
            event({"type": "agent_reasoning", "text": "a"}),
            event({"type": "agent_reasoning", "text": "b"}),
            event({"type": "agent_reasoning_raw_content", "text": "raw"}),
            event({"type": "turn_aborted", "turn_id": "t1", "reason": "interrupted"}),
            event({"type": "task_started", "turn_id": "t2"}),
            user("again"),
            event(
                {
                    "type": "error",
                    "message": "boom",
                    "codex_error_info": "context_window_exceeded",
                }
            ),
            event({"type": "task_complete", "turn_id": "t2"}),
            event({"type": "task_started", "turn_id": "t3"}),
            user("third"),
            event({"type": "task_complete", "turn_id": "t3"}),
            event({"type": "thread_rolled_back", "num_turns": 1}),
            event({"type": "task_started", "turn_id": "t4"}),
        ]
    )
    assert [(turn["id"], turn["status"]) for turn in turns] == [
        ("t1", "interrupted"),
        ("t2", "failed"),
        ("t4", "inProgress"),
    ]
    assert turns[0]["items"][1] == {
        "type": "reasoning",
        "id": "item-2",
        "summary": ["a", "b"],
        "content": ["raw"],
    }
    assert turns[1]["error"] == {
        "message": "boom",
        "codexErrorInfo": "contextWindowExceeded",
        "additionalDetails": None,
    }
    assert turns[2]["items"] == []


def test_tool_items() -> None:
    turns = dump(
        [
            event({"type": "task_started", "turn_id": "t1"}),
            user("tools"),
            event(
                {
                    "type": "patch_apply_end",
                    "call_id": "p1",
                    "turn_id": "t1",
                    "stdout": "",
                    "stderr": "",
                    "success": True,
                    "changes": {
                        "/w/b.txt": {
                            "type": "update",
                            "unified_diff": "@@ -1 +1 @@",
                            "move_path": None,
                        },
                        "/w/a.txt": {"type": "add", "content": "hello\n"},
                    },
                }
            ),
            event(
                {
                    "type": "mcp_tool_call_end",
                    "call_id": "m1",
                    "invocation": {"server": "srv", "tool": "echo", "arguments": {"x": 1}},
                    "duration": {"secs": 1, "nanos": 500_000_000},
                    "result": {"Ok": {"content": [{"type": "text", "text": "hi"}]}},
                }
            ),
            event(
                {
                    "type": "web_search_end",
                    "call_id": "w1",
                    "query": "weather",
                    "action": {"type": "search", "query": "weather"},
                }
            ),
            event({"type": "context_compacted"}),
            event({"type": "task_complete", "turn_id": "t1"}),
        ]
    )
    [turn] = turns
    items = turn["items"]
    assert items[1] == {
        "type": "fileChange",
        "id": "p1",
        "changes": [
            {"path": "/w/a.txt", "kind": {"type": "add"}, "diff": "hello\n"},
            {
                "path": "/w/b.txt",
                "kind": {"type": "update", "move_path": None},
                "diff": "@@ -1 +1 @@",
            },
        ],
        "status": "completed",
    }
    assert items[2] == {
        "type": "mcpToolCall",
        "id": "m1",
        "server": "srv",
        "tool": "echo",
        "status": "completed",
        "arguments": {"x": 1},
        "result": {"content": [{"type": "text", "text": "hi"}], "structuredContent": None},
        "error": None,
        "durationMs": 1500,
    }
    assert items[3]["type"] == "webSearch" and items[3]["query"] == "weather"
    assert items[3]["action"] == {"type": "search", "query": "weather", "queries": None}
    assert items[4] == {"type": "contextCompaction", "id": "item-2"}


def test_lines_that_are_not_events_or_lack_fields_are_skipped() -> None:
    turns = dump(
        [
            {"type": "session_meta", "payload": {"id": "x"}},
            {"type": "response_item", "payload": {"type": "message", "role": "user"}},
            event({"type": "user_message"}),  # no message
            event({"type": "exec_command_end", "call_id": "c"}),  # no command
            user("kept"),
        ]
    )
    assert [[item["type"] for item in turn["items"]] for turn in turns] == [["userMessage"]]
