"""Local OpenTelemetry collectors for the telemetry tests: OTLP over HTTP
(protobuf or JSON bodies, told apart by their content type) and OTLP over
gRPC. Both decode what they receive into `Exported` items (one per log
record or span) and keep every raw body, so that a test can also check that
some text reached no exported byte at all."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

Json = dict[str, Any]


@dataclass(frozen=True)
class Exported:
    """One log record or span, as the collector received it."""

    signal: str
    """``logs`` or ``traces``."""
    name: str
    """The ``event.name`` attribute of a log record; the name of a span."""
    attributes: dict[str, Any]
    resource: dict[str, Any]
    scope: str
    record: Json
    """The record (or span) itself, in OTLP/JSON form."""


def attribute_value(value: Json) -> Any:
    """An OTLP ``AnyValue`` as a Python value (int64s arrive as strings in JSON)."""
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        return int(value["intValue"])
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "doubleValue" in value:
        return float(value["doubleValue"])
    return value


def attributes_of(entries: list[Json] | None) -> dict[str, Any]:
    return {entry["key"]: attribute_value(entry.get("value", {})) for entry in entries or []}


def decode(signal: str, document: Json) -> list[Exported]:
    """The records of an ``Export*ServiceRequest`` in OTLP/JSON form."""
    out: list[Exported] = []
    if signal == "logs":
        for resource_logs in document.get("resourceLogs", []):
            resource = attributes_of(resource_logs.get("resource", {}).get("attributes"))
            for scope_logs in resource_logs.get("scopeLogs", []):
                scope = scope_logs.get("scope", {}).get("name", "")
                for record in scope_logs.get("logRecords", []):
                    attributes = attributes_of(record.get("attributes"))
                    name = str(attributes.get("event.name", ""))
                    out.append(Exported("logs", name, attributes, resource, scope, record))
    else:
        for resource_spans in document.get("resourceSpans", []):
            resource = attributes_of(resource_spans.get("resource", {}).get("attributes"))
            for scope_spans in resource_spans.get("scopeSpans", []):
                scope = scope_spans.get("scope", {}).get("name", "")
                for span in scope_spans.get("spans", []):
                    attributes = attributes_of(span.get("attributes"))
                    out.append(Exported("traces", span["name"], attributes, resource, scope, span))
    return out


class _Collected:
    """What a collector received (shared by the HTTP and gRPC ones)."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self.items: list[Exported] = []
        self.bodies: list[bytes] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        """(path or method, headers) of each export request."""

    def add(self, where: str, headers: dict[str, str], body: bytes, items: list[Exported]) -> None:
        with self._lock:
            self.requests.append((where, headers))
            self.bodies.append(body)
            self.items.extend(items)
            self._lock.notify_all()

    def logs(self, name: str | None = None) -> list[Exported]:
        with self._lock:
            return [
                item
                for item in self.items
                if item.signal == "logs" and (name is None or item.name == name)
            ]

    def spans(self) -> list[Exported]:
        with self._lock:
            return [item for item in self.items if item.signal == "traces"]

    def wait_for(
        self, done: Callable[[_Collected], bool], timeout: float = 20.0, what: str = "events"
    ) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not done(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    names = sorted({item.name for item in self.items})
                    raise AssertionError(f"timed out waiting for {what}; received {names}")
                self._lock.wait(min(left, 0.2))

    def raw(self) -> bytes:
        with self._lock:
            return b"".join(self.bodies)


_REQUESTS = {
    "/v1/logs": ("logs", logs_service_pb2.ExportLogsServiceRequest),
    "/v1/traces": ("traces", trace_service_pb2.ExportTraceServiceRequest),
}


class OtlpHttpCollector(_Collected):
    """An OTLP/HTTP collector on a free loopback port: ``/v1/logs`` and ``/v1/traces``."""

    def __init__(self) -> None:
        super().__init__()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                known = _REQUESTS.get(self.path)
                if known is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                signal, request_type = known
                if "json" in (self.headers.get("content-type") or ""):
                    import json

                    document = json.loads(body)
                    reply_type = "application/json"
                else:
                    document = MessageToDict(request_type.FromString(body))
                    reply_type = "application/x-protobuf"
                headers = {key.lower(): value for key, value in self.headers.items()}
                collector.add(self.path, headers, body, decode(signal, document))
                self.send_response(200)
                self.send_header("content-type", reply_type)
                self.send_header("content-length", "2" if "json" in reply_type else "0")
                self.end_headers()
                if "json" in reply_type:
                    self.wfile.write(b"{}")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> OtlpHttpCollector:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class OtlpGrpcCollector(_Collected):
    """An OTLP/gRPC collector (logs and traces services) on a free loopback port."""

    def __init__(self) -> None:
        super().__init__()
        import grpc

        collector = self

        class Logs(logs_service_pb2_grpc.LogsServiceServicer):  # type: ignore[misc]
            def Export(self, request: Any, context: Any) -> Any:
                headers = {key: str(value) for key, value in context.invocation_metadata()}
                body = request.SerializeToString()
                collector.add("logs", headers, body, decode("logs", MessageToDict(request)))
                return logs_service_pb2.ExportLogsServiceResponse()

        class Traces(trace_service_pb2_grpc.TraceServiceServicer):  # type: ignore[misc]
            def Export(self, request: Any, context: Any) -> Any:
                headers = {key: str(value) for key, value in context.invocation_metadata()}
                body = request.SerializeToString()
                collector.add("traces", headers, body, decode("traces", MessageToDict(request)))
                return trace_service_pb2.ExportTraceServiceResponse()

        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        logs_service_pb2_grpc.add_LogsServiceServicer_to_server(Logs(), self._server)
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Traces(), self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> OtlpGrpcCollector:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop(grace=None)


def event_names(items: Iterator[Exported] | list[Exported]) -> set[str]:
    return {item.name for item in items}
