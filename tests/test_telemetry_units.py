"""The telemetry pieces in isolation: the ``[otel]`` table, header
variables, the event attributes, OTLP/JSON ids, and what happens when the
OpenTelemetry packages are missing."""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any

import pytest

from app_server.config.layers import ConfigError
from app_server.config.otel import (
    NoExporter,
    OtelSettings,
    OtlpGrpcExporter,
    OtlpHttpExporter,
    OtlpHttpProtocol,
    StatsigExporter,
)
from app_server.config.resolve import parse_config_toml
from app_server.telemetry.events import (
    REDACTED,
    Attributes,
    ConversationMetadata,
    ConversationTelemetry,
    DecisionSource,
    event_timestamp,
)
from app_server.telemetry.export import (
    ExportUnavailable,
    _traces_next_to_logs,
    build_sink,
    expand_env,
    shown_endpoint,
)
from app_server.telemetry.json_http import _hex_ids

HTTP = {"otlp-http": {"endpoint": "http://collector:4318/v1/logs", "protocol": "json"}}


def _settings(otel: dict[str, Any], tmp_path: Path) -> OtelSettings:
    return OtelSettings.from_toml(parse_config_toml({"otel": otel}, tmp_path).otel)


def _config_error(otel: Any, tmp_path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config_toml({"otel": otel}, tmp_path)
    return str(caught.value)


# -- the [otel] table -------------------------------------------------------------


def test_defaults_export_nothing(tmp_path: Path) -> None:
    for settings in (OtelSettings.from_toml(None), _settings({}, tmp_path)):
        assert settings.environment == "dev"
        assert settings.log_user_prompt is False
        assert settings.exporter == NoExporter()
        assert not settings.exports


def test_exporters_as_written(tmp_path: Path) -> None:
    settings = _settings(
        {
            "environment": "prod",
            "log_user_prompt": True,
            "exporter": {
                "otlp-grpc": {"endpoint": "http://collector:4317", "headers": {"a": "${B}"}}
            },
            "trace_exporter": HTTP,
            "metrics_exporter": "statsig",
        },
        tmp_path,
    )
    assert settings.environment == "prod"
    assert settings.log_user_prompt is True
    assert isinstance(settings.exporter, OtlpGrpcExporter)
    assert settings.exporter.headers == {"a": "${B}"}
    assert isinstance(settings.trace_exporter, OtlpHttpExporter)
    assert settings.trace_exporter.protocol is OtlpHttpProtocol.JSON
    assert settings.metrics_exporter == StatsigExporter()
    assert settings.exports


def test_spans_follow_the_log_exporter_unless_told_otherwise(tmp_path: Path) -> None:
    # As 0.107.0 reads the table: trace_exporter defaults to exporter.
    assert _settings({"exporter": HTTP}, tmp_path).trace_exporter == OtlpHttpExporter(
        endpoint="http://collector:4318/v1/logs", protocol=OtlpHttpProtocol.JSON
    )
    off = _settings({"exporter": HTTP, "trace_exporter": "none"}, tmp_path)
    assert off.trace_exporter == NoExporter()


@pytest.mark.parametrize(
    ("otel", "expected"),
    [
        ({"exporter": {"otlp-http": {"endpoint": "x"}}}, "`otlp-http.protocol`: Field required"),
        (
            {"exporter": {"otlp-http": {"endpoint": "x", "protocol": "xml"}}},
            "`otlp-http.protocol`: Input should be 'binary' or 'json'",
        ),
        ({"exporter": {"otlp-grpc": {}}}, "`otlp-grpc.endpoint`: Field required"),
        ({"exporter": "otlp-http"}, "unknown exporter 'otlp-http'"),
        ({"exporter": {"zipkin": {}}}, "unknown exporter 'zipkin'"),
        ({"exporter": {"otlp-http": "x"}}, "`otlp-http` must be a table"),
        ({"trace_exporter": 3}, "`otel.trace_exporter`: expected"),
        ({"metrics_exporter": {"a": {}, "b": {}}}, "`otel.metrics_exporter`: expected"),
        ({"environment": 3}, "`otel.environment`"),
    ],
)
def test_a_malformed_table_names_the_key(otel: Any, expected: str, tmp_path: Path) -> None:
    message = _config_error(otel, tmp_path)
    assert expected in message
    assert "`otel." in message


def test_the_error_points_at_the_line(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'model = "m"\n\n[otel]\nexporter = { otlp-http = { endpoint = "x" } }\n'
    )
    message = _config_error({"exporter": {"otlp-http": {"endpoint": "x"}}}, tmp_path)
    assert message.startswith(f"{tmp_path / 'config.toml'}:4: `otel.exporter`")


# -- headers and endpoints ----------------------------------------------------------


def test_header_values_may_name_variables() -> None:
    env = {"TOKEN": "abc", "TENANT": "t1"}
    assert expand_env("Bearer ${TOKEN}", env) == "Bearer abc"
    assert expand_env("${TENANT}-${TOKEN}", env) == "t1-abc"
    assert expand_env("plain $TOKEN {TOKEN}", env) == "plain $TOKEN {TOKEN}"
    assert expand_env("${MISSING}", env) == ""


def test_endpoints_are_logged_without_credentials() -> None:
    assert shown_endpoint("https://user:pw@host:4318/v1/logs?key=s") == "https://host:4318/v1/logs"


def test_default_spans_go_to_the_trace_path() -> None:
    logs = OtlpHttpExporter(endpoint="http://c:4318/v1/logs", protocol=OtlpHttpProtocol.BINARY)
    moved = _traces_next_to_logs(logs)
    assert isinstance(moved, OtlpHttpExporter)
    assert moved.endpoint == "http://c:4318/v1/traces"
    other = OtlpHttpExporter(endpoint="http://c:4318/ingest", protocol=OtlpHttpProtocol.BINARY)
    assert _traces_next_to_logs(other) is other
    grpc = OtlpGrpcExporter(endpoint="http://c:4317")
    assert _traces_next_to_logs(grpc) is grpc


def test_otlp_json_writes_ids_in_hex() -> None:
    trace_id = bytes(range(16))
    document = {
        "resourceSpans": [
            {"scopeSpans": [{"spans": [{"traceId": base64.b64encode(trace_id).decode()}]}]}
        ],
        "name": "AAEC",
    }
    converted = _hex_ids(document)
    assert converted["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"] == (trace_id.hex())
    assert converted["name"] == "AAEC"


def test_missing_packages_are_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk._logs", None)
    settings = OtelSettings(exporter=OtlpGrpcExporter(endpoint="http://127.0.0.1:9"))
    with pytest.raises(ExportUnavailable) as caught:
        build_sink(settings, "codex_app_server_py")
    assert "otel` extra" in str(caught.value)
    assert "opentelemetry" in str(caught.value)


# -- events -------------------------------------------------------------------------


class _Sink:
    def __init__(self) -> None:
        self.events: list[tuple[str, Attributes]] = []
        self.spans: list[tuple[str, Attributes]] = []

    def emit(self, name: str, attributes: Attributes, time_ns: int) -> None:
        self.events.append((name, attributes))

    def span(self, name: str, start_ns: int, end_ns: int, attributes: Attributes) -> None:
        assert start_ns <= end_ns
        self.spans.append((name, attributes))


def _conversation(sink: _Sink, *, log_user_prompt: bool = False) -> ConversationTelemetry:
    metadata = ConversationMetadata(
        conversation_id="c-1",
        app_version="1.2.3",
        originator="vscode",
        terminal_type="xterm",
        model="gpt-5",
        slug="gpt-5",
        auth_mode="Chatgpt",
        account_id="acct",
    )
    return ConversationTelemetry(metadata, sink, log_user_prompt=log_user_prompt)


def test_every_event_carries_the_metadata() -> None:
    sink = _Sink()
    _conversation(sink).api_request(0, 0.25, 200, None)
    ((name, attributes),) = sink.events
    assert name == "codex.api_request"
    assert attributes == attributes | {
        "event.name": "codex.api_request",
        "conversation.id": "c-1",
        "app.version": "1.2.3",
        "auth_mode": "Chatgpt",
        "originator": "vscode",
        "user.account_id": "acct",
        "terminal.type": "xterm",
        "model": "gpt-5",
        "slug": "gpt-5",
        "duration_ms": "250",
        "http.response.status_code": 200,
        "attempt": 0,
    }
    assert "user.email" not in attributes
    assert "error.message" not in attributes
    assert sink.spans == [
        (
            "stream_request",
            {
                "conversation.id": "c-1",
                "model": "gpt-5",
                "attempt": 0,
                "http.response.status_code": 200,
            },
        )
    ]


def test_the_prompt_is_redacted_unless_asked_for() -> None:
    for log_prompt, shown in ((False, REDACTED), (True, "hello world")):
        sink = _Sink()
        _conversation(sink, log_user_prompt=log_prompt).user_prompt(["hello ", "world"])
        ((_, attributes),) = sink.events
        assert attributes["prompt"] == shown
        assert attributes["prompt_length"] == "11"


def test_decisions_name_the_tool_of_their_call() -> None:
    sink = _Sink()
    events = _conversation(sink)
    started = events.tool_started("call-1", "shell")
    events.tool_decision("call-1", "approved_for_session", DecisionSource.USER)
    events.tool_result("call-1", "shell", '{"command":["ls"]}', started, False, "sk-abcdef123456")
    (_, decision), (_, result) = sink.events
    assert decision == decision | {
        "tool_name": "shell",
        "call_id": "call-1",
        "decision": "approved_for_session",
        "source": "User",
    }
    assert result == result | {"success": "false", "arguments": '{"command":["ls"]}'}
    # Text that looks like a credential is masked.
    assert "sk-abcdef123456" not in str(result["output"])
    assert [name for name, _ in sink.spans] == ["handle_tool_call"]


def test_completion_counts() -> None:
    sink = _Sink()
    _conversation(sink).sse_completed(10, 5, 2, 1, 15)
    ((_, attributes),) = sink.events
    assert attributes == attributes | {
        "event.kind": "response.completed",
        "input_token_count": "10",
        "output_token_count": "5",
        "cached_token_count": 2,
        "reasoning_token_count": 1,
        "tool_token_count": "15",
    }


def test_timestamps_are_utc_with_milliseconds() -> None:
    assert event_timestamp(1_700_000_000_123_456_789) == "2023-11-14T22:13:20.123Z"


def test_the_daemon_reads_only_its_otel_table(tmp_path: Path) -> None:
    from app_server.cli import ServeOptions
    from app_server.config.service import ConfigService

    service = ConfigService(tmp_path, ServeOptions())
    (tmp_path / "config.toml").write_text('model_context_window = "big"\n')
    assert service.otel_settings() == OtelSettings()  # not telemetry's mistake to report
    (tmp_path / "config.toml").write_text(
        'model_context_window = "big"\n[otel]\nenvironment = "ci"\nexporter = "none"\n'
    )
    assert service.otel_settings().environment == "ci"
    overridden = ConfigService(tmp_path, ServeOptions(overrides=["otel.environment=cli"]))
    assert overridden.otel_settings().environment == "cli"
    (tmp_path / "config.toml").write_text("[otel]\nexporter = 3\n")
    with pytest.raises(ConfigError, match=r"`otel\.exporter`"):
        service.otel_settings()
