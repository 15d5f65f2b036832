"""The text the model reads of a command, against Codex 0.107.0's answers,
and the memory bound on captured output."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app_server.tools.exec_output import (
    EXEC_OUTPUT_MAX_BYTES,
    EXEC_REJECTED,
    PATCH_REJECTED,
    OutputBuffer,
    exec_content,
    format_exec_output_str,
    freeform_exec_output,
    killed_by_signal,
    model_output_bytes,
    patch_refused,
    reframed_exec_output,
    start_failed,
    structured_exec_output,
    timeout_prefix,
)
from app_server.tools.truncation import DEFAULT_POLICY, TruncationPolicy, truncate_text

from .reference_data import load_fixture

_REFERENCE: dict[str, Any] = load_fixture("tool_output_0107_reference.json.gz")
CASES: list[dict[str, Any]] = _REFERENCE["cases"]


def _policy(case: dict[str, Any]) -> TruncationPolicy:
    return TruncationPolicy(case["policy"]["mode"], case["policy"]["limit"])


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['id']}-{c['tool']}")
def test_answers_are_the_references(case: dict[str, Any]) -> None:
    """What the tool answers (the rollout's output) and what the model is
    sent (cut again by the history, shown as text next to the free-form
    ``apply_patch`` tool)."""
    content = _REFERENCE["contents"][case["content"]]
    policy = _policy(case)
    args = (content, case["exit_code"], case["duration_seconds"], policy)
    if case["tool"] == "shell":
        answer = structured_exec_output(*args)
    else:
        answer = freeform_exec_output(*args)
    assert answer == case["recorded"]
    sent = truncate_text(answer, policy.scaled(1.2))
    if case["freeform_apply_patch"] and case["tool"] == "shell":
        sent = reframed_exec_output(sent) or sent
    assert sent == case["sent"]


def test_a_short_answer() -> None:
    assert structured_exec_output("hi\nerr\n", 3, 0.2, DEFAULT_POLICY) == (
        '{"output":"hi\\nerr\\n","metadata":{"exit_code":3,"duration_seconds":0.2}}'
    )
    assert freeform_exec_output("hi\nerr\n", 3, 0.2, DEFAULT_POLICY) == (
        "Exit code: 3\nWall time: 0.2 seconds\nOutput:\nhi\nerr\n"
    )
    assert freeform_exec_output("", 0, 0.04, DEFAULT_POLICY) == (
        "Exit code: 0\nWall time: 0 seconds\nOutput:\n"
    )
    assert freeform_exec_output("x\n", 1, 1.26, DEFAULT_POLICY).startswith(
        "Exit code: 1\nWall time: 1.3 seconds\n"
    )


def test_a_cut_answer_says_how_many_lines_there_were() -> None:
    text = "".join(f"{i}\n" for i in range(1, 3001))
    policy = TruncationPolicy("bytes", 20)
    assert format_exec_output_str(text, policy) == (
        "Total output lines: 3000\n\n1\n2\n3\n4\n5\n…13873 chars truncated…2999\n3000\n"
    )
    assert freeform_exec_output(text, 0, 0.0, policy) == (
        "Exit code: 0\nWall time: 0 seconds\nTotal output lines: 3000\nOutput:\n"
        "1\n2\n3\n4\n5\n…13873 chars truncated…2999\n3000\n"
    )
    # One long line cut keeps its one line: the text does not say the count.
    assert freeform_exec_output("y" * 30 + "\n", 0, 0.0, policy) == (
        "Exit code: 0\nWall time: 0 seconds\nOutput:\nyyyyyyyyyy…11 chars truncated…yyyyyyyyy\n"
    )


def test_a_timed_out_command_says_so_first() -> None:
    assert timeout_prefix(0.5034) == "command timed out after 503 milliseconds\n"
    content = exec_content("1\n", timed_out=True, duration_seconds=0.304)
    assert freeform_exec_output(content, 124, 0.304, DEFAULT_POLICY) == (
        "Exit code: 124\nWall time: 0.3 seconds\nOutput:\n"
        "command timed out after 304 milliseconds\n1\n"
    )
    assert exec_content("1\n", timed_out=False, duration_seconds=9.0) == "1\n"


def test_json_answers_read_as_text() -> None:
    assert reframed_exec_output(
        '{"output":"Total output lines: 30\\n\\n1\\n…5 chars truncated…\\n30\\n",'
        '"metadata":{"exit_code":0,"duration_seconds":0.0}}'
    ) == (
        "Exit code: 0\nWall time: 0 seconds\nTotal output lines: 30\nOutput:\n"
        "1\n…5 chars truncated…\n30\n"
    )
    assert reframed_exec_output(
        '{"output":"ok\\n","metadata":{"exit_code":2,"duration_seconds":1.5}}'
    ) == ("Exit code: 2\nWall time: 1.5 seconds\nOutput:\nok\n")
    for other in ("plain text", '{"output":"x"}', '{"output":1,"metadata":{}}', "[1]"):
        assert reframed_exec_output(other) is None


def buffer_of(data: bytes) -> OutputBuffer:
    buffer = OutputBuffer()
    for start in range(0, len(data), 8192):
        buffer.append(data[start : start + 8192])
    return buffer


def _seq(first: int, last: int) -> bytes:
    return "".join(f"{i}\n" for i in range(first, last + 1)).encode()


def test_the_model_reads_stdout_then_stderr() -> None:
    assert model_output_bytes(buffer_of(b"hi\n"), buffer_of(b"err\n")) == b"hi\nerr\n"


def test_only_the_first_mebibyte_is_read() -> None:
    # As the reference: `seq 1 500000` shows up to the middle of 165669.
    shown = model_output_bytes(buffer_of(_seq(1, 500_000)), buffer_of(b""))
    assert len(shown) == EXEC_OUTPUT_MAX_BYTES
    assert shown.endswith(b"165667\n165668\n16566")


def test_stderr_gets_two_thirds_when_both_are_long() -> None:
    # `seq 1 300000 >&2; seq 1 300000`: stdout's first third, then stderr.
    shown = model_output_bytes(buffer_of(_seq(1, 300_000)), buffer_of(_seq(1, 300_000)))
    assert len(shown) == EXEC_OUTPUT_MAX_BYTES
    assert shown[: EXEC_OUTPUT_MAX_BYTES // 3] == _seq(1, 300_000)[: EXEC_OUTPUT_MAX_BYTES // 3]
    assert shown.endswith(b"115735\n115736\n1157")
    # stdout takes what a short stderr leaves.
    shown = model_output_bytes(buffer_of(_seq(1, 300_000)), buffer_of(b"1\n2\n3\n"))
    assert shown.endswith(b"165667\n1656681\n2\n3\n")


def test_buffer_keeps_beginning_and_end_within_its_limit() -> None:
    buffer = OutputBuffer(64 * 1024)
    for _ in range(100):
        buffer.append(b"z" * 10_000 + b"\n")
    assert buffer.total_bytes == 1_000_100
    assert buffer.line_count == 100
    assert buffer.truncated
    text = buffer.text()
    assert len(text) < 70_000
    assert "bytes of output omitted" in text
    assert buffer.head(10) == b"z" * 10


def test_model_output_metadata() -> None:
    output = json.loads(structured_exec_output("hi\n", 2, 0.26, DEFAULT_POLICY))
    assert output == {"output": "hi\n", "metadata": {"exit_code": 2, "duration_seconds": 0.3}}


def test_texts_the_reference_gives_the_model() -> None:
    assert killed_by_signal(9) == "execution error: Sandbox(Signal(9))"
    assert start_failed(FileNotFoundError(2, "No such file or directory")) == (
        'execution error: Io(Os { code: 2, kind: NotFound, message: "No such file or directory" })'
    )
    assert start_failed(PermissionError(13, "denied")).startswith(
        "execution error: Io(Os { code: 13, kind: PermissionDenied, "
    )
    # As 0.107.0 tells the model about a command with a NUL in a word.
    assert start_failed(OSError("nul byte found in provided data")) == (
        "execution error: Io(Error { kind: InvalidInput, "
        'message: "nul byte found in provided data" })'
    )
    assert (EXEC_REJECTED, PATCH_REJECTED) == (
        "exec command rejected by user",
        "patch rejected by user",
    )
    assert patch_refused("empty patch") == "patch rejected: empty patch"
