"""Command outputs shown as text to a model offered the free-form
``apply_patch`` tool.

The ``shell`` tool and ``apply_patch`` answer in JSON, and that is what the
history and the rollout keep. A request that offers the free-form
``apply_patch`` tool (the models trained on it) shows those answers as text
instead, as Codex 0.107.0 does: ``Exit code``, ``Wall time``, the line count
when the output was cut, then the output (`exec_output.reframed_exec_output`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from app_server_protocol.items import (
    FunctionCallOutputPayload,
    ResponseItemCustomToolCall,
    ResponseItemCustomToolCallOutput,
    ResponseItemFunctionCall,
    ResponseItemFunctionCallOutput,
    ResponseItemLocalShellCall,
)

from ..model_client.history import History
from ..tools.exec_output import reframed_exec_output

#: The function calls whose outputs are reframed.
_REFRAMED_FUNCTIONS: Final = frozenset({"shell", "container.exec", "apply_patch"})
_CALL_TYPES: Final = frozenset({"function_call", "custom_tool_call", "local_shell_call"})
_OUTPUT_TYPES: Final = frozenset({"function_call_output", "custom_tool_call_output"})
_OUTPUTS: Final = (ResponseItemFunctionCallOutput, ResponseItemCustomToolCallOutput)


def offers_freeform_apply_patch(tools: Sequence[Mapping[str, Any]]) -> bool:
    return any(tool.get("type") == "custom" and tool.get("name") == "apply_patch" for tool in tools)


def reframe_shell_outputs(history: History) -> None:
    """Replace, in ``history``, the JSON answers of shell and patch calls by their text."""
    calls: set[str] = set()
    for index, kind in enumerate(history.item_types()):
        if kind in _CALL_TYPES:
            call_id = _reframed_call(history[index])
            if call_id is not None:
                calls.add(call_id)
        elif kind in _OUTPUT_TYPES and calls:
            item = history[index]
            if not isinstance(item, _OUTPUTS) or item.call_id not in calls:
                continue
            calls.discard(item.call_id)
            body = item.output.body
            text = reframed_exec_output(body) if isinstance(body, str) else None
            if text is not None:
                payload = FunctionCallOutputPayload(body=text, success=item.output.success)
                history[index] = item.model_copy(update={"output": payload})


def _reframed_call(item: object) -> str | None:
    """The call id of a call whose output is reframed."""
    if isinstance(item, ResponseItemFunctionCall):
        return item.call_id if item.name in _REFRAMED_FUNCTIONS else None
    if isinstance(item, ResponseItemCustomToolCall):
        return item.call_id if item.name == "apply_patch" else None
    if isinstance(item, ResponseItemLocalShellCall):
        return item.call_id or item.id
    return None
