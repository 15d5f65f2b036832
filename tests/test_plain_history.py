"""Plain threads read without pydantic (the early stage's `thread/read`) give
the same JSON as `thread_history` and the `Thread` model."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from app_server.conversations import thread_history
from app_server.conversations.plain_history import HISTORY_EVENT_TYPES, plain_turns
from app_server.conversations.thread_view import read_plain_thread, read_thread

DATA = Path(__file__).resolve().parent / "data"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")


def event(payload: dict[str, Any]) -> dict[str, Any]:
    return {"timestamp": "2026-01-01T00:00:00.000Z", "type": "event_msg", "payload": payload}


def user(text: Any, **extra: Any) -> dict[str, Any]:
    return event({"type": "user_message", "message": text, **extra})


def agent(text: Any, **extra: Any) -> dict[str, Any]:
    return event({"type": "agent_message", "message": text, **extra})


def started(turn_id: Any) -> dict[str, Any]:
    return event({"type": "task_started", "turn_id": turn_id})


def complete(turn_id: Any) -> dict[str, Any]:
    return event({"type": "task_complete", "turn_id": turn_id})


def _full(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        turn.model_dump(mode="json", by_alias=True) for turn in thread_history.build_turns(records)
    ]


def _fresh_ids_hidden(turns: Any) -> Any:
    # Implicit turns get fresh (random) UUIDv7 ids in both readers.
    return json.loads(_UUID.sub("<fresh>", json.dumps(turns)))


def test_the_event_types_are_those_of_thread_history() -> None:
    assert set(thread_history._HANDLERS) == HISTORY_EVENT_TYPES


PLAIN = {
    "explicit turns": [
        started("t1"),
        user("hello"),
        agent("hi"),
        event({"type": "token_count", "info": None}),
        complete("t1"),
        started("t2"),
        user("  "),
        agent(""),
        agent("more"),
    ],
    "implicit turns": [user("one"), agent("a"), user("two"), agent("b"), complete(None)],
    "odd payloads": [
        {"type": "event_msg", "payload": "x"},
        {"type": "response_item", "payload": {"type": "message"}},
        event({"type": "user_message"}),
        user(5),
        agent(None),
        started(""),
        complete("elsewhere"),
        started("t3"),
        complete("t3"),
        complete("t3"),
    ],
    "empty": [],
}

NOT_PLAIN = {
    "reasoning": [started("t"), event({"type": "agent_reasoning", "text": "r"})],
    "aborted": [started("t"), event({"type": "turn_aborted", "turn_id": "t"})],
    "images": [user("look", images=["data:x"])],
    "text elements": [user("x", text_elements=[{"byte_range": {"start": 0, "end": 1}}])],
    "phase": [agent("x", phase="final_answer")],
    "compacted": [{"type": "compacted", "payload": {"message": "m"}}],
}


@pytest.mark.parametrize("name", PLAIN)
def test_plain_turns_are_those_of_thread_history(name: str) -> None:
    records = PLAIN[name]
    assert _fresh_ids_hidden(plain_turns(records)) == _fresh_ids_hidden(_full(records))


@pytest.mark.parametrize("name", NOT_PLAIN)
def test_anything_else_is_left_to_thread_history(name: str) -> None:
    assert plain_turns(NOT_PLAIN[name]) is None


@pytest.mark.parametrize("include_turns", [True, False])
@pytest.mark.parametrize("newer_fields", [True, False])
def test_a_plain_thread_reads_as_the_model_writes_it(
    tmp_path: Path, include_turns: bool, newer_fields: bool
) -> None:
    meta = {
        "id": "01900000-0000-7000-8000-000000000001",
        "timestamp": "2026-01-01T10:00:00.000Z",
        "cwd": "/w",
        "cli_version": "0.107.0",
        "source": "vscode",
        "git": {"commit_hash": "abc", "branch": "main"},
    }
    lines = [
        {"timestamp": "t", "type": "session_meta", "payload": meta},
        *PLAIN["explicit turns"],
    ]
    path = tmp_path / "rollout-2026-01-01T10-00-00-01900000-0000-7000-8000-000000000001.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    plain = read_plain_thread(
        str(path), include_turns, default_provider="p", name="n", newer_fields=newer_fields
    )
    full = read_thread(path, include_turns, default_provider="p", name="n")
    context = {"newer_fields": True} if newer_fields else None
    assert json.dumps(
        plain, separators=(",", ":")
    ).encode() == full.__pydantic_serializer__.to_json(full, by_alias=True, context=context)


def test_reference_rollouts_are_plain_or_left_alone() -> None:
    for path in DATA.glob("rollout-0.107.0-*.jsonl"):
        plain = read_plain_thread(
            str(path), True, default_provider="p", name=None, newer_fields=False
        )
        if plain is not None:
            full = read_thread(path, True, default_provider="p")
            assert plain == full.model_dump(mode="json", by_alias=True)
