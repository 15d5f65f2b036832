"""The tools and request fields each model is offered, as Codex 0.107.0 sends
them (``tests/fixtures/model_requests_0.107.0.json``, captured from the
binary by ``tools/refresh_model_request_references.py``).

Everything is compared but the descriptions (ours are our own words) and the
free-form apply_patch grammar (our own Lark text for the same format): tool
names and order, types, parameter schemas with their key order, strictness,
``parallel_tool_calls``, ``reasoning``, ``text``, ``include``, ``store``,
``stream``, ``tool_choice``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.harness.stdio import DaemonClient
from tests.mock_model_server import (
    MockModelServer,
    assistant_message,
    function_call_item,
    output_item_done,
    responses_reply,
    write_mock_config,
)
from tests.model_request_variants import (
    VARIANTS,
    initialize,
    kept_fields,
    run_v1_turn,
    run_v2_turn,
)

Json = Any
Spawn = Callable[..., DaemonClient]

FIXTURE = Path(__file__).parent / "fixtures" / "model_requests_0.107.0.json"
REFERENCE: dict[str, Json] = json.loads(FIXTURE.read_text(encoding="utf-8"))["requests"]

_V2_MODELS = [key.removesuffix(" v2") for key in REFERENCE if key.endswith(" v2")]
_V1_MODELS = [key.removesuffix(" v1") for key in REFERENCE if key.endswith(" v1")]


def comparable(body: Json) -> Json:
    """A request body without what is expected to differ, as ordered pairs
    (so that key order counts)."""
    return _pairs({key: value for key, value in body.items() if key not in ("elided",)})


def _pairs(value: Json, parent: str | None = None) -> Json:
    if isinstance(value, dict):
        return [
            (key, _pairs(item, key))
            for key, item in value.items()
            # A property called "description" is a schema, not prose.
            if not (key == "description" and parent != "properties")
            and not (key == "definition" and value.get("syntax") == "lark")
        ]
    if isinstance(value, list):
        return [_pairs(item, parent) for item in value]
    return value


def _tool_name(tool: Json) -> str:
    return str(tool.get("name", tool["type"]))


def _assert_same(name: str, ours: Json) -> None:
    reference, kept = REFERENCE[name], kept_fields(ours)
    assert [_tool_name(t) for t in kept["tools"]] == [_tool_name(t) for t in reference["tools"]]
    for mine, theirs in zip(kept["tools"], reference["tools"], strict=True):
        assert comparable(mine) == comparable(theirs), f"{name}: {_tool_name(theirs)}"
    assert comparable(kept) == comparable(reference), name


def test_every_model_is_offered_the_reference_s_tools_and_fields(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    client = initialize(spawn(initialize=False))
    for model in _V2_MODELS:
        mock_model.enqueue(assistant_message("done"))
        run_v2_turn(client, workdir, model)
        _assert_same(f"{model} v2", mock_model.last_model_request.body)
    for model in _V1_MODELS:
        mock_model.enqueue(assistant_message("done"))
        run_v1_turn(client, workdir, model)
        _assert_same(f"{model} v1", mock_model.last_model_request.body)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_configuration_changes_the_tools_as_in_the_reference(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer, name: str
) -> None:
    model, extra, sandbox = VARIANTS[name]
    write_mock_config(codex_home, mock_model, model=model, extra=extra, sandbox_mode=sandbox)
    client = initialize(spawn(initialize=False))
    mock_model.enqueue(assistant_message("done"))
    run_v2_turn(client, workdir)
    _assert_same(name, mock_model.last_model_request.body)


def test_an_unknown_model_runs_exec_command_and_is_told_request_user_input_is_off(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    client = initialize(spawn(initialize=False))
    exec_call = function_call_item("exec_command", {"cmd": "echo offered"}, call_id="c1")
    question = {"questions": [{"id": "a", "header": "A", "question": "Q?", "options": []}]}
    ask_call = function_call_item("request_user_input", question, call_id="c2")
    mock_model.enqueue(
        responses_reply(output_item_done(exec_call), output_item_done(ask_call)),
        assistant_message("done"),
    )
    completed = run_v2_turn(client, workdir)
    assert completed["params"]["turn"]["status"] == "completed"
    offered = [tool.get("name") for tool in mock_model.model_requests[0].body["tools"]]
    assert offered[:2] == ["exec_command", "write_stdin"]
    outputs = mock_model.last_model_request.tool_outputs()
    assert "offered" in outputs["c1"]
    assert outputs["c2"] == "request_user_input is unavailable in Default mode"
