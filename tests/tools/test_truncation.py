"""Cutting a tool's output to a budget, as Codex 0.107.0 does (see
test_exec_output for whole answers against the reference's)."""

from __future__ import annotations

from app_server.tools.truncation import (
    DEFAULT_POLICY,
    TruncationPolicy,
    formatted_truncate_text,
    line_count,
    truncate_content_items,
    truncate_for_history,
    truncate_text,
)
from app_server_protocol.items import (
    FunctionCallOutputInputImage,
    FunctionCallOutputInputText,
    FunctionCallOutputPayload,
    ResponseItemCustomToolCallOutput,
    ResponseItemFunctionCallOutput,
    ResponseItemMessage,
)

BYTES_4 = TruncationPolicy("bytes", 4)


def test_bytes_keep_half_the_budget_at_each_end() -> None:
    assert truncate_text("abcdefghij", BYTES_4) == "ab…6 chars truncated…ij"
    assert truncate_text("abcdefghij", TruncationPolicy("bytes", 5)) == "ab…5 chars truncated…hij"
    assert truncate_text("abcd", BYTES_4) == "abcd"
    assert truncate_text("", BYTES_4) == ""


def test_cuts_fall_on_character_boundaries() -> None:
    # Two bytes a character: the head gives back a half character, the tail skips one.
    assert truncate_text("ééééé", TruncationPolicy("bytes", 5)) == "é…3 chars truncated…é"
    assert truncate_text("a€€€€", TruncationPolicy("bytes", 8)) == "a€…2 chars truncated…€"


def test_tokens_are_four_bytes() -> None:
    policy = TruncationPolicy("tokens", 10)
    assert truncate_text("x" * 40, policy) == "x" * 40
    assert truncate_text("x" * 100, policy) == "x" * 20 + "…15 tokens truncated…" + "x" * 20
    assert truncate_text("x" * 41, policy) == "x" * 20 + "…1 tokens truncated…" + "x" * 20


def test_a_zero_budget_leaves_only_the_marker() -> None:
    assert truncate_text("abcdef", TruncationPolicy("bytes", 0)) == "…6 chars truncated…"
    assert truncate_text("abcdef", TruncationPolicy("tokens", 0)) == "…2 tokens truncated…"


def test_the_formatted_cut_says_how_many_lines() -> None:
    assert formatted_truncate_text("a\nb\n", BYTES_4) == "a\nb\n"
    assert formatted_truncate_text("a\nb\nc", BYTES_4) == (
        "Total output lines: 3\n\na\n…1 chars truncated…\nc"
    )
    assert [line_count(t) for t in ("", "a", "a\n", "a\n\nb", "\r\n")] == [0, 1, 1, 3, 1]


def test_policies() -> None:
    assert DEFAULT_POLICY.to_json() == {"mode": "bytes", "limit": 10000}
    assert DEFAULT_POLICY.scaled(1.2) == TruncationPolicy("bytes", 12000)
    assert TruncationPolicy("tokens", 7).scaled(1.2) == TruncationPolicy("tokens", 9)
    assert TruncationPolicy("tokens", 10).byte_budget == 40
    assert TruncationPolicy("bytes", 10).token_budget == 3


def test_content_items_share_one_budget() -> None:
    image = FunctionCallOutputInputImage(image_url="data:image/png;base64,AAAA")
    items = [
        FunctionCallOutputInputText(text="abc"),
        image,
        FunctionCallOutputInputText(text="defghij"),
        FunctionCallOutputInputText(text="late"),
    ]
    assert truncate_content_items(items, TruncationPolicy("bytes", 7)) == [
        FunctionCallOutputInputText(text="abc"),
        image,
        FunctionCallOutputInputText(text="de…3 chars truncated…ij"),
        FunctionCallOutputInputText(text="[omitted 1 text items ...]"),
    ]


def test_the_history_cuts_tool_outputs_to_a_fifth_more() -> None:
    policy = TruncationPolicy("bytes", 10)
    long_text = "z" * 20
    output = ResponseItemFunctionCallOutput(
        call_id="c", output=FunctionCallOutputPayload(body=long_text, success=False)
    )
    kept = truncate_for_history(output, policy)
    assert isinstance(kept, ResponseItemFunctionCallOutput)
    assert kept.output.body == "z" * 6 + "…8 chars truncated…" + "z" * 6
    assert kept.output.success is False
    custom = ResponseItemCustomToolCallOutput(
        call_id="c", output=FunctionCallOutputPayload(body=long_text)
    )
    kept_custom = truncate_for_history(custom, policy)
    assert isinstance(kept_custom, ResponseItemCustomToolCallOutput)
    assert kept_custom.output.body == kept.output.body
    short = ResponseItemFunctionCallOutput(
        call_id="c", output=FunctionCallOutputPayload(body="short")
    )
    assert truncate_for_history(short, policy) is short
    message = ResponseItemMessage(role="user", content=[])
    assert truncate_for_history(message, policy) is message
