"""JSON answers of shell and patch calls shown as text next to the free-form
apply_patch tool (as Codex 0.107.0 builds its requests)."""

from __future__ import annotations

from app_server.agent.shell_outputs import offers_freeform_apply_patch, reframe_shell_outputs
from app_server.model_client.history import History
from app_server_protocol.items import (
    FunctionCallOutputPayload,
    ResponseItem,
    ResponseItemCustomToolCall,
    ResponseItemCustomToolCallOutput,
    ResponseItemFunctionCall,
    ResponseItemFunctionCallOutput,
)

ANSWER = (
    '{"output":"Total output lines: 9\\n\\nab…3 chars truncated…yz",'
    '"metadata":{"exit_code":1,"duration_seconds":0.5}}'
)
TEXT = (
    "Exit code: 1\nWall time: 0.5 seconds\nTotal output lines: 9\nOutput:\nab…3 chars truncated…yz"
)


def _output(call_id: str, text: str) -> ResponseItemFunctionCallOutput:
    return ResponseItemFunctionCallOutput(
        call_id=call_id, output=FunctionCallOutputPayload(body=text, success=False)
    )


def _items() -> list[ResponseItem]:
    return [
        ResponseItemFunctionCall(name="shell", arguments="{}", call_id="s"),
        _output("s", ANSWER),
        ResponseItemFunctionCall(name="read_file", arguments="{}", call_id="r"),
        _output("r", ANSWER),
        ResponseItemCustomToolCall(name="apply_patch", input="*** Begin Patch", call_id="p"),
        ResponseItemCustomToolCallOutput(
            call_id="p", output=FunctionCallOutputPayload(body=ANSWER + " " * 600)
        ),
        ResponseItemFunctionCall(name="shell", arguments="{}", call_id="t"),
        _output("t", "plain text"),
    ]


def _bodies(history: History) -> list[object]:
    return [getattr(getattr(item, "output", None), "body", None) for item in history]


def test_shell_and_patch_answers_read_as_text() -> None:
    for encoded in (False, True):
        history = History()
        for item in _items():
            if encoded:
                history.append_compact(item)  # as read back from a rollout
            else:
                history.append(item)
        reframe_shell_outputs(history)
        bodies = _bodies(history)
        assert bodies[1] == TEXT
        assert bodies[3] == ANSWER  # not a shell call
        assert bodies[5] == TEXT  # (kept packed when read back: it is long)
        assert bodies[7] == "plain text"  # not an answer in JSON


def test_only_next_to_the_freeform_tool() -> None:
    assert offers_freeform_apply_patch([{"type": "custom", "name": "apply_patch"}])
    assert not offers_freeform_apply_patch([{"type": "function", "name": "apply_patch"}])
