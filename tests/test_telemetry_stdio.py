"""OpenTelemetry export through the real daemon: a turn with tool calls and an
approval reaches a local collector (OTLP/HTTP with protobuf or JSON bodies,
OTLP/gRPC) as the reference's events; the prompt is exported only when
``log_user_prompt`` is on and no secret is; what is queued is sent at exit
(end of input, SIGTERM); a dead collector costs the turn nothing and is
logged once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.agent_session import replies_for
from tests.agent_tool_scenarios import play_until_end, shell
from tests.harness.stdio import OFFLINE_BASE_URL, OFFLINE_ENV, DaemonClient
from tests.mock_model_server import (
    MockModelServer,
    assistant_message,
    output_item_done,
    responses_reply,
    usage,
    write_mock_config,
)
from tests.otlp_collector import Exported, OtlpGrpcCollector, OtlpHttpCollector

PROMPT = "please touch the file, Zanzibar-7731"
MODEL_KEY = "sk-model-secret-0123456789"
COLLECTOR_TOKEN = "collector-token-4242"
EVERY_EVENT = {
    "codex.conversation_starts",
    "codex.user_prompt",
    "codex.api_request",
    "codex.sse_event",
    "codex.tool_decision",
    "codex.tool_result",
}
METADATA = ("event.timestamp", "conversation.id", "app.version", "terminal.type", "model", "slug")

Spawn = Callable[..., DaemonClient]


def _otel_table(exporter: str, *, log_user_prompt: bool = False, extra: str = "") -> str:
    return (
        f'[otel]\nenvironment = "staging"\nlog_user_prompt = {str(log_user_prompt).lower()}\n'
        f"exporter = {exporter}\n{extra}"
    )


def _http(url: str, protocol: str = "binary") -> str:
    return (
        f'{{ otlp-http = {{ endpoint = "{url}", protocol = "{protocol}", '
        f'headers = {{ "x-otlp-token" = "${{OTLP_TOKEN}}" }} }} }}'
    )


def _start(
    spawn: Spawn,
    codex_home: Path,
    mock: MockModelServer,
    otel: str,
    *,
    env: dict[str, str | None] | None = None,
) -> tuple[DaemonClient, str]:
    write_mock_config(
        codex_home, mock, approval_policy="untrusted", env_key="MOCK_MODEL_KEY", extra=otel
    )
    client = spawn(env={"MOCK_MODEL_KEY": MODEL_KEY, "OTLP_TOKEN": COLLECTOR_TOKEN, **(env or {})})
    cid = client.call("newConversation", {})["conversationId"]
    client.call("addConversationListener", {"conversationId": cid})
    return client, cid


def _turn_with_tools(client: DaemonClient, mock: MockModelServer, cid: str) -> list[Any]:
    """A turn whose model runs a command the user approves (``touch``) and
    one the policy lets run (``echo``), then answers."""
    mock.enqueue(
        responses_reply(
            output_item_done(shell("call-ask", ["touch", "made.txt"])),
            output_item_done(shell("call-auto", ["echo", "hello"])),
        ),
        assistant_message("done", usage_obj=usage(11, 7, cached=3, reasoning=2)),
    )
    start = client.mark()
    client.call(
        "sendUserMessage",
        {"conversationId": cid, "items": [{"type": "text", "data": {"text": PROMPT}}]},
    )
    return play_until_end(client, start, ["approved"])


def _one(items: list[Exported], **attributes: Any) -> Exported:
    found = [i for i in items if all(i.attributes.get(k) == v for k, v in attributes.items())]
    assert len(found) == 1, (attributes, [i.attributes for i in items])
    return found[0]


def _check_turn_events(collector: OtlpHttpCollector | OtlpGrpcCollector, cid: str) -> None:
    logs = collector.logs()
    assert {item.name for item in logs} >= EVERY_EVENT
    for item in logs:
        assert item.scope == "codex_otel::traces::otel_manager"
        assert item.attributes["conversation.id"] == cid
        assert item.record.get("eventName") == item.name
        for key in METADATA:
            assert key in item.attributes, (item.name, key)
        assert item.attributes["originator"] == "tests"
        assert item.resource["service.name"] == "codex_app_server_py"
        assert item.resource["env"] == "staging"
        assert item.resource["service.version"]

    (start,) = collector.logs("codex.conversation_starts")
    assert start.attributes["provider_name"] == "Mock provider"
    assert start.attributes["approval_policy"] == "untrusted"
    assert start.attributes["sandbox_policy"] == "danger-full-access"
    assert start.attributes["mcp_servers"] == ""

    (prompt,) = collector.logs("codex.user_prompt")
    assert prompt.attributes["prompt_length"] == str(len(PROMPT))

    requests = collector.logs("codex.api_request")
    assert len(requests) == 2
    assert all(r.attributes["http.response.status_code"] == 200 for r in requests)
    assert all(r.attributes["attempt"] == 0 for r in requests)
    assert all(int(r.attributes["duration_ms"]) >= 0 for r in requests)

    sse = collector.logs("codex.sse_event")
    kinds = [s.attributes["event.kind"] for s in sse]
    assert {"response.created", "response.output_item.done", "response.completed"} <= set(kinds)
    counts = _one(sse, input_token_count="11")
    assert counts.attributes == counts.attributes | {
        "output_token_count": "7",
        "cached_token_count": 3,
        "reasoning_token_count": 2,
        "tool_token_count": "18",
    }

    decisions = collector.logs("codex.tool_decision")
    asked = _one(decisions, call_id="call-ask")
    assert asked.attributes == asked.attributes | {
        "tool_name": "shell",
        "decision": "approved",
        "source": "User",
    }
    auto = _one(decisions, call_id="call-auto")
    assert (auto.attributes["decision"], auto.attributes["source"]) == ("approved", "Config")

    results = collector.logs("codex.tool_result")
    echo = _one(results, call_id="call-auto")
    assert echo.attributes["tool_name"] == "shell"
    assert echo.attributes["success"] == "true"
    assert '"echo"' in echo.attributes["arguments"]
    assert "hello" in echo.attributes["output"]
    assert int(echo.attributes["duration_ms"]) >= 0


def _check_nothing_secret(collector: OtlpHttpCollector | OtlpGrpcCollector) -> None:
    raw = collector.raw()
    assert MODEL_KEY.encode() not in raw
    assert COLLECTOR_TOKEN.encode() not in raw
    assert b"Bearer" not in raw


def test_otlp_http_protobuf_receives_every_event_of_a_turn(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    with OtlpHttpCollector() as collector:
        client, cid = _start(
            spawn, codex_home, mock_model, _otel_table(_http(f"{collector.base_url}/v1/logs"))
        )
        _turn_with_tools(client, mock_model, cid)
        collector.wait_for(
            lambda c: (
                {i.name for i in c.logs()} >= EVERY_EVENT and len(c.logs("codex.tool_result")) == 2
            )
        )
        client.close_stdin()
        assert client.wait_exit(15) == 0
        _check_turn_events(collector, cid)
        # The prompt itself reaches no exported byte (spans included).
        (prompt,) = collector.logs("codex.user_prompt")
        assert prompt.attributes["prompt"] == "[REDACTED]"
        assert b"Zanzibar" not in collector.raw()
        _check_nothing_secret(collector)
        # The collector's header, its variable expanded.
        assert {headers.get("x-otlp-token") for _, headers in collector.requests} == {
            COLLECTOR_TOKEN
        }
        assert {headers.get("content-type") for _, headers in collector.requests} == {
            "application/x-protobuf"
        }
        # Spans went to the trace path next to the log path (trace_exporter not set).
        spans = collector.spans()
        assert {span.name for span in spans} >= {"stream_request", "handle_tool_call"}
        assert {path for path, _ in collector.requests} == {"/v1/logs", "/v1/traces"}
    assert "telemetry" not in client.stderr_text()


def test_otlp_http_json_with_log_user_prompt(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    with OtlpHttpCollector() as collector:
        exporter = _http(f"{collector.base_url}/v1/logs", "json")
        traces = 'trace_exporter = "none"\n'
        client, cid = _start(
            spawn,
            codex_home,
            mock_model,
            _otel_table(exporter, log_user_prompt=True, extra=traces),
        )
        _turn_with_tools(client, mock_model, cid)
        collector.wait_for(lambda c: len(c.logs("codex.tool_result")) == 2)
        client.close_stdin()
        assert client.wait_exit(15) == 0
        _check_turn_events(collector, cid)
        (prompt,) = collector.logs("codex.user_prompt")
        assert prompt.attributes["prompt"] == PROMPT
        _check_nothing_secret(collector)
        assert {headers.get("content-type") for _, headers in collector.requests} == {
            "application/json"
        }
        assert collector.spans() == []


def test_otlp_grpc_receives_the_same_events(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    with OtlpGrpcCollector() as collector:
        exporter = (
            f'{{ otlp-grpc = {{ endpoint = "{collector.endpoint}", '
            f'headers = {{ "x-otlp-token" = "${{OTLP_TOKEN}}" }} }} }}'
        )
        client, cid = _start(spawn, codex_home, mock_model, _otel_table(exporter))
        _turn_with_tools(client, mock_model, cid)
        collector.wait_for(lambda c: len(c.logs("codex.tool_result")) == 2)
        client.close_stdin()
        assert client.wait_exit(15) == 0
        _check_turn_events(collector, cid)
        assert b"Zanzibar" not in collector.raw()
        _check_nothing_secret(collector)
        assert COLLECTOR_TOKEN in {headers.get("x-otlp-token") for _, headers in collector.requests}
        assert {span.name for span in collector.spans()} >= {"stream_request", "handle_tool_call"}


def _slow_batches() -> dict[str, str | None]:
    # Batches would leave a minute later: only the exit's flush can send them.
    return {"OTEL_BLRP_SCHEDULE_DELAY": "60000", "OTEL_BSP_SCHEDULE_DELAY": "60000"}


def test_queued_events_are_sent_when_input_ends(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    with OtlpHttpCollector() as collector:
        otel = _otel_table(_http(f"{collector.base_url}/v1/logs"))
        client, cid = _start(spawn, codex_home, mock_model, otel, env=_slow_batches())
        mock_model.enqueue(assistant_message("hi"))
        client.call(
            "sendUserMessage",
            {"conversationId": cid, "items": [{"type": "text", "data": {"text": "hello"}}]},
        )
        client.wait_event("task_complete", cid)
        time.sleep(0.5)
        assert collector.logs() == []
        client.close_stdin()
        assert client.wait_exit(15) == 0
        names = {item.name for item in collector.logs()}
        assert {"codex.conversation_starts", "codex.user_prompt", "codex.api_request"} <= names


def test_queued_events_are_sent_on_sigterm(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    with OtlpHttpCollector() as collector:
        otel = _otel_table(_http(f"{collector.base_url}/v1/logs"))
        client, cid = _start(spawn, codex_home, mock_model, otel, env=_slow_batches())
        mock_model.enqueue(assistant_message("hi"))
        client.call(
            "sendUserMessage",
            {"conversationId": cid, "items": [{"type": "text", "data": {"text": "hello"}}]},
        )
        client.wait_event("task_complete", cid)
        time.sleep(0.5)
        assert collector.logs() == []
        client.proc.send_signal(signal.SIGTERM)
        assert client.wait_exit(15) == -signal.SIGTERM
        names = {item.name for item in collector.logs()}
        assert {"codex.conversation_starts", "codex.user_prompt", "codex.api_request"} <= names


@pytest.mark.parametrize(
    "dead",
    [
        _http("http://127.0.0.1:9/v1/logs"),  # connections are refused
        '{ otlp-grpc = { endpoint = "http://127.0.0.1:9" } }',
    ],
    ids=["http", "grpc"],
)
def test_a_dead_collector_costs_the_turn_nothing_and_is_logged_once(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, dead: str
) -> None:
    client, cid = _start(
        spawn,
        codex_home,
        mock_model,
        _otel_table(dead),
        env={"OTEL_BLRP_SCHEDULE_DELAY": "50", "OTEL_BSP_SCHEDULE_DELAY": "50"},
    )
    for round_ in range(3):
        mock_model.enqueue(*replies_for([shell(f"call-{round_}", ["echo", str(round_)])]))
        start = client.mark()
        client.call(
            "sendUserMessage",
            {"conversationId": cid, "items": [{"type": "text", "data": {"text": "go"}}]},
        )
        messages = play_until_end(client, start, [])
        assert any(m.get("method") == "codex/event/task_complete" for m in messages)
    time.sleep(1.5)  # several batches fail meanwhile
    closed = time.monotonic()
    client.close_stdin()
    assert client.wait_exit(15) == 0
    assert time.monotonic() - closed < 8  # the exit's flush gives up in time
    stderr = client.stderr_text()
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if "telemetry" in line]
    assert len(lines) == 1, stderr
    assert "127.0.0.1:9" in lines[0] and "not logged" in lines[0]
    assert COLLECTOR_TOKEN not in stderr


def test_missing_variable_in_a_header_is_named_not_fatal(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    with OtlpHttpCollector() as collector:
        otel = _otel_table(_http(f"{collector.base_url}/v1/logs"))
        client, _ = _start(spawn, codex_home, mock_model, otel, env={"OTLP_TOKEN": None})
        collector.wait_for(lambda c: bool(c.logs("codex.conversation_starts")))
        assert {headers.get("x-otlp-token") for _, headers in collector.requests} == {""}
        client.close_stdin()
        assert client.wait_exit(15) == 0
    assert "${OTLP_TOKEN}" in client.stderr_text()


def test_a_malformed_otel_table_is_a_config_error_naming_the_key(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer
) -> None:
    otel = _otel_table('{ otlp-http = { endpoint = "http://127.0.0.1:9/v1/logs" } }')
    write_mock_config(codex_home, mock_model, extra=otel)
    client = spawn()
    error = client.call_error("newConversation", {})
    assert "otel.exporter" in error["message"]
    assert "otlp-http.protocol" in error["message"]
    assert "config.toml:" in error["message"]
    client.close_stdin()
    assert client.wait_exit(15) == 0
    assert "telemetry is off" in client.stderr_text()


_IN_PROCESS_TURN = """
import json, sys
from pathlib import Path

