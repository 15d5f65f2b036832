"""Our shell / apply_patch events, approval requests and tool outputs are the
reference's: each scenario of `tests/agent_tool_scenarios.py` played against
our daemon gives what the reference gave (``tests/data/
agent_tool_events_reference.json``, refreshed by
``tools/refresh_agent_tool_references.py``)."""

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
    assert ours == expected
