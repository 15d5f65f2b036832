"""The listing rules for one file (its head), as the reference binary applies
them: every case below was checked against codex 0.50.0."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from app_server.agent import context
from app_server.context_tags import is_injected_context
from app_server.conversations import head
from app_server.conversations.head import (
    HeadSummary,
    is_user_message_event,
    read_head_summary,
    session_meta_source,
    summarize_head,
    valid_response_item,
)
from app_server_protocol.events import EventMsg
from app_server_protocol.items import ResponseItem
from app_server_protocol.rollout import INTERACTIVE_SOURCES, SessionMeta
from tests.rollouts import (
    REFERENCE_THREE_TURNS,
    TS,
    assistant_item,
    lines_bytes,
    meta,
    user_event,
    user_item,
)

CID = "5f0b8a52-0a7e-4d7e-9d55-3b2a3c1f9e11"
Line = dict[str, Any] | str


def summary(lines: list[Line]) -> HeadSummary | None:
    return summarize_head(lines_bytes(lines).split(b"\n"))


def preview(lines: list[Line]) -> str | None:
    found = summary(lines)
    return None if found is None else found.preview


def test_a_plain_conversation() -> None:
    found = summary([meta(CID), user_item("hi"), user_event("hi")])
    assert found == HeadSummary(CID, "hi", TS)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # the text parts are joined; images are skipped
        (
            [
                meta(CID),
                user_item(
                    parts=[{"type": "input_text", "text": "A"}, {"type": "input_text", "text": "B"}]
                ),
                user_event("AB"),
            ],
            "AB",
        ),
        (
            [
                meta(CID),
                user_item(parts=[{"type": "input_image", "image_url": "data:x"}]),
                user_event(""),
            ],
            "",
        ),
        # a message with any injected part is not the preview
        (
            [
                meta(CID),
                user_item(
                    parts=[
                        {"type": "input_text", "text": "hello"},
                        {"type": "input_text", "text": "<environment_context>x"},
                    ]
                ),
                user_item("second"),
                user_event("x"),
            ],
            "second",
        ),
        # after the request marker of a template, trimmed
        (
            [
                meta(CID),
                user_item("prefix ## My request for Codex:\n  real ask  "),
                user_event("x"),
            ],
            "real ask",
        ),
        # otherwise untrimmed, newlines kept, not truncated
        ([meta(CID), user_item("  spaced \n "), user_event("x")], "  spaced \n "),
        ([meta(CID), user_item("x" * 600), user_event("x")], "x" * 600),
        # injected context is recognised case-insensitively after blanks
        (
            [meta(CID), user_item("  <ENVIRONMENT_CONTEXT>x"), user_item("after"), user_event("x")],
            "after",
        ),
        (
            [meta(CID), user_item("<user_instructions>\nfoo"), user_item("real"), user_event("x")],
            "real",
        ),
        # output_text in a user message: not a preview part, but the message counts
        (
            [
                meta(CID),
                {
                    "timestamp": "t",
                    "type": "response_item",
                    "payload": {
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "output_text", "text": "out"}],
                    },
                },
                user_event("x"),
            ],
            "",
        ),
        # system messages are skipped
        (
            [
                meta(CID),
                {
                    "timestamp": "t",
                    "type": "response_item",
                    "payload": {
                        "type": "message",
                        "role": "system",
                        "content": [{"type": "input_text", "text": "sys"}],
                    },
                },
                user_item("after system"),
                user_event("x"),
            ],
            "after system",
        ),
        # a torn last line and CRLF endings are fine
        (
            [meta(CID), user_item("torn"), user_event("x"), '{"timestamp":"t","type":"event_m'],
            "torn",
        ),
        ([json.dumps(meta(CID)) + "\r", user_item("crlf"), user_event("x")], "crlf"),
        # the source: absent means vscode; cli is listed too
        ([meta(CID, source="cli"), user_item("cli"), user_event("x")], "cli"),
        # event extras: `kind` is ignored, `images` may be absent or null
        (
            [
                meta(CID),
                user_item("kind"),
                {
                    "timestamp": "t",
                    "type": "event_msg",
                    "payload": {"type": "user_message", "message": "x", "kind": "weird"},
                },
            ],
            "kind",
        ),
        (
            [
                meta(CID),
                user_item("nullimages"),
                {
                    "timestamp": "t",
                    "type": "event_msg",
                    "payload": {"type": "user_message", "message": "x", "images": None},
                },
            ],
            "nullimages",
        ),
        # the id may be spelled in any form a UUID parser accepts
        ([meta(CID.upper()), user_item("upper"), user_event("x")], "upper"),
        ([meta(CID.replace("-", "")), user_item("simple"), user_event("x")], "simple"),
        # git info: partial or null is fine
        ([meta(CID, git={"branch": "b"}), user_item("git"), user_event("x")], "git"),
        ([meta(CID, git=None), user_item("nogit"), user_event("x")], "nogit"),
    ],
)
def test_previews(lines: list[Line], expected: str) -> None:
    assert preview(lines) == expected


def _unknown_items(n: int) -> list[Line]:
    return [
        {"timestamp": "t", "type": "response_item", "payload": {"type": "zzz"}} for _ in range(n)
    ]


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param([meta(CID), user_item("x")], id="no user event"),
        pytest.param([meta(CID), user_event("x")], id="no user message"),
        pytest.param([user_item("x"), user_event("x")], id="no meta"),
        pytest.param(
            [user_item("early"), meta(CID), user_item("x"), user_event("x")], id="meta not first"
        ),
        pytest.param([meta(CID, source="exec"), user_item("x"), user_event("x")], id="exec"),
        pytest.param([meta(CID, source="mcp"), user_item("x"), user_event("x")], id="mcp"),
        pytest.param(
            [meta(CID, source="other"), user_item("x"), user_event("x")], id="unknown source"
        ),
        pytest.param([meta(CID, source=None), user_item("x"), user_event("x")], id="null source"),
        pytest.param(
            [meta(CID, source={"sub": 1}), user_item("x"), user_event("x")], id="object source"
        ),
        pytest.param(
            [meta(CID), meta(CID, source="exec"), user_item("x"), user_event("x")],
            id="the last meta decides the source",
        ),
        pytest.param([meta("not-a-uuid"), user_item("x"), user_event("x")], id="bad id"),
        pytest.param([meta(CID, cwd=5), user_item("x"), user_event("x")], id="cwd not a string"),
        pytest.param(
            [meta(CID, instructions=5), user_item("x"), user_event("x")], id="bad instructions"
        ),
        pytest.param([meta(CID, git=5), user_item("x"), user_event("x")], id="bad git"),
        pytest.param(
            [
                {
                    "timestamp": "t",
                    "type": "session_meta",
                    "payload": {"id": CID, "timestamp": "t", "cwd": "/", "cli_version": "1"},
                },
                user_item("x"),
                user_event("x"),
            ],
            id="no originator",
        ),
        pytest.param(
            [
                {"type": "session_meta", "payload": meta(CID)["payload"]},
                user_item("x"),
                user_event("x"),
            ],
            id="line without timestamp",
        ),
        pytest.param(
            [
                meta(CID),
                user_item("x"),
                {
                    "timestamp": "t",
                    "type": "event_msg",
                    "payload": {"type": "user_message", "message": 5},
                },
            ],
            id="bad user event",
        ),
        pytest.param(
            [meta(CID), user_item("x")]
            + [assistant_item(f"a{i}") for i in range(8)]
            + [user_event("x")],
            id="user event after the head",
        ),
        pytest.param(
            [meta(CID), user_event("x"), *_unknown_items(12), user_item("late")],
            id="unknown item kinds count",
        ),
    ],
)
def test_not_listed(lines: list[Line]) -> None:
    assert summary(lines) is None


def test_escapes() -> None:
    escaped = (
        '{"timestamp":"t","type":"response_item","payload":{"type":"message","role":"user",'
        '"content":[{"type":"input_text","text":"caf\\u00e9 \\ud83d\\ude00"}]}}'
    )
    assert preview([meta(CID), escaped, user_event("x")]) == "café \U0001f600"
    lone = escaped.replace("\\ude00", "")
    assert preview([meta(CID), lone, user_item("valid"), user_event("x")]) == "valid"
    # names spelled with escapes are still recognised
    spelled = json.dumps(user_event("x")).replace("user_message", "user\\u005fmessage")
    assert preview([meta(CID), user_item("hi"), spelled]) == "hi"


def test_the_head_holds_ten_counted_records() -> None:
    # meta + user item + 7 assistant items = 9: the event after them is seen
    lines: list[Line] = [meta(CID), user_item("x"), *[assistant_item(str(i)) for i in range(7)]]
    assert preview([*lines, user_event("x")]) == "x"
    # the 10th counted record is still read
    head: list[Line] = [meta(CID), user_event("x"), *[assistant_item(str(i)) for i in range(8)]]
    assert preview([*head, user_item("tenth")]) == "tenth"
    assert preview([*head, assistant_item("9"), user_item("eleventh")]) is None


def test_lines_that_do_not_count() -> None:
    # malformed items, turn contexts, compacted markers and unknown line kinds
    bad_call = {"timestamp": "t", "type": "response_item", "payload": {"type": "function_call"}}
    compacted = {"timestamp": "t", "type": "compacted", "payload": {"message": "m"}}
    weird = {"timestamp": "t", "type": "weird", "payload": {}}
    for filler in (bad_call, compacted, weird, "not json"):
        assert preview([meta(CID), user_event("x"), *[filler] * 12, user_item("late")]) == "late"


def test_the_first_meta_gives_id_and_timestamp() -> None:
    other = str(uuid.uuid4())
    found = summary(
        [meta(CID), meta(other, ts="2030-01-01T00:00:00Z"), user_item("x"), user_event("x")]
    )
    assert found == HeadSummary(CID, "x", TS)
    assert summary([meta(CID, ts=""), user_item("x"), user_event("x")]) == HeadSummary(
        CID, "x", None
    )


def test_reading_a_file_written_by_the_reference(tmp_path: Any) -> None:
    found = read_head_summary(str(REFERENCE_THREE_TURNS))
    assert found is not None
    assert found.conversation_id == "01a202f7-377e-7623-907c-fc635a0cd359"
    assert found.preview == "What does this repo do?"
    assert read_head_summary(str(tmp_path / "missing.jsonl")) is None


def test_a_big_head_is_read_in_chunks(tmp_path: Any) -> None:
    path = tmp_path / "big.jsonl"
    big = "y" * 100_000
    path.write_bytes(
        lines_bytes([meta(CID), assistant_item(big), user_item("after big"), user_event("x")])
    )
    assert read_head_summary(str(path)) == HeadSummary(CID, "after big", TS)


def test_injected_context() -> None:
    assert (head.ENVIRONMENT_CONTEXT_OPEN, head.USER_INSTRUCTIONS_OPEN) == (
        context.ENVIRONMENT_CONTEXT_OPEN,
        context.USER_INSTRUCTIONS_OPEN,
    )
    assert is_injected_context("<environment_context>")
    assert is_injected_context("\n <USER_INSTRUCTIONS>")
    assert not is_injected_context("say <environment_context>")
    assert not is_injected_context("é<environment_context>")


# --------------------------------------------------------------------------
# The hand-written checks agree with the protocol models
# --------------------------------------------------------------------------

_ITEM = TypeAdapter(ResponseItem)
_EVENT = TypeAdapter(EventMsg)

ITEM_CORPUS: list[Any] = [
    {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "x"}]},
    {"type": "message", "role": "user", "content": [{"type": "input_image", "image_url": "u"}]},
    {
        "type": "message",
        "id": "m",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "x"}],
    },
    {"type": "message", "id": None, "role": "user", "content": []},
    {"type": "message", "role": 5, "content": []},
    {"type": "message", "role": "user"},
    {"type": "message", "role": "user", "content": [{"type": "weird"}]},
    {"type": "message", "role": "user", "content": [{"type": "input_text"}]},
    {"type": "message", "role": "user", "content": ["x"]},
    {"type": "message", "id": 5, "role": "user", "content": []},
    {
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": "s"}],
        "encrypted_content": None,
    },
    {"type": "reasoning", "summary": [], "content": [{"type": "reasoning_text", "text": "r"}]},
    {"type": "reasoning", "summary": [], "content": None, "id": "r1"},
    {"type": "reasoning", "summary": [{"type": "other", "text": "s"}]},
    {"type": "reasoning"},
    {"type": "reasoning", "summary": [], "id": None},
    {
        "type": "local_shell_call",
        "status": "completed",
        "action": {"type": "exec", "command": ["ls"]},
    },
    {
        "type": "local_shell_call",
        "call_id": "c",
        "status": "in_progress",
        "action": {
            "type": "exec",
            "command": ["ls"],
            "timeout_ms": 5,
            "env": {"A": "b"},
            "user": None,
        },
    },
    {"type": "local_shell_call", "status": "done", "action": {"type": "exec", "command": ["ls"]}},
    {
        "type": "local_shell_call",
        "status": "completed",
        "action": {"type": "exec", "command": "ls"},
    },
    {"type": "function_call", "name": "shell", "arguments": "{}", "call_id": "c"},
    {"type": "function_call", "name": "shell", "arguments": {}, "call_id": "c"},
    {"type": "function_call", "name": "shell", "call_id": "c"},
    {"type": "function_call_output", "call_id": "c", "output": "done"},
    {
        "type": "function_call_output",
        "call_id": "c",
        "output": {"content": "done", "success": True},
    },
    {"type": "function_call_output", "call_id": "c", "output": 5},
    {"type": "function_call_output", "output": "done"},
    {"type": "custom_tool_call", "call_id": "c", "name": "n", "input": "i", "status": "s"},
    {"type": "custom_tool_call", "call_id": "c", "name": "n"},
    {"type": "custom_tool_call_output", "call_id": "c", "output": "o"},
    {"type": "custom_tool_call_output", "call_id": "c"},
    {"type": "web_search_call", "status": "completed", "action": {"type": "search", "query": "q"}},
    {"type": "web_search_call", "action": {"type": "open_page", "url": "u"}},
    {"type": "web_search_call", "action": {"type": "search"}},
    {"type": "web_search_call"},
    {"type": "web_search_call", "action": {"type": "find_in_page", "pattern": 5}},
    {
        "type": "function_call_output",
        "call_id": "c",
        "output": [{"type": "input_text", "text": "t"}],
    },
    {"type": "function_call_output", "call_id": "c", "output": [{"type": "input_text"}]},
    {"type": "custom_tool_call_output", "call_id": "c", "output": [{"type": "x"}]},
    {"type": "message", "role": "assistant", "content": [], "phase": "final_answer"},
    {"type": "message", "role": "assistant", "content": [], "phase": "loud"},
    {"type": "message", "role": "assistant", "content": [], "end_turn": "yes"},
    {"type": "ghost_snapshot", "ghost_commit": {"id": "abc", "parent": None}},
    {"type": "ghost_snapshot", "ghost_commit": {"parent": "p"}},
    {"type": "compaction", "encrypted_content": "e"},
    {"type": "compaction"},
    {"type": "something_new", "anything": [1, 2]},
    "message",
    None,
]


@pytest.mark.parametrize("payload", ITEM_CORPUS, ids=lambda p: json.dumps(p)[:60])
def test_item_checks_agree_with_the_models(payload: Any) -> None:
    try:
        _ITEM.validate_json(json.dumps(payload), strict=True)
        valid = True
    except ValidationError:
        valid = False
    assert valid_response_item(payload) == valid


def test_a_tag_that_is_not_text_makes_an_invalid_item() -> None:
    # The reference rejects it (the model reads it as `other`): it does not count.
    assert not valid_response_item({"type": 5})


META_CORPUS: list[Any] = [
    meta(CID)["payload"],
    meta(CID, source="cli")["payload"],
    meta(CID, source="newer_kind")["payload"],
    meta(CID, source=None)["payload"],
    meta(CID, git={"commit_hash": "c", "branch": None})["payload"],
    meta(CID, git="x")["payload"],
    meta(CID, git={"branch": 5})["payload"],
    meta(CID, instructions="i")["payload"],
    meta(CID, instructions=["i"])["payload"],
    meta(CID, cli_version=None)["payload"],
    meta("nope")["payload"],
    meta("{" + CID + "}")["payload"],
    meta("urn:uuid:" + CID)["payload"],
    {"id": CID},
    [],
]


@pytest.mark.parametrize("payload", META_CORPUS, ids=lambda p: json.dumps(p)[:60])
def test_meta_checks_agree_with_the_models(payload: Any) -> None:
    try:
        model = SessionMeta.model_validate_json(json.dumps(payload), strict=True)
        expected: str | None = model.source.value
    except ValidationError:
        expected = None
    source = session_meta_source(payload)
    if expected is None:
        assert source is None
    else:
        assert source is not None
        assert (source in {s.value for s in INTERACTIVE_SOURCES}) == (
            expected in {s.value for s in INTERACTIVE_SOURCES}
        )


EVENT_CORPUS: list[Any] = [
    {"type": "user_message", "message": "m", "images": []},
    {"type": "user_message", "message": "m"},
    {"type": "user_message", "message": "m", "images": None},
    {"type": "user_message", "message": "m", "images": [1]},
    {"type": "user_message", "message": 5},
    {"type": "user_message"},
    {"type": "agent_message", "message": "m"},
]


@pytest.mark.parametrize("payload", EVENT_CORPUS, ids=lambda p: json.dumps(p)[:60])
def test_user_event_checks_agree_with_the_models(payload: Any) -> None:
    try:
        event = _EVENT.validate_json(json.dumps(payload), strict=True)
        expected = event.type == "user_message"
    except ValidationError:
        expected = False
    assert is_user_message_event(payload) == expected
