"""`History`: a thread's model history with the items read back from a
rollout kept as their JSON. It must behave as the list of models it stands
for, and a model request written from it must be the same bytes."""

from __future__ import annotations

import json
from pathlib import Path

from app_server.agent.bridge import has_environment_context, user_messages
from app_server.conversations.reader import parse_rollout
from app_server.conversations.rollback import drop_last_turns
from app_server.model_client.history import History
from app_server.model_client.request import request_body
from app_server_protocol.items import (
    ContentItemInputText,
    ContentItemOutputText,
    FunctionCallOutputPayload,
    LocalShellExecAction,
    LocalShellStatus,
    ReasoningItemReasoningSummary,
    ResponseItem,
    ResponseItemFunctionCall,
    ResponseItemFunctionCallOutput,
    ResponseItemLocalShellCall,
    ResponseItemMessage,
    ResponseItemOther,
    ResponseItemReasoning,
)
from tests.model_client_support import prompt, provider


def _message(role: str, text: str) -> ResponseItemMessage:
    part = ContentItemInputText(text=text) if role == "user" else ContentItemOutputText(text=text)
    return ResponseItemMessage(role=role, content=[part])


def _items() -> list[ResponseItem]:
    odd = 'tabs\t"quotes" \\ back\x01slash, été ✓ 😀 \u2028 </tag> & <b>'
    return [
        _message("user", "<environment_context>\n  <cwd>/p</cwd>\n</environment_context>"),
        _message("user", f"first question {odd}"),
        ResponseItemFunctionCall(name="shell", arguments=json.dumps({"a": odd}), call_id="c1"),
        ResponseItemFunctionCallOutput(
            call_id="c1", output=FunctionCallOutputPayload(body=f"out\n{odd}" * 40)
        ),
        ResponseItemLocalShellCall(
            call_id="c2",
            status=LocalShellStatus.COMPLETED,
            action=LocalShellExecAction(command=["ls"], timeout_ms=1500, env={"A": "ü"}),
        ),
        ResponseItemReasoning(summary=[ReasoningItemReasoningSummary(text=f"think {odd}")]),
        ResponseItemMessage(
            id="msg_9", role="assistant", content=[ContentItemOutputText(text="a")]
        ),
        ResponseItemOther(),
        _message("user", f"second question, a long one: {odd}" * 30),
        _message("assistant", f"answer {odd}" * 30),
        _message("developer", f"long instructions {odd}" * 30),
    ]


def _compact(items: list[ResponseItem]) -> History:
    history = History()
    for item in items:
        history.append_compact(item)
    return history


def test_a_compact_history_reads_as_its_items() -> None:
    items = _items()
    history = _compact(items)
    assert list(history) == items
    assert history == items
    assert history[1] == items[1]
    assert history[-3:] == items[-3:]
    assert len(history) == len(items)


def test_a_request_written_from_a_compact_history_is_the_same_bytes() -> None:
    items = _items()
    info = provider()
    from_models = request_body(prompt(*items), info, "conv")
    from_history = request_body(prompt(input=_compact(items)), info, "conv")
    assert from_history == from_models
    mixed = _compact(items[:5])
    mixed.extend(items[5:])
    assert request_body(prompt(input=mixed), info, "conv") == from_models


def test_the_user_messages_of_a_compact_history() -> None:
    items = _items()
    history = _compact(items)
    assert has_environment_context(history)
    assert not has_environment_context(_compact(items[1:]))
    assert user_messages(history) == user_messages(items)
    assert len(user_messages(history)) == 2
    long_context = _message("user", "<environment_context>" + " " * 600)
    assert has_environment_context(_compact([items[1], long_context]))


def test_rolling_back_a_compact_history_keeps_it_compact() -> None:
    items = _items()
    history = _compact(items)
    assert list(drop_last_turns(history, 1)) == items[:8]
    assert list(drop_last_turns(history[:9], 1)) == items[:8]
    assert list(drop_last_turns(history, 2)) == items[:1]
    assert list(drop_last_turns(history, 9)) == items[:1]
    assert list(drop_last_turns(history, 0)) == items


def test_a_resumed_rollout_gives_a_compact_history() -> None:
    items = _items()
    lines = [json.dumps({"timestamp": "t", "type": "session_meta", "payload": _META})]
    for item in items:
        payload = json.loads(item.__pydantic_serializer__.to_json(item))
        lines.append(json.dumps({"timestamp": "t", "type": "response_item", "payload": payload}))
    recorded = parse_rollout(_PATH, "\n".join(lines).encode())
    history = recorded.response_items
    # What a rollout keeps of each item (not the id, nor a kind it does not know).
    expected = [
        type(item).model_validate_json(item.__pydantic_serializer__.to_json(item)) for item in items
    ]
    assert history == expected
    # All of them kept encoded but the kind it does not know, the long ones compressed.
    models = [entry for entry in history._entries if isinstance(entry, ResponseItemOther)]
    assert len(models) == 1
    assert sum(isinstance(entry, bytes) for entry in history._entries) == len(items) - 5


_META = {
    "id": "01a23603-8c0d-7001-9d94-801a4a4c1e8f",
    "timestamp": "2026-01-15T09:00:00.000Z",
    "cwd": "/p",
    "originator": "codex_vscode",
    "cli_version": "0.107.0",
    "source": "vscode",
}
_PATH = Path("/nonexistent/rollout.jsonl")
