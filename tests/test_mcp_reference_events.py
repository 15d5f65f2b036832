"""The MCP scenario through our daemon gives the events the reference gave
(captured by `tests/data/capture_mcp_events.py`): same events, same shapes,
same values except durations and the wording of transport failures; and the
same tool outputs for the model except where we deliberately differ (images
are attached rather than inlined as base64; failures read differently)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.harness.stdio import DaemonClient
from tests.mcp_support import REFERENCE_EVENTS, run_scenario, scenario_config
from tests.mock_model_server import MockModelServer, write_mock_config

Spawn = Callable[..., DaemonClient]
#: Calls whose failure is worded our own way (the reference adds a Rust backtrace).
OWN_WORDING = {"call_crash"}
#: Calls whose output for the model differs on purpose.
OWN_OUTPUT = {"call_crash", "call_image"}


def shape(value: Any) -> Any:
    """The JSON structure of a value: keys (in order) and types, not values."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


def test_mcp_events_match_the_reference(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, workdir: Path
) -> None:
    reference = json.loads(REFERENCE_EVENTS.read_text())
    write_mock_config(codex_home, mock_model, extra=scenario_config())
    ours = run_scenario(spawn(), mock_model, workdir)

    assert len(ours["events"]) == len(reference["events"])
    for mine, theirs in zip(ours["events"], reference["events"], strict=True):
        assert list(mine) == list(theirs)
        assert mine["type"] == theirs["type"] and mine["call_id"] == theirs["call_id"]
        assert mine["invocation"] == theirs["invocation"]
        if mine["type"] == "mcp_tool_call_begin":
            assert mine == theirs
            continue
        assert (
            shape(mine["duration"])
            == shape(theirs["duration"])
            == {
                "secs": "int",
                "nanos": "int",
            }
        )
        assert list(mine["result"]) == list(theirs["result"])
        if "Ok" in theirs["result"]:
            assert mine["result"] == theirs["result"]
            assert json.dumps(mine["result"]) == json.dumps(theirs["result"])  # key order
        elif mine["call_id"] in OWN_WORDING:
            prefix = "tool call error: tool call failed for `test/crash`"
            assert theirs["result"]["Err"].startswith(prefix)
            assert mine["result"]["Err"].startswith(prefix)
        else:
            assert mine["result"] == theirs["result"]

    for call_id, theirs in reference["outputs"].items():
        if call_id not in OWN_OUTPUT:
            assert ours["outputs"][call_id] == theirs, call_id
