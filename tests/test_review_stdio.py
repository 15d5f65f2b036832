"""`review/start` through the real daemon: a review run inline (a turn of
the thread) or detached (a turn of a new thread forked from it), with a
structured (JSON) or a plain-text answer from the reviewer; its items on the
v2 face, its ``codex/event/*`` on the v1 face, what the reviewer is sent
(the review instructions, a clean history), what the thread keeps, and the
targets that are refused."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.harness.stdio import DaemonClient, Message
from tests.mock_model_server import (
    Hold,
    MockModelServer,
    assistant_message,
    created,
    responses_reply,
    write_mock_config,
)
from tests.test_v2_threads_stdio import _assert_0107_wire

Spawn = Callable[..., DaemonClient]
Json = dict[str, Any]


def _finding_answer(path: Path) -> str:
    return json.dumps(
        {
            "findings": [
                {
                    "title": "[P1] Off by one",
                    "body": "The loop skips the last line.\nIt loses data.",
                    "confidence_score": 0.8,
                    "priority": 1,
                    "code_location": {
                        "absolute_file_path": str(path),
                        "line_range": {"start": 1, "end": 2},
                    },
                }
            ],
            "overall_correctness": "patch is incorrect",
            "overall_explanation": "One bug.",
            "overall_confidence_score": 0.7,
        }
    )


def _git(workdir: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=workdir, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def _repository(workdir: Path) -> None:
    """A repository on `main` with one commit and an uncommitted change."""
    _git(workdir, "init", "-q", "-b", "main")
    _git(workdir, "config", "user.email", "t@example.com")
    _git(workdir, "config", "user.name", "T")
    (workdir / "a.txt").write_text("one\n")
    _git(workdir, "add", ".")
    _git(workdir, "commit", "-qm", "first")
    (workdir / "a.txt").write_text("one\ntwo\n")


def _start(spawn: Spawn, codex_home: Path, mock: MockModelServer, extra: str = "") -> DaemonClient:
    write_mock_config(codex_home, mock, extra=extra)
    client = spawn(initialize=False)
    client.call("initialize", {"clientInfo": {"name": "tests", "title": None, "version": "1"}})
    client.notify("initialized")
    return client


def _thread_with_a_turn(client: DaemonClient, workdir: Path) -> str:
    thread_id: str = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    text = {"type": "text", "text": "hello there", "text_elements": []}
    turn = client.call("turn/start", {"threadId": thread_id, "input": [text]})["turn"]
    _wait_completed(client, thread_id, turn["id"])
    return thread_id


def _wait_completed(client: DaemonClient, thread_id: str, turn_id: str, start: int = 0) -> Json:
    done = client.wait_for(
        lambda m: (
            m.get("method") == "turn/completed"
            and m["params"]["threadId"] == thread_id
            and m["params"]["turn"]["id"] == turn_id
        ),
        30.0,
        "turn/completed",
        start,
    )
    turn: Json = done["params"]["turn"]
    return turn


def _review(
    client: DaemonClient, thread_id: str, target: Json, **params: Any
) -> tuple[Json, list[Message]]:
    """Start a review and wait for its turn to end: the answer, and every
    message since the request."""
    mark = client.mark()
    answer: Json = client.call("review/start", {"threadId": thread_id, "target": target, **params})
    _wait_completed(client, answer["reviewThreadId"], answer["turn"]["id"], mark)
    return answer, client.since(mark)


def _items(messages: list[Message], thread_id: str) -> list[tuple[str, Json]]:
    return [
        (m["method"], m["params"]["item"])
        for m in messages
        if m.get("method") in ("item/started", "item/completed")
        and m["params"]["threadId"] == thread_id
    ]


def _event(messages: list[Message], kind: str) -> Json:
    found = [m for m in messages if m.get("method") == f"codex/event/{kind}"]
    assert len(found) == 1, (kind, found)
    params: Json = found[0]["params"]
    return params


def _assert_every_started_item_completed(items: list[tuple[str, Json]]) -> None:
    started = [item["id"] for method, item in items if method == "item/started"]
    completed = [item["id"] for method, item in items if method == "item/completed"]
    assert sorted(started) == sorted(completed)


def test_an_inline_review_with_findings(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    _repository(workdir)
    mock_model.enqueue(assistant_message("first answer"))
    mock_model.enqueue(assistant_message(_finding_answer(workdir / "a.txt")))
    mock_model.enqueue(assistant_message("fixed"))
    client = _start(spawn, codex_home, mock_model)
    thread_id = _thread_with_a_turn(client, workdir)

    answer, messages = _review(client, thread_id, {"type": "uncommittedChanges"})
    turn_id = answer["turn"]["id"]
    assert answer["reviewThreadId"] == thread_id
    request = {
        "type": "userMessage",
        "id": turn_id,
        "content": [{"type": "text", "text": "current changes", "text_elements": []}],
    }
    assert answer["turn"] == {
        "id": turn_id,
        "items": [request],
        "status": "inProgress",
        "error": None,
    }
    started = next(m for m in messages if m.get("method") == "turn/started")
    assert started["params"]["turn"]["items"] == [request]

    items = _items(messages, thread_id)
    _assert_every_started_item_completed(items)
    completed = [item for method, item in items if method == "item/completed"]
    assert [item["type"] for item in completed] == [
        "enteredReviewMode",
        "userMessage",
        "exitedReviewMode",
        "agentMessage",
    ]
    entered, prompt, exited, message = completed
    assert entered == {"type": "enteredReviewMode", "id": turn_id, "review": "current changes"}
    assert "git diff" in prompt["content"][0]["text"]
    review = (
        "One bug.\n\nReview comment:\n\n"
        f"- [P1] Off by one — {workdir / 'a.txt'}:1-2\n"
        "  The loop skips the last line.\n  It loses data."
    )
    assert exited == {"type": "exitedReviewMode", "id": turn_id, "review": review}
    assert message["text"] == review
    done = next(m for m in messages if m.get("method") == "turn/completed")
    assert done["params"]["turn"]["status"] == "completed"

    # The v1 face of the same thread.
    entered_event = _event(messages, "entered_review_mode")
    assert entered_event["conversationId"] == thread_id
    assert entered_event["msg"] == {
        "type": "entered_review_mode",
        "target": {"type": "uncommittedChanges"},
        "user_facing_hint": "current changes",
    }
    output = _event(messages, "exited_review_mode")["msg"]["review_output"]
    assert output["findings"][0]["code_location"] == {
        "absolute_file_path": str(workdir / "a.txt"),
        "line_range": {"start": 1, "end": 2},
    }
    assert output["findings"][0]["confidence_score"] == 0.8
    assert output["overall_correctness"] == "patch is incorrect"
    assert _event(messages, "task_complete")["msg"]["last_agent_message"] is None
    assert _event(messages, "agent_message")["msg"]["message"] == review

    # The reviewer reads the review instructions and a clean history.
    reviewer = mock_model.model_requests[1]
    assert "JSON" in reviewer.body["instructions"]
    texts = reviewer.input_texts()
    assert "hello there" not in texts and "first answer" not in texts
    assert texts[-1] == prompt["content"][0]["text"]
    tools = {tool.get("name") for tool in reviewer.body["tools"]}
    assert "apply_patch" not in tools
    # (the reviewing thread does not search the web; the thread itself does)
    assert all(tool["type"] != "web_search" for tool in reviewer.body["tools"])
    assert any(tool["type"] == "web_search" for tool in mock_model.model_requests[0].body["tools"])

    # The thread keeps the review: the next turn's model reads it.
    text = {"type": "text", "text": "fix it", "text_elements": []}
    next_turn = client.call("turn/start", {"threadId": thread_id, "input": [text]})["turn"]
    _wait_completed(client, thread_id, next_turn["id"])
    following = mock_model.model_requests[2].input_texts()
    assert "hello there" in following
    assert any("One bug." in text for text in following)
    assert not any(text.startswith('{"findings"') for text in following)

    # thread/read shows the review turn from the rollout.
    read = client.call("thread/read", {"threadId": thread_id, "includeTurns": True})
    turns = read["thread"]["turns"]
    assert [turn["id"] for turn in turns] == [turns[0]["id"], turn_id, next_turn["id"]]
    assert [item["type"] for item in turns[1]["items"]] == [
        "enteredReviewMode",
        "userMessage",
        "exitedReviewMode",
        "agentMessage",
    ]
    assert turns[1]["items"][2]["review"] == "One bug."
    _assert_0107_wire(client.messages)

    # So does thread/resume, in another daemon.
    client.close_stdin()
    client.wait_exit()
    again = _start(spawn, codex_home, mock_model)
    resumed = again.call("thread/resume", {"threadId": thread_id})["thread"]["turns"]
    assert resumed == turns


def test_a_plain_text_answer_is_the_review(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message("first answer"))
    mock_model.enqueue(assistant_message("Looks fine to me, no issues."))
    client = _start(spawn, codex_home, mock_model, extra='review_model = "mock-review"')
    thread_id = _thread_with_a_turn(client, workdir)

    target = {"type": "custom", "instructions": "  Check the README for typos\n"}
    answer, messages = _review(client, thread_id, target)
    turn_id = answer["turn"]["id"]
    request = answer["turn"]["items"][0]
    assert request["content"][0]["text"] == "Check the README for typos"
    items = _items(messages, thread_id)
    _assert_every_started_item_completed(items)
    exited = [item for method, item in items if item["type"] == "exitedReviewMode"]
    assert exited[-1] == {
        "type": "exitedReviewMode",
        "id": turn_id,
        "review": "Looks fine to me, no issues.",
    }
    assert _event(messages, "exited_review_mode")["msg"]["review_output"] == {
        "findings": [],
        "overall_correctness": "",
        "overall_explanation": "Looks fine to me, no issues.",
        "overall_confidence_score": 0.0,
    }
    assert _event(messages, "entered_review_mode")["msg"]["target"] == {
        "type": "custom",
        "instructions": "Check the README for typos",
    }
    first, reviewer = mock_model.model_requests
    assert reviewer.input_texts()[-1] == "Check the README for typos"
    # `review_model` is the reviewer's model; the thread keeps its own.
    assert (first.body["model"], reviewer.body["model"]) == ("mock-model", "mock-review")
    _assert_0107_wire(client.messages)


def test_a_detached_review_runs_in_a_forked_thread(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    _repository(workdir)
    _git(workdir, "checkout", "-q", "-b", "topic")
    _git(workdir, "commit", "-qam", "second")
    base = _git(workdir, "merge-base", "HEAD", "main")
    mock_model.enqueue(assistant_message("first answer"))
    mock_model.enqueue(assistant_message(_finding_answer(workdir / "a.txt")))
    client = _start(spawn, codex_home, mock_model)
    thread_id = _thread_with_a_turn(client, workdir)

    target = {"type": "baseBranch", "branch": "main"}
    answer, messages = _review(client, thread_id, target, delivery="detached")
    review_thread = answer["reviewThreadId"]
    assert review_thread != thread_id
    # Announced before the answer, as 0.107.0 does.
    methods = [m.get("method") or m.get("id") for m in messages]
    announced = next(
        i
        for i, m in enumerate(messages)
        if m.get("method") == "thread/started" and m["params"]["thread"]["id"] == review_thread
    )
    answered = next(i for i, m in enumerate(messages) if "result" in m)
    assert announced < answered, methods
    assert messages[announced]["params"]["thread"]["preview"] == "hello there"
    assert answer["turn"]["items"][0]["content"][0]["text"] == "changes against 'main'"

    # The review's turn is the new thread's; the original thread has none.
    turn_threads = {
        m["params"]["threadId"] for m in messages if m.get("method", "").startswith("turn/")
    }
    assert turn_threads == {review_thread}
    items = _items(messages, review_thread)
    _assert_every_started_item_completed(items)
    assert [item["type"] for method, item in items if method == "item/completed"] == [
        "enteredReviewMode",
        "userMessage",
        "exitedReviewMode",
        "agentMessage",
    ]
    prompt = mock_model.model_requests[1].input_texts()[-1]
    assert f"git diff {base}" in prompt

    # The new thread starts with the original's history, then the review.
    read = client.call("thread/read", {"threadId": review_thread, "includeTurns": True})
    turns = read["thread"]["turns"]
    assert turns[0]["items"][0]["content"][0]["text"] == "hello there"
    assert turns[-1]["id"] == answer["turn"]["id"]
    original = client.call("thread/read", {"threadId": thread_id, "includeTurns": True})
    assert len(original["thread"]["turns"]) == 1
    _assert_0107_wire(client.messages)


def test_a_v1_conversation_can_be_reviewed(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(assistant_message(_finding_answer(workdir / "a.txt")))
    client = _start(spawn, codex_home, mock_model)
    conversation = client.call("newConversation", {"cwd": str(workdir)})["conversationId"]
    client.call("addConversationListener", {"conversationId": conversation})
    target = {"type": "commit", "sha": "1234567deadbeef", "title": "Tidy up"}
    answer, messages = _review(client, conversation, target)
    assert answer["turn"]["items"][0]["content"][0]["text"] == "commit 1234567: Tidy up"
    entered = _event(messages, "entered_review_mode")
    assert entered["conversationId"] == conversation
    assert entered["msg"]["user_facing_hint"] == "commit 1234567: Tidy up"
    exited = _event(messages, "exited_review_mode")["msg"]
    assert exited["review_output"]["overall_explanation"] == "One bug."
    prompt = mock_model.model_requests[0].input_texts()[-1]
    assert "1234567deadbeef" in prompt and "Tidy up" in prompt


def test_an_interrupted_review_ends_without_a_verdict(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    mock_model.enqueue(responses_reply(created(), Hold("review")))
    client = _start(spawn, codex_home, mock_model)
    thread_id = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    mark = client.mark()
    target = {"type": "custom", "instructions": "look"}
    answer = client.call("review/start", {"threadId": thread_id, "target": target})
    turn_id = answer["turn"]["id"]
    mock_model.wait_for_requests(1)
    assert client.call("turn/interrupt", {"threadId": thread_id, "turnId": turn_id}) == {}
    done = _wait_completed(client, thread_id, turn_id, mark)
    mock_model.release()
    assert done["status"] == "interrupted"
    messages = client.since(mark)
    items = _items(messages, thread_id)
    _assert_every_started_item_completed(items)
    completed = [item for method, item in items if method == "item/completed"]
    assert [item["type"] for item in completed] == [
        "enteredReviewMode",
        "userMessage",
        "exitedReviewMode",
        "agentMessage",
    ]
    assert completed[2]["review"] == "Reviewer failed to output a response."
    assert "interrupted" in completed[3]["text"]
    assert _event(messages, "exited_review_mode")["msg"]["review_output"] is None
    assert _event(messages, "turn_aborted")["msg"]["reason"] == "interrupted"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({"type": "custom", "instructions": " \n\n"}, "instructions must not be empty"),
        ({"type": "baseBranch", "branch": "   "}, "branch must not be empty"),
        ({"type": "commit", "sha": "\t", "title": None}, "sha must not be empty"),
    ],
)
def test_an_empty_target_is_refused(
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    mock_model: MockModelServer,
    target: Json,
    message: str,
) -> None:
    client = _start(spawn, codex_home, mock_model)
    thread_id = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    error = client.call_error("review/start", {"threadId": thread_id, "target": target})
    assert error == {"code": -32600, "message": message}
    missing = "00000000-0000-7000-8000-000000000000"
    unknown = client.call_error(
        "review/start", {"threadId": missing, "target": {"type": "uncommittedChanges"}}
    )
    assert unknown == {"code": -32600, "message": f"thread not found: {missing}"}
    assert mock_model.model_requests == []