import anyio

from tests.harness.inprocess import in_process_daemon


async def main() -> None:
    async with in_process_daemon(Path(sys.argv[1])) as client:
        await client.initialize()
        cid = (await client.call("newConversation", {}))["conversationId"]
        await client.call("addConversationListener", {"conversationId": cid})
        text = {"type": "text", "data": {"text": "hi"}}
        await client.call("sendUserMessage", {"conversationId": cid, "items": [text]})
        await client.wait_for(lambda m: m.get("method") == "codex/event/task_complete")
    print(json.dumps(sorted(sys.modules)))


anyio.run(main)
"""


@pytest.mark.parametrize("otel", ["", '[otel]\nexporter = "none"\n'])
def test_without_an_exporter_nothing_from_opentelemetry_is_imported(
    codex_home: Path, mock_model: MockModelServer, otel: str
) -> None:
    """A whole turn (a tool call included) in a fresh interpreter."""
    write_mock_config(codex_home, mock_model, extra=otel)
    mock_model.enqueue(*replies_for([shell("call-1", ["echo", "hi"])]))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEX_", "OPENAI_"))}
    env.update(OFFLINE_ENV, CODEX_HOME=str(codex_home), OPENAI_BASE_URL=OFFLINE_BASE_URL)
    done = subprocess.run(
        [sys.executable, "-c", _IN_PROCESS_TURN, str(codex_home)],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        timeout=60,
        check=True,
    )
    modules = json.loads(done.stdout.decode().splitlines()[-1])
    assert "app_server.telemetry" in modules
    assert "app_server.agent.tools.shell" in modules  # the turn ran its tool
    assert [name for name in modules if name.startswith(("opentelemetry", "grpc"))] == []


def test_missing_packages_leave_telemetry_off_with_a_clear_error(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, tmp_path: Path
) -> None:
    # An `opentelemetry` package that cannot be imported hides the real one.
    shim = tmp_path / "shim" / "opentelemetry"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text('raise ImportError("not installed", name="opentelemetry")\n')
    otel = _otel_table(_http("http://127.0.0.1:9/v1/logs"))
    client, cid = _start(spawn, codex_home, mock_model, otel, env={"PYTHONPATH": str(shim.parent)})
    mock_model.enqueue(assistant_message("hi"))
    client.call(
        "sendUserMessage",
        {"conversationId": cid, "items": [{"type": "text", "data": {"text": "hello"}}]},
    )
    client.wait_event("task_complete", cid)
    client.close_stdin()
    assert client.wait_exit(15) == 0
    stderr = client.stderr_text()
    assert "telemetry is off" in stderr
    assert "install the `otel` extra" in stderr


@pytest.mark.parametrize("how", ["eof", "sigterm"])
def test_a_collector_that_never_answers_does_not_hold_the_exit_up(
    spawn: Spawn, codex_home: Path, mock_model: MockModelServer, how: str
) -> None:
    import socket

    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        otel = _otel_table(_http(f"http://127.0.0.1:{port}/v1/logs"))
        client, cid = _start(
            spawn, codex_home, mock_model, otel, env={"OTEL_BLRP_SCHEDULE_DELAY": "50"}
        )
        mock_model.enqueue(assistant_message("hi"))
        client.call(
            "sendUserMessage",
            {"conversationId": cid, "items": [{"type": "text", "data": {"text": "hello"}}]},
        )
        client.wait_event("task_complete", cid)
        time.sleep(0.5)  # a batch is being sent, and waits
        stopped = time.monotonic()
        if how == "eof":
            client.close_stdin()
            assert client.wait_exit(15) == 0
        else:
            client.proc.send_signal(signal.SIGTERM)
            assert client.wait_exit(15) == -signal.SIGTERM
        assert time.monotonic() - stopped < 8
