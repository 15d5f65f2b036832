"""The bridge a compacted history becomes (`app_server.agent.bridge`), the
automatic limit, and a rollout's ``compacted`` records read back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app_server.agent.bridge import (
    NO_SUMMARY,
    REFERENCE_SUMMARY_OPEN,
    SUMMARY_PREFIX,
    approx_tokens,
    build_bridge,
    has_environment_context,
    is_summary,
    rebuilt_history,
    summary_text,
    truncate_to_tokens,
    user_messages,
    with_context_before_last_user_message,
)
from app_server.agent.compaction import auto_compact_limit
from app_server.agent.context import context_message
from app_server.agent.model_family import find_family
from app_server.conversations.reader import parse_rollout
from app_server_protocol.items import (
    ContentItemInputText,
    ContentItemOutputText,
    ResponseItem,
    ResponseItemMessage,
)
from tests.rollouts import TS, meta, user_item


def _user(text: str) -> ResponseItemMessage:
    return context_message(text)


def _assistant(text: str) -> ResponseItemMessage:
    return ResponseItemMessage(role="assistant", content=[ContentItemOutputText(text=text)])


def _texts(items: list[ResponseItem]) -> list[str]:
    return [
        part.text
        for item in items
        if isinstance(item, ResponseItemMessage)
        for part in item.content
        if isinstance(part, ContentItemInputText | ContentItemOutputText)
    ]


ENVIRONMENT = "<environment_context>\n  <cwd>/w</cwd>\n</environment_context>"


def test_user_messages_leave_out_context_answers_and_summaries() -> None:
    history: list[ResponseItem] = [
        _user("<user_instructions>\n\nbe brief\n\n</user_instructions>"),
        _user(ENVIRONMENT),
        ResponseItemMessage(role="developer", content=[ContentItemInputText(text="rules")]),
        ResponseItemMessage(
            role="user",
            content=[
                ContentItemInputText(text="# AGENTS.md instructions for /w\n\n<INSTRUCTIONS>"),
                ContentItemInputText(text=ENVIRONMENT),
            ],
        ),
        _user("first"),
        _assistant("an answer"),
        _user(summary_text("an old summary")),
        _user(f"{REFERENCE_SUMMARY_OPEN} and so on\nold"),
        ResponseItemMessage(
            role="user",
            content=[ContentItemInputText(text="two "), ContentItemInputText(text="parts")],
        ),
    ]
    assert user_messages(history) == ["first", "two parts"]


def test_a_bridge_is_the_user_messages_then_the_summary() -> None:
    bridge = build_bridge(["one", "two"], summary_text("S"))
    assert _texts(bridge) == ["one", "two", f"{SUMMARY_PREFIX}\nS"]
    assert all(isinstance(i, ResponseItemMessage) and i.role == "user" for i in bridge)
    assert is_summary(_texts(bridge)[-1])
    assert _texts(build_bridge([], "")) == [NO_SUMMARY]


def test_a_bridge_keeps_the_newest_messages_within_its_budget() -> None:
    old, middle, new = "a" * 400, "b" * 400, "c" * 40  # 100, 100 and 10 tokens
    bridge = _texts(build_bridge([old, middle, new], "S", budget=60))
    assert bridge[-1] == "S"
    assert bridge[-2] == new
    cut = bridge[0]
    assert len(bridge) == 3
    assert cut.startswith("b") and cut.endswith("b")
    assert "tokens truncated" in cut
    assert approx_tokens(cut) < 60


def test_truncation_keeps_both_ends_and_says_how_much_went() -> None:
    text = "start " + "x" * 4000 + " end"
    cut = truncate_to_tokens(text, 100)
    assert cut.startswith("start ")
    assert cut.endswith(" end")
    assert "tokens truncated" in cut
    assert truncate_to_tokens("short", 100) == "short"
    # As 0.107.0: 200 bytes each side, the tokens over the budget counted.
    assert cut == "start " + "x" * 194 + "…903 tokens truncated…" + "x" * 196 + " end"


def test_a_mid_turn_bridge_has_the_context_before_the_last_user_message() -> None:
    context: list[ResponseItem] = [_user(ENVIRONMENT)]
    bridge = build_bridge(["one", "two"], summary_text("S"))
    items = with_context_before_last_user_message(bridge, context)
    assert _texts(items) == ["one", ENVIRONMENT, "two", summary_text("S")]
    alone = with_context_before_last_user_message(build_bridge([], "S"), context)
    assert _texts(alone) == [ENVIRONMENT, "S"]
    assert has_environment_context(items)
    assert not has_environment_context(bridge)


def test_a_recorded_compaction_is_rebuilt() -> None:
    history: list[ResponseItem] = [_user(ENVIRONMENT), _user("q"), _assistant("a")]
    replacement: list[ResponseItem] = [_user("kept")]
    assert rebuilt_history(history, "M", replacement) == replacement
    # Older records carry no replacement history: the bridge is made again.
    assert _texts(rebuilt_history(history, "M", None)) == ["q", "M"]


def _line(kind: str, payload: dict[str, Any]) -> bytes:
    return json.dumps({"timestamp": TS, "type": kind, "payload": payload}).encode()


def test_a_resumed_history_starts_from_the_last_compaction() -> None:
    conversation_id = "01a23601-eb26-7250-a55e-8d74a8f22bf3"
    first, second = summary_text("one"), summary_text("two")
    replacement = [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": t}]}
        for t in ("q1", first)
    ]
    lines = [
        json.dumps(meta(conversation_id)).encode(),
        json.dumps(user_item("q1")).encode(),
        _line("compacted", {"message": first, "replacement_history": replacement}),
        json.dumps(user_item("q2")).encode(),
        _line("compacted", {"message": second}),
        json.dumps(user_item("q3")).encode(),
    ]
    recorded = parse_rollout(Path("r.jsonl"), b"\n".join(lines))
    # The second record has no replacement history (as older versions wrote
    # them): its bridge is made of the user messages before it, the first
    # summary left out.
    assert _texts(recorded.response_items) == ["q1", "q2", second, "q3"]


def test_the_automatic_limit() -> None:
    class _Toml:
        model_auto_compact_token_limit: int | None = None

    class _Config:
        toml = _Toml()
        model_context_window: int | None = None

    config: Any = _Config()
    assert auto_compact_limit(config, find_family("mock-model")) is None
    assert auto_compact_limit(config, find_family("gpt-5")) == 244_800
    config.toml.model_auto_compact_token_limit = 1000
    assert auto_compact_limit(config, find_family("mock-model")) == 1000
    assert auto_compact_limit(config, find_family("gpt-5")) == 1000
    config.toml.model_auto_compact_token_limit = 10_000_000
    assert auto_compact_limit(config, find_family("gpt-5")) == 244_800
    config.model_context_window = 2000
    assert auto_compact_limit(config, find_family("gpt-5")) == 1800
