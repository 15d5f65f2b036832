"""The output text the model sees, and the memory bound on captured output."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app_server.tools.exec_output import (
    EXEC_REJECTED,
    PATCH_REJECTED,
    OutputBuffer,
    format_for_model,
    killed_by_signal,
    model_exec_output,
    model_freeform_output,
    patch_refused,
    start_failed,
    timeout_prefix,
)

from .reference_data import load_fixture

REFERENCE: list[dict[str, Any]] = load_fixture("exec_output_reference.json.gz")


def buffer_of(text: str, limit: int) -> OutputBuffer:
    buffer = OutputBuffer(limit)
    data = text.encode("utf-8")
    for start in range(0, len(data), 8192):
        buffer.append(data[start : start + 8192])
    return buffer


@pytest.mark.parametrize("limit", [1 << 20, 1], ids=["whole", "smallest-bound"])
@pytest.mark.parametrize("case", REFERENCE, ids=lambda c: " ".join(c["command"])[:60])
def test_model_text_matches_the_reference(case: dict[str, Any], limit: int) -> None:
    buffer = buffer_of(case["aggregated_output"], limit)
    prefix = timeout_prefix(case["duration_seconds"]) if case["timed_out"] else ""
    formatted = format_for_model(buffer.view(prefix))
    assert formatted == case["formatted_output"]
    model = model_exec_output(formatted, case["exit_code"], case["duration_seconds"])
    assert model == case["model_output"]
    if not buffer.truncated:
        assert buffer.text() == case["aggregated_output"]


def test_short_output_is_unchanged() -> None:
    assert format_for_model(buffer_of("a\nb\n", 1 << 20).view()) == "a\nb\n"


def test_many_lines_keep_head_and_tail() -> None:
    text = "".join(f"{i}\n" for i in range(1, 301))
    formatted = format_for_model(buffer_of(text, 1 << 20).view())
    assert formatted.startswith("Total output lines: 300\n\n1\n2\n")
    assert "\n128\n\n[... omitted 44 of 300 lines ...]\n\n173\n" in formatted
    assert formatted.endswith("\n300\n")


def test_one_huge_line_keeps_its_first_five_kib() -> None:
    formatted = format_for_model(buffer_of("x" * 50_000, 1 << 20).view())
    assert formatted == (
        "Total output lines: 1\n\n"
        + "x" * 5120
        + "\n[... output truncated to fit 10240 bytes ...]\n\n"
    )


def test_timeout_prefix_counts_as_a_line() -> None:
    assert timeout_prefix(0.5034) == "command timed out after 503 milliseconds\n"
    formatted = format_for_model(buffer_of("", 1 << 20).view(timeout_prefix(1.0)))
    assert formatted == "command timed out after 1000 milliseconds\n"


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


def test_model_output_metadata() -> None:
    output = json.loads(model_exec_output("hi\n", 2, 0.26))
    assert output == {"output": "hi\n", "metadata": {"exit_code": 2, "duration_seconds": 0.3}}


def test_texts_the_reference_gives_the_model() -> None:
    assert model_freeform_output("Success. Updated the following files:\nA f1.txt\n", 0, 0.01) == (
        "Exit code: 0\nWall time: 0 seconds\nOutput:\nSuccess. Updated the following files:\n"
        "A f1.txt\n"
    )
    assert model_freeform_output("x\n", 1, 1.26).startswith(
        "Exit code: 1\nWall time: 1.3 seconds\n"
    )
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
