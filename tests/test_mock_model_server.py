"""The mock model server serves what it was scripted to, and records requests."""

from __future__ import annotations

import json
import threading
import time
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest

from app_server.config.model import ConfigToml, WireApi
from app_server.model_client.sse import SseDecoder
from tests import mock_model_server as mm


def post(mock: mm.MockModelServer, path: str, body: Any, **kw: Any) -> httpx.Response:
    return httpx.post(f"{mock.base_url}{path}", json=body, timeout=10, **kw)


def sse_data(response: httpx.Response) -> list[Any]:
    decoder = SseDecoder()
    decoder.feed(response.content)
    decoder.close()
    out: list[Any] = []
    while (event := decoder.next_event()) is not None:
        out.append(event.data if event.data == "[DONE]" else json.loads(event.data))
    return out


def test_serves_scripted_replies_in_order(mock_model: mm.MockModelServer) -> None:
    mock_model.enqueue(mm.assistant_message("one"), mm.streamed_message(["t", "wo"]))
    first = post(mock_model, "/responses", {"model": "m"})
    assert first.status_code == 200
    assert first.headers["content-type"] == "text/event-stream"
    events = sse_data(first)
    assert [e["type"] for e in events] == [
        "response.created",
        "response.output_item.done",
        "response.completed",
    ]
    assert events[1]["item"]["content"] == [{"type": "output_text", "text": "one"}]
    second = sse_data(post(mock_model, "/responses", {"model": "m"}))
    assert [e.get("delta") for e in second if e["type"] == "response.output_text.delta"] == [
        "t",
        "wo",
    ]
    assert mock_model.pending == 0
    mock_model.assert_all_served()


def test_event_frames_name_their_type(mock_model: mm.MockModelServer) -> None:
    mock_model.enqueue(mm.assistant_message())
    text = post(mock_model, "/responses", {}).text
    assert text.startswith('event: response.created\ndata: {"type":"response.created"')


def test_match_routes_replies_by_request_body(mock_model: mm.MockModelServer) -> None:
    mock_model.enqueue(mm.assistant_message("for the title"), match="Generate a title")
    mock_model.enqueue(mm.assistant_message("for anyone"))
    plain = sse_data(post(mock_model, "/responses", {"input": "hello"}))
    titled = sse_data(post(mock_model, "/responses", {"input": "Generate a title please"}))
    assert plain[1]["item"]["content"][0]["text"] == "for anyone"
    assert titled[1]["item"]["content"][0]["text"] == "for the title"


def test_records_every_request(mock_model: mm.MockModelServer) -> None:
    mock_model.enqueue(mm.assistant_message())
    post(
        mock_model,
        "/responses?api-version=1",
        {"model": "m", "input": [{"type": "message", "content": [{"text": "hi"}]}]},
        headers={"Authorization": "Bearer k", "X-Custom": "v"},
    )
    (request,) = mock_model.requests
    assert request.method == "POST"
    assert request.path == "/v1/responses?api-version=1"
    assert request.query == "api-version=1"
    assert request.is_model_request
    assert request.header("authorization") == "Bearer k"
    assert request.headers["x-custom"] == "v"
    assert ("X-Custom", "v") in request.header_items
    assert request.body["model"] == "m"
    assert request.input_texts() == ["hi"]
    assert json.loads(request.raw_body) == request.body
    assert request.served is not None
    assert mock_model.model_requests == [request]


def test_http_errors_with_headers(mock_model: mm.MockModelServer) -> None:
    mock_model.enqueue(
        mm.http_error(429, retry_after=2, headers=mm.rate_limit_headers(primary_used=99)),
        mm.http_error(400, "plain text body"),
        mm.usage_limit_reached(plan_type="pro", resets_at=123),
    )
    first = post(mock_model, "/responses", {})
    assert first.status_code == 429
    assert first.headers["retry-after"] == "2"
    assert first.headers["x-codex-primary-used-percent"] == "99"
    assert first.json()["error"]["message"] == "mock HTTP 429"
    second = post(mock_model, "/responses", {})
    assert (second.status_code, second.text) == (400, "plain text body")
    third = post(mock_model, "/responses", {})
    assert third.json() == {
        "error": {
            "type": "usage_limit_reached",
            "message": "The usage limit has been reached",
            "plan_type": "pro",
            "resets_at": 123,
        }
    }


def test_unscripted_requests_get_a_fallback_and_are_listed(
    mock_model: mm.MockModelServer,
) -> None:
    responses = sse_data(post(mock_model, "/responses", {}))
    assert responses[-1]["type"] == "response.completed"
    chat = sse_data(post(mock_model, "/chat/completions", {}))
    assert chat[-1] == "[DONE]"
    assert len(mock_model.unexpected) == 2
    with pytest.raises(AssertionError, match="without a scripted reply"):
        mock_model.assert_all_served()


def test_unknown_paths_are_404(mock_model: mm.MockModelServer) -> None:
    assert post(mock_model, "/embeddings", {}).status_code == 404
    assert mock_model.unexpected == []


