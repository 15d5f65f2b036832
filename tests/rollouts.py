"""Helpers to write rollout files the way the reference lays them out."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "rollouts"
REFERENCE_THREE_TURNS = FIXTURES / "reference-0.50.0-three-turns.jsonl"
"""Written by the reference binary (three turns, the last one interrupted)."""
REFERENCE_TRANSCRIPTS = REPO / "tests" / "data" / "reference-0.50.0" / "transcripts"
REFERENCE_EXAMPLE = REFERENCE_TRANSCRIPTS / "rollout-example.jsonl"
"""A rollout file written by 0.50.0 (still read)."""
SHARED = Path(os.environ.get("APP_SERVER_SHARED") or REPO.parent / "shared")
REFERENCE_EXAMPLE_0_107 = (
    SHARED / "reference" / "codex-0.107.0" / "transcripts" / "rollout-example.jsonl"
)
"""A rollout file written by 0.107.0."""

TS = "2025-01-01T00:00:00.000Z"


def meta(conversation_id: str, ts: str = TS, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": conversation_id,
        "timestamp": ts,
        "cwd": "/home/user/project",
        "originator": "codex_cli_rs",
        "cli_version": "0.50.0",
        "instructions": None,
    }
    payload.update(extra)
    return {"timestamp": ts, "type": "session_meta", "payload": payload}


def user_item(text: str | None = None, parts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    content = parts if parts is not None else [{"type": "input_text", "text": text}]
    return {
        "timestamp": TS,
        "type": "response_item",
        "payload": {"type": "message", "role": "user", "content": content},
    }


def assistant_item(text: str) -> dict[str, Any]:
    return {
        "timestamp": TS,
        "type": "response_item",
        "payload": {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": text}],
        },
    }


def user_event(text: str) -> dict[str, Any]:
    return {
        "timestamp": TS,
        "type": "event_msg",
        "payload": {"type": "user_message", "message": text, "images": []},
    }


def env_context(cwd: str = "/home/user/project") -> dict[str, Any]:
    return user_item(f"<environment_context>\n  <cwd>{cwd}</cwd>\n</environment_context>")


def conversation_lines(conversation_id: str, prompt: str) -> list[dict[str, Any]]:
    """A one-turn conversation as the reference records it."""
    return [
        meta(conversation_id),
        env_context(),
        user_item(prompt),
        user_event(prompt),
        assistant_item("Sure."),
    ]


def lines_bytes(lines: list[dict[str, Any] | str]) -> bytes:
    return "".join(
        (line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines
    ).encode()


def write_rollout(
    codex_home: Path,
    file_ts: str,
    lines: list[dict[str, Any] | str] | None = None,
    conversation_id: str | None = None,
    prompt: str = "hello",
) -> tuple[str, Path]:
    """``sessions/YYYY/MM/DD/rollout-<file_ts>-<id>.jsonl``; ``file_ts`` like
    ``2025-01-02T12-00-00``."""
    conversation_id = conversation_id or str(uuid.uuid4())
    folder = codex_home / "sessions" / file_ts[0:4] / file_ts[5:7] / file_ts[8:10]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"rollout-{file_ts}-{conversation_id}.jsonl"
    if lines is None:
        lines = list(conversation_lines(conversation_id, prompt))
    path.write_bytes(lines_bytes(lines))
    return conversation_id, path
