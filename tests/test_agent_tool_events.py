"""Our shell / apply_patch events, approval requests and tool outputs are the
reference's: each scenario of `tests/agent_tool_scenarios.py` played against
our daemon gives what the reference gave (``tests/data/
agent_tool_events_reference.json``, refreshed by
``tools/refresh_agent_tool_references.py``).

The capture is 0.50.0's: ours is compared in its shapes (`_in_captured_shape`:
the fields 0.107 added are left out, file changes tagged as 0.50 tagged them);
the 0.107 shapes themselves are checked against the reference's schema and
transcripts elsewhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.agent_tool_scenarios import SCENARIOS, Scenario, run_scenario
from tests.mock_model_server import MockModelServer
from tests.sandbox_support import needs_sandbox

REFERENCE = Path(__file__).parent / "data" / "agent_tool_events_reference.json"


def _reference() -> dict[str, Any]:
    captured: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
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
    assert _in_captured_shape(ours, expected) == expected


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
