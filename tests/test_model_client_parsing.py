"""SSE decoding and the two stream parsers (Responses API, Chat Completions)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app_server.model_client.chat_stream import ChatStreamParser
from app_server.model_client.errors import ContextWindowExceeded, StreamDisconnected
from app_server.model_client.events import (
    Completed,
    Created,
    ModelEvent,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    ReasoningContentDelta,
    ReasoningSummaryDelta,
    ReasoningSummaryPartAdded,
)
from app_server.model_client.responses_stream import ResponsesStreamParser
from app_server.model_client.sse import SseDecoder, SseEvent
from app_server_protocol.items import (
    ResponseItemCustomToolCall,
    ResponseItemFunctionCall,
    ResponseItemLocalShellCall,
    ResponseItemMessage,
    ResponseItemOther,
    ResponseItemReasoning,
)
from app_server_protocol.usage import TokenUsage
from tests import mock_model_server as mm

# --------------------------------------------------------------------------
# SSE decoder
# --------------------------------------------------------------------------


def decode(*chunks: bytes, close: bool = True) -> list[SseEvent]:
    decoder = SseDecoder()
    events = []
    for chunk in chunks:
        decoder.feed(chunk)
        while (event := decoder.next_event()) is not None:
            events.append(event)
    if close:
        decoder.close()
        while (event := decoder.next_event()) is not None:
            events.append(event)
    return events


STREAM = (
    b": keepalive comment\n"
    b"event: response.created\n"
    b'data: {"type":"response.created"}\n'
    b"\n"
    b"data: first line\n"
    b"data:second line\n"
    b"id: 7\n"
    b"retry: 100\n"
    b"\n" + "data: caf\u00e9 \u2603\n\n".encode()
)
EXPECTED = [
    SseEvent('{"type":"response.created"}', "response.created"),
    SseEvent("first line\nsecond line", "message", "7"),
    SseEvent("caf\u00e9 \u2603", "message", "7"),
]


def test_decoder_reads_events_fields_and_comments() -> None:
    assert decode(STREAM) == EXPECTED


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"])
def test_decoder_accepts_every_line_ending(newline: bytes) -> None:
    assert decode(STREAM.replace(b"\n", newline)) == EXPECTED


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_decoder_events_split_at_every_byte(newline: bytes) -> None:
    data = STREAM.replace(b"\n", newline)
    for cut in range(1, len(data)):
        assert decode(data[:cut], data[cut:]) == EXPECTED, f"split at {cut}"
    assert decode(*(data[i : i + 1] for i in range(len(data)))) == EXPECTED


def test_decoder_hands_out_events_as_soon_as_they_are_complete() -> None:
    decoder = SseDecoder()
    decoder.feed(b"data: a\n")
    assert decoder.next_event() is None
    decoder.feed(b"\ndata: b")
    assert decoder.next_event() == SseEvent("a")
    assert decoder.next_event() is None


def test_decoder_drops_an_unterminated_event_at_the_end() -> None:
    assert decode(b"data: a\n\ndata: b\n") == [SseEvent("a")]
    assert decode(b"data: a\n\ndata: b") == [SseEvent("a")]


def test_decoder_skips_blank_events_and_odd_lines() -> None:
    events = decode(b"\n\n:only a comment\n\nevent: x\n\ndata\n\nnofield: 1\ndata: ok\n\n")
    # "data" alone is a data line with an empty value: an event with empty data.
    assert events == [SseEvent(""), SseEvent("ok")]


def test_decoder_keeps_invalid_utf8_readable() -> None:
    assert decode(b"data: \xff ok\n\n") == [SseEvent("\ufffd ok")]


# --------------------------------------------------------------------------
# Responses API
# --------------------------------------------------------------------------


def parse_responses(*events: dict[str, Any] | str) -> list[ModelEvent]:
    parser = ResponsesStreamParser()
    out: list[ModelEvent] = []
    for event in events:
        out += parser.feed(event if isinstance(event, str) else json.dumps(event))
    out += parser.finish()
    return out


def test_every_responses_event_kind() -> None:
    events = parse_responses(
        mm.created("resp_1"),
        {"type": "response.in_progress", "response": {}},
        mm.output_item_added(mm.message_item("", item_id="m1")),
        mm.text_delta("Hel"),
        mm.text_delta("lo"),
        mm.reasoning_summary_delta("Thinking"),
        mm.reasoning_summary_part_added(),
        mm.reasoning_summary_delta("More"),
        mm.reasoning_text_delta("raw"),
        mm.output_item_done(mm.reasoning_item(["Thinking", "More"], ["raw"], item_id="r1")),
        mm.output_item_done(mm.message_item("Hello", item_id="m1")),
        mm.output_item_done(mm.function_call_item("update_plan", {"plan": []}, call_id="c1")),
        mm.output_item_done(mm.custom_tool_call_item("apply_patch", "*** Begin", call_id="c2")),
        mm.output_item_done(mm.local_shell_call_item(["ls"], call_id="c3")),
        mm.output_item_done({"type": "image_generation_call", "id": "x"}),
        {"type": "response.output_text.done", "text": "Hello"},
        mm.completed("resp_1", mm.usage(100, 20, cached=30, reasoning=5)),
    )
    kinds = [type(event).__name__ for event in events]
    assert kinds == [
        "Created",
        "OutputItemAdded",
        "OutputTextDelta",
        "OutputTextDelta",
        "ReasoningSummaryDelta",
        "ReasoningSummaryPartAdded",
        "ReasoningSummaryDelta",
        "ReasoningContentDelta",
        "OutputItemDone",
        "OutputItemDone",
        "OutputItemDone",
        "OutputItemDone",
        "OutputItemDone",
        "OutputItemDone",
        "Completed",
    ]
    assert events[0] == Created()
    assert events[2] == OutputTextDelta("Hel")
    assert events[4] == ReasoningSummaryDelta("Thinking")
    assert events[5] == ReasoningSummaryPartAdded()
    assert events[7] == ReasoningContentDelta("raw")
    items = [event.item for event in events if isinstance(event, OutputItemDone)]
    assert isinstance(items[0], ResponseItemReasoning)
    assert [part.text for part in items[0].summary] == ["Thinking", "More"]
    assert isinstance(items[1], ResponseItemMessage) and items[1].id == "m1"
    assert isinstance(items[2], ResponseItemFunctionCall)
    assert (items[2].name, items[2].call_id, items[2].arguments) == (
        "update_plan",
        "c1",
        '{"plan": []}',
    )
    assert isinstance(items[3], ResponseItemCustomToolCall) and items[3].input == "*** Begin"
    assert isinstance(items[4], ResponseItemLocalShellCall) and items[4].action.command == ["ls"]
    assert isinstance(items[5], ResponseItemOther)
    added = events[1]
    assert isinstance(added, OutputItemAdded) and isinstance(added.item, ResponseItemMessage)
    assert events[-1] == Completed(
        "resp_1",
        TokenUsage(
            input_tokens=100,
            cached_input_tokens=30,
            output_tokens=20,
            reasoning_output_tokens=5,
            total_tokens=120,
        ),
    )


def test_malformed_responses_data_is_skipped() -> None:
    events = parse_responses(
        "not json",
        "[1, 2]",
        '{"no_type": 1}',
        '{"type": 5}',
        {"type": "response.output_text.delta", "delta": 5},
        {"type": "response.output_item.done", "item": {"type": "message", "role": 1}},
        {"type": "response.output_item.done"},
        {"type": "response.created"},
        mm.text_delta("ok"),
        mm.completed(),
    )
    assert events[0] == OutputTextDelta("ok")
    assert isinstance(events[1], Completed)
    assert len(events) == 2


def test_completed_without_usage_or_with_broken_usage() -> None:
    assert parse_responses({"type": "response.completed", "response": {"id": "r"}}) == [
        Completed("r", None)
    ]
    broken = {"type": "response.completed", "response": {"id": "r", "usage": {"input_tokens": 1}}}
    assert parse_responses(broken) == [Completed("r", None)]
    details = {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}
    assert parse_responses(mm.completed("r", details)) == [
        Completed("r", TokenUsage(input_tokens=1, output_tokens=2, total_tokens=3))
    ]


def test_completed_ends_the_response() -> None:
    parser = ResponsesStreamParser()
    assert not parser.done
    parser.feed(json.dumps(mm.completed()))
    assert parser.done


def test_a_stream_that_ends_before_completed_is_an_error() -> None:
    with pytest.raises(StreamDisconnected) as caught:
        parse_responses(mm.created(), mm.text_delta("partial"))
    assert str(caught.value) == (
        "stream disconnected before completion: stream closed before response.completed"
    )


def test_failed_with_a_message() -> None:
    with pytest.raises(StreamDisconnected) as caught:
        parse_responses(mm.failed_event("boom", "server_error"))
    assert str(caught.value) == "stream disconnected before completion: boom"
    assert caught.value.retry_after is None
    assert caught.value.retry_turn


def test_failed_rate_limit_hint_sets_the_retry_delay() -> None:
    message = "Rate limit reached for gpt-5. Please try again in 1.898s. Visit ..."
    with pytest.raises(StreamDisconnected) as caught:
        parse_responses(mm.failed_event(message, "rate_limit_exceeded"))
    assert caught.value.retry_after == pytest.approx(1.898)
    with pytest.raises(StreamDisconnected) as caught:
        parse_responses(mm.failed_event("Please try again in 250ms", "rate_limit_exceeded"))
    assert caught.value.retry_after == pytest.approx(0.25)
    with pytest.raises(StreamDisconnected) as caught:
        parse_responses(mm.failed_event("Please try again in 3s", "other_code"))
    assert caught.value.retry_after is None


def test_failed_without_an_error_object() -> None:
    with pytest.raises(StreamDisconnected) as caught:
        parse_responses({"type": "response.failed", "response": {"id": "r"}})
    assert str(caught.value).endswith(": response.failed event received")


def test_context_window_exceeded_is_its_own_error() -> None:
    with pytest.raises(ContextWindowExceeded) as caught:
        parse_responses(mm.failed_event("too long", "context_length_exceeded"))
    assert not caught.value.retry_turn
    assert str(caught.value) == (
        "Codex ran out of room in the model's context window. Start a new conversation "
        "or clear earlier history before retrying."
    )


def test_incomplete_response_says_why() -> None:
    with pytest.raises(StreamDisconnected) as caught:
        parse_responses(mm.text_delta("abc"), mm.incomplete_event("max_output_tokens"))
    assert str(caught.value) == (
        "stream disconnected before completion: "
        "Incomplete response returned, reason: max_output_tokens"
    )


# --------------------------------------------------------------------------
# Chat Completions
# --------------------------------------------------------------------------


def parse_chat(reply: mm.SseReply, *, stream_deltas: bool = False) -> list[ModelEvent]:
    """Parse a mock chat reply, cutting its bytes into 7-byte chunks."""
    data = b"".join(mm._frame(step) for step in reply.steps if not isinstance(step, mm.Pause))
    decoder = SseDecoder()
    parser = ChatStreamParser(stream_deltas=stream_deltas)
    out: list[ModelEvent] = []
    for start in range(0, len(data), 7):
        decoder.feed(data[start : start + 7])
        while (event := decoder.next_event()) is not None:
            out += parser.feed(event.data)
    decoder.close()
    while (event := decoder.next_event()) is not None:
        out += parser.feed(event.data)
    return out + parser.finish()


def test_chat_content_is_assembled_into_one_message() -> None:
    events = parse_chat(mm.chat_message(["Hel", "lo", " world"]))
    assert len(events) == 2
    done, completed = events
    assert isinstance(done, OutputItemDone) and isinstance(done.item, ResponseItemMessage)
    assert done.item.role == "assistant"
    assert done.item.model_dump(mode="json")["content"] == [
        {"type": "output_text", "text": "Hello world"}
    ]
    assert completed == Completed("", None)


def test_chat_deltas_are_forwarded_on_request() -> None:
    events = parse_chat(mm.chat_message(["a", "b"], reasoning=["r1", "r2"]), stream_deltas=True)
    assert events[:4] == [
        ReasoningContentDelta("r1"),
        ReasoningContentDelta("r2"),
        OutputTextDelta("a"),
        OutputTextDelta("b"),
    ]
    reasoning, message = events[4], events[5]
    assert isinstance(reasoning, OutputItemDone) and isinstance(
        reasoning.item, ResponseItemReasoning
    )
    assert reasoning.item.content is not None
    assert [part.text for part in reasoning.item.content] == ["r1r2"]
    assert isinstance(message, OutputItemDone) and isinstance(message.item, ResponseItemMessage)
    assert isinstance(events[6], Completed)


def test_chat_reasoning_as_object_or_on_the_message() -> None:
    parser = ChatStreamParser(stream_deltas=True)
    out = parser.feed(json.dumps(mm.chat_chunk({"reasoning": {"text": "a"}})))
    out += parser.feed(json.dumps(mm.chat_chunk({"reasoning": {"content": "b"}})))
    chunk = mm.chat_chunk()
    chunk["choices"][0]["message"] = {"reasoning": "c"}
    out += parser.feed(json.dumps(chunk))
    assert out == [
        ReasoningContentDelta("a"),
        ReasoningContentDelta("b"),
        ReasoningContentDelta("c"),
    ]


def test_chat_tool_call_deltas_are_assembled_per_index() -> None:
    reply = mm.chat_tool_calls(
        mm.ChatToolCall("shell", {"command": ["ls", "-la"]}, call_id="call_a", pieces=4),
        mm.ChatToolCall("update_plan", '{"plan":[]}', call_id="call_b", pieces=2),
        content="Let me look.",
    )
    events = parse_chat(reply)
    items = [event.item for event in events if isinstance(event, OutputItemDone)]
    assert isinstance(items[0], ResponseItemMessage)
    calls = items[1:]
    assert all(isinstance(call, ResponseItemFunctionCall) for call in calls)
    assert [(c.call_id, c.name, c.arguments) for c in calls] == [  # type: ignore[union-attr]
        ("call_a", "shell", '{"command": ["ls", "-la"]}'),
        ("call_b", "update_plan", '{"plan":[]}'),
    ]
    assert isinstance(events[-1], Completed)


def test_chat_interleaved_tool_call_deltas() -> None:
    parser = ChatStreamParser()
    deltas = [
        [{"index": 0, "id": "c0", "function": {"name": "a", "arguments": '{"x"'}}],
        [{"index": 1, "id": "c1", "function": {"name": "b", "arguments": "{"}}],
        [
            {"index": 0, "function": {"arguments": ": 1}"}},
            {"index": 1, "function": {"arguments": "}"}},
        ],
    ]
    events: list[ModelEvent] = []
    for tool_calls in deltas:
        events += parser.feed(json.dumps(mm.chat_chunk({"tool_calls": tool_calls})))
    events += parser.feed(json.dumps(mm.chat_chunk({}, "tool_calls")))
    calls = [e.item for e in events if isinstance(e, OutputItemDone)]
    assert [(c.call_id, c.name, c.arguments) for c in calls] == [  # type: ignore[union-attr]
        ("c0", "a", '{"x": 1}'),
        ("c1", "b", "{}"),
    ]


def test_chat_ends_at_finish_reason_done_or_end_of_body() -> None:
    parser = ChatStreamParser()
    parser.feed(json.dumps(mm.chat_chunk({"content": "x"})))
    assert not parser.done
    events = parser.feed(json.dumps(mm.chat_chunk({}, "stop")))
    assert parser.done and isinstance(events[-1], Completed)
    assert parser.feed("[DONE]") == []  # nothing after the end
    assert parser.finish() == []

    parser = ChatStreamParser()
    parser.feed(json.dumps(mm.chat_chunk({"content": "y"})))
    events = parser.feed(" [DONE] ")
    assert parser.done and len(events) == 2

    # A body that ends without either still gives what it had.
    events = parse_chat(mm.chat_reply(mm.chat_chunk({"content": "z"}), done=False))
    assert [type(e) for e in events] == [OutputItemDone, Completed]


def test_chat_malformed_chunks_are_skipped() -> None:
    parser = ChatStreamParser()
    for data in ["nope", "[]", '{"choices": []}', '{"choices": [1]}', '{"choices": "x"}']:
        assert parser.feed(data) == []
    assert parser.feed(json.dumps(mm.chat_chunk({"content": 5}))) == []
    assert not parser.done
    assert parser.finish() == [Completed("", None)]
