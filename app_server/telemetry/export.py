"""The OpenTelemetry SDK side: providers, batch processors and OTLP exporters.

Imported only when ``[otel]`` names an exporter (the packages are the
optional ``otel`` extra). Events become log records of the instrumentation
scope the reference uses, with ``event.name`` among their attributes and as
their event name; spans are made after the fact from the events' durations
and carry ids, names and counts only: no prompt, no request body, no
environment, no header.

A collector that cannot be reached costs nothing on the event loop: records
are queued for a background thread, which sends them in batches. Its
failures are logged once per exporter (the SDK's own per-batch messages are
kept out of the log).
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from .._version import __version__
from ..config.otel import (
    OtelExporter,
    OtelSettings,
    OtlpGrpcExporter,
    OtlpHttpExporter,
    OtlpHttpProtocol,
)
from ..logs import log, redact

if TYPE_CHECKING:
    from .events import Attributes

#: The instrumentation scope of the log events (the reference's).
EVENT_SCOPE: Final = "codex_otel::traces::otel_manager"
#: How long one export request may take, retries included.
EXPORT_TIMEOUT_S: Final = 10.0
#: The packages the ``otel`` extra installs.
REQUIRED_PACKAGES: Final = (
    "opentelemetry-sdk, opentelemetry-exporter-otlp-proto-http and "
    "opentelemetry-exporter-otlp-proto-grpc"
)

_ENV_REFERENCE: Final = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ExportUnavailable(Exception):
    """The exporter the config asks for cannot be built; the message says why."""


def expand_env(value: str, environ: Mapping[str, str] | None = None) -> str:
    """``${NAME}`` in a header value -> that environment variable (empty when
    unset, with a warning naming the variable, never its value)."""
    env = os.environ if environ is None else environ

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            log.warning("[otel] header refers to ${%s}, which is not set", name)
            return ""
        return env[name]

    return _ENV_REFERENCE.sub(lookup, value)


def headers_of(exporter: OtlpHttpExporter | OtlpGrpcExporter) -> dict[str, str]:
    headers = {name: expand_env(value) for name, value in exporter.headers.items()}
    for value in headers.values():
        # Collector credentials are as secret as the daemon's own.
        from ..logs import register_secret

        register_secret(value)
    return headers


def shown_endpoint(endpoint: str) -> str:
    """The endpoint as the log shows it: no credentials, no query."""
    shown = re.sub(r"//[^/@]*@", "//", endpoint)
    return shown.split("?", 1)[0]


def build_sink(settings: OtelSettings, service_name: str) -> OtelSink:
    """Providers and exporters for ``settings`` (runs in a worker thread)."""
    try:
        from opentelemetry.sdk._logs import LoggerProvider
        from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        raise ExportUnavailable(
            f"[otel] names an exporter but the OpenTelemetry packages are missing "
            f"({exc.name or exc}); install the `otel` extra ({REQUIRED_PACKAGES})"
        ) from None
    _keep_library_logs_quiet(settings)
    resource = Resource.create(
        {
            "service.name": service_name,
            "service.version": __version__,
            "env": settings.environment,
            "host.name": socket.gethostname(),
        }
    )
    logger = tracer = None
    providers: list[Any] = []
    if _exports(settings.exporter):
        log_exporter: Any = _reporting(settings.exporter, "logs", _log_exporter)
        logger_provider = LoggerProvider(resource=resource)
        logger_provider.add_log_record_processor(BatchLogRecordProcessor(log_exporter))
        logger = logger_provider.get_logger(EVENT_SCOPE)
        providers.append(logger_provider)
    if _exports(settings.trace_exporter):
        target = settings.trace_exporter
        if target is settings.exporter:
            target = _traces_next_to_logs(target)
        span_exporter: Any = _reporting(target, "traces", _span_exporter)
        tracer_provider = TracerProvider(resource=resource)
        tracer_provider.add_span_processor(BatchSpanProcessor(span_exporter))
        tracer = tracer_provider.get_tracer(service_name)
        providers.append(tracer_provider)
    if _exports(settings.metrics_exporter):
        log.warning("[otel] metrics_exporter is set, but this daemon exports no metrics")
    return OtelSink(logger, tracer, providers)


def _exports(exporter: OtelExporter) -> bool:
    return isinstance(exporter, OtlpHttpExporter | OtlpGrpcExporter)


def _traces_next_to_logs(exporter: OtelExporter) -> OtelExporter:
    """Spans sent with the logs' settings (``trace_exporter`` not set): to
    the collector's trace path rather than its log path."""
    if isinstance(exporter, OtlpHttpExporter) and exporter.endpoint.rstrip("/").endswith(
        "/v1/logs"
    ):
        endpoint = exporter.endpoint.rstrip("/").removesuffix("/v1/logs") + "/v1/traces"
        return exporter.model_copy(update={"endpoint": endpoint})
    return exporter


