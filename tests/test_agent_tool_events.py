"""Our shell / apply_patch events, approval requests and tool outputs are the
reference's: each scenario of `tests/agent_tool_scenarios.py` played against
our daemon gives what the reference gave (``tests/data/
agent_tool_events_reference.json``, refreshed by
``tools/refresh_agent_tool_references.py``).

The capture is 0.50.0's: ours is compared in its shapes (`_in_captured_shape`:
the fields 0.107 added are left out, file changes tagged as 0.50 tagged them;
the ``parsed_cmd`` of a shell invocation 0.107 reads as a script, such as
``bash -c``, is 0.107's, from ``tests/tools/fixtures/shell_wrapper_reference.json``);
the 0.107 shapes themselves are checked against the reference's schema and
transcripts elsewhere."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.agent_tool_scenarios import SCENARIOS, Scenario, run_scenario
from tests.mock_model_server import MockModelServer
from tests.sandbox_support import needs_sandbox

REFERENCE = Path(__file__).parent / "data" / "agent_tool_events_reference.json"
PARSED_CMD_0107 = Path(__file__).parent / "tools" / "fixtures" / "shell_wrapper_reference.json"


def _reference() -> dict[str, Any]:
    captured: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    newer = {
        tuple(case["argv"]): case["parsed_cmd"]
        for case in json.loads(PARSED_CMD_0107.read_text(encoding="utf-8"))
    }
    for scenario in captured.values():
        for events in scenario["calls"].values():
            for event in events:
                command = tuple(event.get("command") or ())
                if "parsed_cmd" in event and command in newer:
                    event["parsed_cmd"] = newer[command]
    return captured


def _drop_end_after_abort(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if events and events[-1]["type"] == "exec_command_end":
        return events[:-1]
    return events


@pytest.mark.parametrize("case", SCENARIOS, ids=lambda case: case.name)
def test_scenario_matches_the_reference(
    case: Scenario, tmp_path: Path, mock_model: MockModelServer
) -> None:
    if case.sandbox != "danger-full-access":
        needs_sandbox()
    expected = _reference()[case.name]
    ours = run_scenario(case, tmp_path, mock_model)
    if "end_event" in case.loose:
        for call_id, events in ours["calls"].items():
            if len(expected["calls"].get(call_id, [])) < len(events):
                ours["calls"][call_id] = _drop_end_after_abort(events)
    if "patch_begin_first" in case.loose:
        ours["calls"] = {k: _in_0_50_patch_order(v) for k, v in ours["calls"].items()}
    if "stream_order" in case.loose:
        ours, expected = _any_stream_order(ours), _any_stream_order(expected)
    assert _in_captured_shape(ours, expected) == expected


def _in_0_50_patch_order(events: list[Any]) -> list[Any]:
    """A patch asked about, as 0.50 sent its events: announced after the
    approval request, and not at all when declined."""
    kinds = [event["type"] for event in events]
    if kinds[:2] != ["patch_apply_begin", "apply_patch_approval_request"]:
        return events
    begin, request, *rest = events
    if any(e["type"] == "patch_apply_end" and e.get("status") == "declined" for e in rest):
        return [request, *(e for e in rest if e["type"] != "patch_apply_end")]
    return [request, begin, *rest]


def _any_stream_order(result: Any) -> Any:
    """``result`` with each call's output deltas sorted by stream, and the
    lines of each tool output (and of an end event's whole outputs) sorted:
    what is left once the order in which stdout and stderr were read is taken
    away."""
    result = copy.deepcopy(result)
    for events in result["calls"].values():
        deltas = iter(
            sorted(
                (e for e in events if e["type"] == "exec_command_output_delta"),
                key=lambda e: e["stream"],
            )
        )
        events[:] = [
            next(deltas) if e["type"] == "exec_command_output_delta" else e for e in events
        ]
        for event in events:
            for key in ("aggregated_output", "formatted_output"):
                if isinstance(event.get(key), str):
                    event[key] = "".join(sorted(event[key].splitlines(keepends=True)))
    for call_id, text in result["outputs"].items():
        found = re.match(r'(\{"output":")(.*?)(",.*)$', text, re.S)
        if found is not None:
            lines = found[2].split("\\n")
            rest = lines.pop()
            result["outputs"][call_id] = (
                found[1] + "".join(line + "\\n" for line in sorted(lines)) + rest + found[3]
            )
    return result


_FILE_CHANGE_KINDS = frozenset({"add", "delete", "update"})


def _in_captured_shape(ours: Any, captured: Any) -> Any:
    """``ours`` with only the keys the capture has, and file changes written
    ``{"add": {...}}`` rather than ``{"type": "add", ...}``."""
    if isinstance(ours, dict) and isinstance(captured, dict):
        kind = ours.get("type")
        if kind in _FILE_CHANGE_KINDS and set(captured) == {kind}:
            ours = {kind: {k: v for k, v in ours.items() if k != "type"}}
        return {k: _in_captured_shape(v, captured[k]) for k, v in ours.items() if k in captured}
    if isinstance(ours, list) and isinstance(captured, list):
        shaped = [_in_captured_shape(o, c) for o, c in zip(ours, captured, strict=False)]
        return shaped + ours[len(captured) :]
    return ours
