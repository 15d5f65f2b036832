"""What the model reads of a command, through the real daemon, against the
answers Codex 0.107.0 gave for the same calls (tests/tools/fixtures); and
what the rollout keeps of them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.agent_session import Spawn, open_session
from tests.mock_model_server import (
    MockModelServer,
    assistant_message,
    function_call,
    function_call_item,
    write_mock_config,
)
from tests.tools.reference_data import load_fixture

_REFERENCE: dict[str, Any] = load_fixture("tool_output_0107_reference.json.gz")
CASES = {case["id"]: case for case in _REFERENCE["cases"]}


def _timeless(text: str) -> str:
    """Without what depends on the machine's speed."""
    text = re.sub(r"Wall time: [0-9.]+ seconds", "Wall time: T seconds", text)
    text = re.sub(r'"duration_seconds":[0-9.]+', '"duration_seconds":T', text)
    return re.sub(r"timed out after \d+ milliseconds", "timed out after N milliseconds", text)


def _call(case_id: str) -> dict[str, Any]:
    case = CASES[case_id]
    if case["tool"] == "shell":
        return function_call_item("shell", {"command": case["command"]}, case_id)
    return function_call_item("shell_command", {"command": case["command"][2]}, case_id)


def _rollout(codex_home: Path) -> list[dict[str, Any]]:
    (path,) = (codex_home / "sessions").rglob("*.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines()]


def _check(outputs: dict[str, str], codex_home: Path, ids: list[str], policy: Any) -> None:
    for case_id in ids:
        assert _timeless(outputs[case_id]) == _timeless(CASES[case_id]["sent"]), case_id
    lines = _rollout(codex_home)
    recorded = {
        line["payload"]["call_id"]: line["payload"]["output"]
        for line in lines
        if line["payload"].get("type") == "function_call_output"
    }
    for case_id in ids:
        # The rollout keeps the tool's answer, before the history cut it again.
        assert _timeless(recorded[case_id]) == _timeless(CASES[case_id]["recorded"]), case_id
    contexts = [line["payload"] for line in lines if line["type"] == "turn_context"]
    assert contexts and all(c["truncation_policy"] == policy for c in contexts)


def test_bytes_policy_answers(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    ids = ["basic0", "basic1", "basic3", "basic5", "basic7", "basic8"]
    ids += ["basic10", "basic11", "basic12", "basic13", "basic15", "basic17"]
    session = open_session(spawn, codex_home, workdir, mock_model)
    result = session.turn([_call(case_id) for case_id in ids])
    _check(result.outputs, codex_home, ids, {"mode": "bytes", "limit": 10000})


def test_a_timeout_is_told_first(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(spawn, codex_home, workdir, mock_model)
    calls = [
        function_call_item("shell", {"command": ["sleep", "5"], "timeout_ms": 300}, "s"),
        function_call_item("shell_command", {"command": "sleep 5", "timeout_ms": 300}, "c"),
    ]
    outputs = {k: _timeless(v) for k, v in session.turn(calls).outputs.items()}
    assert outputs == {
        "s": '{"output":"command timed out after N milliseconds\\n",'
        '"metadata":{"exit_code":124,"duration_seconds":T}}',
        "c": "Exit code: 124\nWall time: T seconds\nOutput:\n"
        "command timed out after N milliseconds\n",
    }


def test_tool_output_token_limit_sets_the_budget(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = open_session(
        spawn, codex_home, workdir, mock_model, extra="tool_output_token_limit = 100\n"
    )
    result = session.turn([_call("limit0"), _call("limit1")])
    _check(result.outputs, codex_home, ["limit0", "limit1"], {"mode": "bytes", "limit": 400})


@pytest.mark.parametrize("limit", ["", "tool_output_token_limit = 100\n"])
def test_tokens_policy_and_text_answers_next_to_freeform_apply_patch(
    limit: str, spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    # gpt-5-codex: a budget in tokens, and the free-form apply_patch tool, so
    # that the shell tool's JSON answers are shown as text.
    session = open_session(spawn, codex_home, workdir, mock_model, model="gpt-5-codex", extra=limit)
    if limit:
        result = session.turn([_call("limit_tokens0"), _call("limit_tokens1")])
        ids, policy = ["limit_tokens0", "limit_tokens1"], {"mode": "tokens", "limit": 100}
    else:
        ids = ["patchcodex1", "patchcodex2", "patchcodex3", "patchcodex4"]
        result = session.turn([_call(case_id) for case_id in ids])
        policy = {"mode": "tokens", "limit": 10000}
    _check(result.outputs, codex_home, ids, policy)


def _v2_turn(client: Any, thread_id: str) -> None:
    mark = client.mark()
    text = {"type": "text", "text": "go", "text_elements": []}
    turn_id = client.call("turn/start", {"threadId": thread_id, "input": [text]})["turn"]["id"]
    client.wait_for(
        lambda m: m.get("method") == "turn/completed" and m["params"]["turn"]["id"] == turn_id,
        30,
        "turn/completed",
        mark,
    )


def test_a_resumed_thread_cuts_recorded_outputs_to_its_policy(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(
        function_call("shell", {"command": ["seq", "1", "3000"]}, call_id="r0"),
        assistant_message("ok"),
    )
    first = spawn()
    thread_id = first.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    _v2_turn(first, thread_id)
    # Resumed with a smaller budget: the rollout's answer (10,000 bytes of
    # output) is cut to 480 bytes, then once more, as the reference does.
    write_mock_config(codex_home, mock_model, extra="tool_output_token_limit = 100\n")
    second = spawn()
    second.call("thread/resume", {"threadId": thread_id})
    mock_model.enqueue(assistant_message("again"))
    _v2_turn(second, thread_id)
    output = mock_model.model_requests[-1].tool_outputs()["r0"]
    head = "".join(f"{i}\\n" for i in range(1, 53))
    tail = "".join(f"\\n{i}" for i in range(2970, 3001))
    assert _timeless(output) == (
        '{"output":"Total output lines: 3000\\n\\n'
        + head
        + "53…23 chars truncated…"
        + tail
        + '\\n","metadata":{"exit_code":0,"duration_seconds":T}}'
    )