class OtelSink:
    """Hands events and spans to the SDK (which queues them for its batch thread)."""

    def __init__(self, logger: Any, tracer: Any, providers: list[Any]) -> None:
        from opentelemetry._logs import SeverityNumber

        self._logger = logger
        self._tracer = tracer
        self._providers = providers
        self._info = SeverityNumber.INFO

    def emit(self, name: str, attributes: Attributes, time_ns: int) -> None:
        if self._logger is None:
            return
        self._logger.emit(
            timestamp=time_ns,
            observed_timestamp=time_ns,
            severity_number=self._info,
            severity_text="INFO",
            attributes=attributes,
            event_name=name,
        )

    def span(self, name: str, start_ns: int, end_ns: int, attributes: Attributes) -> None:
        if self._tracer is None:
            return
        span = self._tracer.start_span(name, start_time=start_ns, attributes=attributes)
        span.end(end_time=end_ns)

    def shutdown(self, timeout_s: float) -> None:
        """Send what is queued (for at most ``timeout_s`` in all), then stop."""
        deadline = time.monotonic() + timeout_s
        for provider in self._providers:
            try:
                provider.force_flush(max(int((deadline - time.monotonic()) * 1000), 1))
                provider.shutdown()
            except Exception as exc:  # the daemon is exiting; nothing more to do
                log.debug("telemetry shutdown: %s", exc)


# -- exporters ---------------------------------------------------------------------


def _log_exporter(exporter: OtlpHttpExporter | OtlpGrpcExporter) -> Any:
    if isinstance(exporter, OtlpGrpcExporter):
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import (
            OTLPLogExporter as GrpcLogExporter,
        )

        return GrpcLogExporter(**_grpc_options(exporter))
    if exporter.protocol is OtlpHttpProtocol.JSON:
        from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
        from opentelemetry.sdk._logs.export import LogRecordExportResult

        from .json_http import JsonHttpExporter

        return JsonHttpExporter(
            encode_logs, LogRecordExportResult, exporter.endpoint, headers_of(exporter),
            EXPORT_TIMEOUT_S, exporter.tls,
        )  # fmt: skip
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

    return OTLPLogExporter(**_http_options(exporter))


def _span_exporter(exporter: OtlpHttpExporter | OtlpGrpcExporter) -> Any:
    if isinstance(exporter, OtlpGrpcExporter):
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcSpanExporter,
        )

        return GrpcSpanExporter(**_grpc_options(exporter))
    if exporter.protocol is OtlpHttpProtocol.JSON:
        from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
        from opentelemetry.sdk.trace.export import SpanExportResult

        from .json_http import JsonHttpExporter

        return JsonHttpExporter(
            encode_spans, SpanExportResult, exporter.endpoint, headers_of(exporter),
            EXPORT_TIMEOUT_S, exporter.tls,
        )  # fmt: skip
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(**_http_options(exporter))


def _http_options(exporter: OtlpHttpExporter) -> dict[str, Any]:
    options: dict[str, Any] = {
        "endpoint": exporter.endpoint,
        "headers": headers_of(exporter),
        "timeout": EXPORT_TIMEOUT_S,
    }
    if exporter.tls is not None:
        options["certificate_file"] = exporter.tls.ca_certificate
        options["client_certificate_file"] = exporter.tls.client_certificate
        options["client_key_file"] = exporter.tls.client_private_key
    return options


