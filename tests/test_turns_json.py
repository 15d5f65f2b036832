"""Turns made JSON as a rollout is read (`thread/resume`, `thread/read`):
the same answer, byte for byte, as the turns built as models, whatever
later lines change in a turn already encoded."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

import tests.test_thread_history as scenarios
from app_server.conversations import thread_history
from app_server.conversations.thread_history import ThreadHistoryBuilder
from app_server.conversations.thread_view import read_thread, read_thread_turns_json
from app_server.handlers.thread_answers import ReadAnswer, ResumeAnswer
from app_server_protocol._base import NEWER_FIELDS
from app_server_protocol.v2.threads import ThreadReadResponse, ThreadResumeResponse
from app_server_protocol.v2.turns import Turn

_TURN = TypeAdapter(Turn)
_TURNS = TypeAdapter(list[Turn])
_CONTEXTS: list[dict[str, Any] | None] = [None, {NEWER_FIELDS: True}]


def _codec(context: dict[str, Any] | None = None) -> tuple[Any, Any]:
    return (lambda turn: _TURN.dump_json(turn, context=context)), _TURN.validate_json


def _encoded_build_turns(records: Iterable[Mapping[str, Any]]) -> list[Turn]:
    builder = ThreadHistoryBuilder(*_codec())
    for record in records:
        builder.feed_line(record)
    return _TURNS.validate_json(builder.finish_encoded())


@pytest.mark.parametrize(
    "scenario",
    [
        scenarios.test_implicit_turns_get_fresh_ids_and_numbered_items,
        scenarios.test_statuses_reasoning_and_rollback,
        scenarios.test_tool_items,
        scenarios.test_lines_that_are_not_events_or_lack_fields_are_skipped,
    ],
)
def test_every_turn_scenario_holds_with_every_turn_encoded_at_once(
    scenario: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No turn kept as a model: every later change decodes an encoded one.
    monkeypatch.setattr(thread_history, "_RECENT_TURNS", 0)
    monkeypatch.setattr(scenarios, "build_turns", _encoded_build_turns)
    scenario()


def _long_rollout(path: Path, turns: int) -> None:
    """Explicit turns (fixed ids), with late ends, an interruption, a
    failure and a rollback among them."""

    def line(kind: str, payload: dict[str, Any]) -> str:
        record = {"timestamp": "2026-01-15T09:00:00.000Z", "type": kind, "payload": payload}
        return json.dumps(record)

    lines = [
        line(
            "session_meta",
            {
                "id": "01a23603-8c0d-7001-9d94-801a4a4c1e8f",
                "timestamp": "2026-01-15T09:00:00.000Z",
                "cwd": "/p",
                "originator": "codex_vscode",
                "cli_version": "0.107.0",
                "source": "vscode",
                "model_provider": "mock",
            },
        )
    ]
    for turn in range(turns):
        turn_id = f"01a23603-8c73-78e2-b373-{turn:012x}"
        lines.append(line("event_msg", {"type": "task_started", "turn_id": turn_id}))
        lines.append(line("event_msg", {"type": "user_message", "message": f"step {turn} é ✓"}))
        lines.append(line("event_msg", {"type": "agent_reasoning", "text": f"think {turn}"}))
        end = {
            "type": "exec_command_end",
            "call_id": f"call_{turn}",
            "turn_id": turn_id,
            "command": ["pytest", "-q"],
            "cwd": "/p",
            "aggregated_output": f"line {turn}\n" * 3,
            "exit_code": turn % 2,
            "duration": {"secs": 1, "nanos": 5_000_000},
        }
        lines.append(line("event_msg", end))
        lines.append(line("event_msg", {"type": "agent_message", "message": f"done {turn}"}))
        if turn % 7 == 3:
            lines.append(line("event_msg", {"type": "error", "message": "boom"}))
        if turn % 11 == 5:
            lines.append(line("event_msg", {"type": "turn_aborted", "turn_id": turn_id}))
        else:
            lines.append(line("event_msg", {"type": "task_complete", "turn_id": turn_id}))
        if turn % 13 == 8:
            # A late end of a turn four turns back (encoded by then).
            earlier = f"01a23603-8c73-78e2-b373-{turn - 4:012x}"
            late = {**end, "call_id": f"late_{turn}", "turn_id": earlier}
            lines.append(line("event_msg", late))
        if turn % 17 == 16:
            lines.append(line("event_msg", {"type": "thread_rolled_back", "num_turns": 3}))
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("context", _CONTEXTS)
def test_answers_with_turns_json_are_the_model_answers(
    tmp_path: Path, context: dict[str, Any] | None
) -> None:
    path = tmp_path / "rollout-2026-01-15T09-00-00-01a23603-8c0d-7001-9d94-801a4a4c1e8f.jsonl"
    _long_rollout(path, 60)
    whole = read_thread(path, True, default_provider="openai", name="a name")
    assert len(whole.turns) > 40
    thread, turns_json = read_thread_turns_json(
        path, *_codec(context), default_provider="openai", name="a name"
    )
    assert thread.turns == []

    read = TypeAdapter(ThreadReadResponse)
    expected = read.dump_json(ThreadReadResponse(thread=whole), context=context)
    answer = ReadAnswer(thread=thread).with_turns_json(turns_json)
    assert answer.encoded(read, context) == expected

    resume = TypeAdapter(ThreadResumeResponse)
    settings: dict[str, Any] = {
        "model": "m",
        "model_provider": "mock",
        "cwd": "/p",
        "approval_policy": "never",
        "sandbox": {"type": "dangerFullAccess"},
        "reasoning_effort": None,
    }
    expected = resume.dump_json(ThreadResumeResponse(thread=whole, **settings), context=context)
    resumed = ResumeAnswer(thread=thread, **settings).with_turns_json(turns_json)
    assert resumed.encoded(resume, context) == expected