def test_usage_endpoints(mock_model: mm.MockModelServer) -> None:
    for path in ("/backend-api/wham/usage", "/api/codex/usage"):
        response = httpx.get(mock_model.url + path, timeout=10)
        assert response.status_code == 200
        assert response.json()["rate_limit"]["primary_window"]["used_percent"] == 25
    mock_model.usage_status = 401
    mock_model.usage_body = {"detail": "nope"}
    response = httpx.get(mock_model.url + "/backend-api/wham/usage", timeout=10)
    assert (response.status_code, response.json()) == (401, {"detail": "nope"})
    assert [r.method for r in mock_model.requests] == ["GET", "GET", "GET"]
    assert mock_model.model_requests == []


def test_hold_keeps_the_stream_open_until_released(mock_model: mm.MockModelServer) -> None:
    mock_model.enqueue(
        mm.SseReply([mm.created(), mm.text_delta("a"), mm.Hold("mid"), mm.completed()])
    )
    received: list[str] = []
    done = threading.Event()

    def read() -> None:
        with httpx.stream("POST", f"{mock_model.base_url}/responses", json={}, timeout=10) as r:
            for line in r.iter_lines():
                received.append(line)
        done.set()

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    mock_model.wait_for_requests(1)
    deadline = time.monotonic() + 5
    while not any("output_text.delta" in line for line in received):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert not done.wait(0.2)  # held
    mock_model.release("mid")
    assert done.wait(5)
    assert any("response.completed" in line for line in received)


def test_pause_delays_the_next_step(mock_model: mm.MockModelServer) -> None:
    mock_model.enqueue(mm.SseReply([mm.created(), mm.Pause(0.3), mm.completed()]))
    started = time.monotonic()
    events = sse_data(post(mock_model, "/responses", {}))
    assert time.monotonic() - started >= 0.3
    assert len(events) == 2


def test_disconnect_cuts_the_body(mock_model: mm.MockModelServer) -> None:
    mock_model.enqueue(mm.SseReply([mm.created(), mm.Disconnect(), mm.completed()]))
    with pytest.raises(httpx.RemoteProtocolError):
        post(mock_model, "/responses", {})


def test_chat_replies(mock_model: mm.MockModelServer) -> None:
    mock_model.enqueue(
        mm.chat_message(["Hel", "lo"]),
        mm.chat_tool_calls(mm.ChatToolCall("shell", {"command": ["ls"]}, call_id="c1")),
    )
    message = sse_data(post(mock_model, "/chat/completions", {}))
    assert (
        "".join(c["choices"][0]["delta"].get("content", "") for c in message if c != "[DONE]")
        == "Hello"
    )
    assert message[-2]["choices"][0]["finish_reason"] == "stop"
    assert message[-1] == "[DONE]"
    tools = sse_data(post(mock_model, "/chat/completions", {}))
    deltas = [c["choices"][0]["delta"].get("tool_calls") for c in tools[:-2]]
    assert deltas[0][0]["id"] == "c1" and deltas[0][0]["function"]["name"] == "shell"
    arguments = "".join(d[0]["function"]["arguments"] for d in deltas if d)
    assert json.loads(arguments) == {"command": ["ls"]}
    assert tools[-2]["choices"][0]["finish_reason"] == "tool_calls"


def test_wait_for_requests_times_out(mock_model: mm.MockModelServer) -> None:
    with pytest.raises(AssertionError, match="expected 1 model requests"):
        mock_model.wait_for_requests(1, timeout=0.1)


@pytest.mark.parametrize("wire_api", ["responses", "chat"])
def test_write_mock_config(tmp_path: Path, mock_model: mm.MockModelServer, wire_api: str) -> None:
    path = mm.write_mock_config(
        tmp_path,
        mock_model,
        wire_api=wire_api,
        request_max_retries=2,
        stream_max_retries=3,
        stream_idle_timeout_ms=500,
        env_key="MOCK_KEY",
        provider_extra={"query_params": {"v": "1"}, "http_headers": {"X-A": "b"}},
        extra='model_reasoning_effort = "high"',
    )
    config = ConfigToml.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    assert config.model == "mock-model"
    assert config.model_provider == "mock"
    assert config.approval_policy is not None and config.approval_policy.value == "never"
    assert config.model_reasoning_effort is not None
    provider = config.model_providers["mock"]
    assert provider.base_url == mock_model.base_url
    assert provider.wire_api == WireApi(wire_api)
    assert (provider.request_max_retries, provider.stream_max_retries) == (2, 3)
    assert provider.stream_idle_timeout_ms == 500
    assert provider.env_key == "MOCK_KEY"
    assert provider.query_params == {"v": "1"}
    assert provider.http_headers == {"X-A": "b"}


def test_tool_outputs_for_both_wire_apis(mock_model: mm.MockModelServer) -> None:
    post(
        mock_model,
        "/responses",
        {
            "input": [
                {"type": "function_call_output", "call_id": "c1", "output": "done"},
                {"type": "custom_tool_call_output", "call_id": "c2", "output": "patched"},
            ]
        },
    )
    post(
        mock_model,
        "/chat/completions",
        {"messages": [{"role": "tool", "tool_call_id": "c3", "content": "listed"}]},
    )
    first, second = mock_model.model_requests
    assert first.tool_outputs() == {"c1": "done", "c2": "patched"}
    assert second.tool_outputs() == {"c3": "listed"}
    assert mock_model.last_model_request is second