def _grpc_options(exporter: OtlpGrpcExporter) -> dict[str, Any]:
    options: dict[str, Any] = {
        "endpoint": exporter.endpoint,
        "headers": headers_of(exporter),
        "timeout": EXPORT_TIMEOUT_S,
        "insecure": exporter.endpoint.startswith("http://"),
    }
    tls = exporter.tls
    if tls is not None and not options["insecure"]:
        import grpc

        def read(path: str | None) -> bytes | None:
            if path is None:
                return None
            with open(path, "rb") as file:
                return file.read()

        options["credentials"] = grpc.ssl_channel_credentials(
            root_certificates=read(tls.ca_certificate),
            private_key=read(tls.client_private_key),
            certificate_chain=read(tls.client_certificate),
        )
    return options


def _reporting(exporter: OtelExporter, signal: str, build: Any) -> _ReportingExporter:
    assert isinstance(exporter, OtlpHttpExporter | OtlpGrpcExporter)
    try:
        inner = build(exporter)
    except ImportError as exc:
        raise ExportUnavailable(
            f"the {exporter.kind} exporter needs a package that is missing ({exc.name or exc}); "
            f"install the `otel` extra ({REQUIRED_PACKAGES})"
        ) from None
    except (OSError, ValueError) as exc:
        raise ExportUnavailable(f"cannot set up the {exporter.kind} exporter: {exc}") from None
    return _ReportingExporter(inner, signal, f"{exporter.kind} {shown_endpoint(exporter.endpoint)}")


class _ReportingExporter:
    """An exporter whose first failure is logged (once): a dead collector
    must not fill the log with one line per batch."""

    def __init__(self, inner: Any, signal: str, target: str) -> None:
        self._inner = inner
        self._signal = signal
        self._target = target

    def export(self, batch: Any) -> Any:
        problem: str | None = None
        try:
            result = self._inner.export(batch)
        except Exception as exc:
            result, problem = None, str(exc)
        if result is not None and result.name == "SUCCESS":
            return result
        reason = problem or getattr(self._inner, "last_error", None) or "export failed"
        _report_once(f"{self._signal} to {self._target}", reason)
        return self._failure() if result is None else result

    def _failure(self) -> Any:
        if self._signal == "logs":
            from opentelemetry.sdk._logs.export import LogRecordExportResult

            return LogRecordExportResult.FAILURE
        from opentelemetry.sdk.trace.export import SpanExportResult

        return SpanExportResult.FAILURE

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        flush = getattr(self._inner, "force_flush", None)
        return bool(flush(timeout_millis)) if flush is not None else True

    def shutdown(self) -> None:
        self._inner.shutdown()


_reported = threading.Lock()
"""Taken (never released) by the first report: one line per process."""


def _report_once(what: str, reason: str) -> None:
    """The first export problem goes to the log; the later ones do not (a
    dead collector fails every batch, and the SDK retries each)."""
    if _reported.acquire(blocking=False):
        log.warning(
            "telemetry: could not send %s (%s); further failures are not logged",
            what,
            redact(reason),
        )


class _FirstProblem(logging.Handler):
    """The SDK's own warnings (a transient error, a retry) are reported as
    our one line instead of being printed, each, to stderr."""

    def __init__(self, targets: str) -> None:
        super().__init__(logging.WARNING)
        self._targets = targets

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            message = "unknown error"
        _report_once(f"telemetry to {self._targets}", message)


def _keep_library_logs_quiet(settings: OtelSettings) -> None:
    targets = sorted(
        {
            f"{exporter.kind} {shown_endpoint(exporter.endpoint)}"
            for exporter in (settings.exporter, settings.trace_exporter)
            if isinstance(exporter, OtlpHttpExporter | OtlpGrpcExporter)
        }
    )
    library = logging.getLogger("opentelemetry")
    library.handlers[:] = [_FirstProblem(", ".join(targets))]
    library.propagate = False
    library.setLevel(logging.WARNING)
