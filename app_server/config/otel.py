"""The ``[otel]`` table of `config.toml`: where the daemon's OpenTelemetry
events go, if anywhere.

```toml
[otel]
environment = "dev"            # the `env` resource attribute
log_user_prompt = false        # export the prompt text (else "[REDACTED]")
exporter = "none"              # or { otlp-http = { endpoint, protocol, headers } }
                               # or { otlp-grpc = { endpoint, headers } }
trace_exporter = ...           # spans; the same as `exporter` when absent
metrics_exporter = ...         # read, never used (see `OtelSettings`)
```

Header values may name environment variables (``"${OTLP_TOKEN}"``); they
are expanded when the exporter is built, never logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError
from pydantic_core import PydanticCustomError

DEFAULT_ENVIRONMENT: Final = "dev"


class _Table(BaseModel):
    # Unknown keys are ignored, as the reference does.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class OtlpHttpProtocol(StrEnum):
    BINARY = "binary"
    """Protobuf bodies (``application/x-protobuf``)."""
    JSON = "json"
    """OTLP/JSON bodies (``application/json``)."""


class OtlpTls(_Table):
    """PEM files for a TLS collector (paths, as the reference reads them)."""

    ca_certificate: str | None = Field(default=None, alias="ca-certificate")
    client_certificate: str | None = Field(default=None, alias="client-certificate")
    client_private_key: str | None = Field(default=None, alias="client-private-key")


class OtlpHttpExporter(_Table):
    """``{ otlp-http = { endpoint, protocol, headers } }``: OTLP over HTTP."""

    kind: Literal["otlp-http"] = "otlp-http"
    endpoint: str
    """The full URL the batches are posted to (``http://host:4318/v1/logs``)."""
    protocol: OtlpHttpProtocol
    headers: dict[str, str] = Field(default_factory=dict)
    tls: OtlpTls | None = None


class OtlpGrpcExporter(_Table):
    """``{ otlp-grpc = { endpoint, headers } }``: OTLP over gRPC."""

    kind: Literal["otlp-grpc"] = "otlp-grpc"
    endpoint: str
    headers: dict[str, str] = Field(default_factory=dict)
    tls: OtlpTls | None = None


class NoExporter(_Table):
    """``"none"``: nothing is exported."""

    kind: Literal["none"] = "none"


class StatsigExporter(_Table):
    """``"statsig"``: the reference's built-in metrics destination (a service
    of its vendor on the internet); this daemon never sends anything there."""

    kind: Literal["statsig"] = "statsig"


# Made without validation: validating would build the model's validator at import.
NO_EXPORTER: Final = NoExporter.model_construct()

_NAMES: Final[dict[str, type[NoExporter | StatsigExporter]]] = {
    "none": NoExporter,
    "statsig": StatsigExporter,
}
_TABLES: Final[dict[str, type[OtlpHttpExporter | OtlpGrpcExporter]]] = {
    "otlp-http": OtlpHttpExporter,
    "otlp-grpc": OtlpGrpcExporter,
}
_EXPECTED: Final = (
    'expected "none", { otlp-http = { endpoint = ..., protocol = "binary" | "json" } } '
    "or { otlp-grpc = { endpoint = ... } }"
)


def parse_exporter(raw: Any) -> OtelExporter:
    """One exporter value; the message of a bad one names the key at fault."""
    if isinstance(raw, NoExporter | StatsigExporter | OtlpHttpExporter | OtlpGrpcExporter):
        return raw
    if isinstance(raw, str):
        named = _NAMES.get(raw)
        if named is None:
            raise PydanticCustomError(
                "otel_exporter", "unknown exporter {name}: {expected}", _details(raw)
            )
        return named()
    if not isinstance(raw, dict) or len(raw) != 1:
        raise PydanticCustomError("otel_exporter", "{expected}", {"expected": _EXPECTED})
    ((kind, table),) = raw.items()
    model = _TABLES.get(kind)
    if model is None:
        raise PydanticCustomError(
            "otel_exporter", "unknown exporter {name}: {expected}", _details(kind)
        )
    if not isinstance(table, dict):
        raise PydanticCustomError(
            "otel_exporter", "`{kind}` must be a table", {"kind": kind, "expected": _EXPECTED}
        )
    try:
        return model.model_validate(table)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join([kind, *(str(part) for part in first["loc"])])
        raise PydanticCustomError(
            "otel_exporter", "`{where}`: {problem}", {"where": where, "problem": first["msg"]}
        ) from None


def _details(name: str) -> dict[str, str]:
    return {"name": repr(name), "expected": _EXPECTED}


OtelExporter = NoExporter | StatsigExporter | OtlpHttpExporter | OtlpGrpcExporter
ExporterField = Annotated[OtelExporter, PlainValidator(parse_exporter)]


class OtelToml(_Table):
    """The ``[otel]`` table, as written."""

    environment: str | None = None
    log_user_prompt: bool | None = None
    exporter: ExporterField | None = None
    trace_exporter: ExporterField | None = None
    metrics_exporter: ExporterField | None = None


@dataclass(frozen=True)
class OtelSettings:
    """The ``[otel]`` table with its defaults applied."""

    environment: str = DEFAULT_ENVIRONMENT
    log_user_prompt: bool = False
    exporter: OtelExporter = NO_EXPORTER
    """Where the log events go."""
    trace_exporter: OtelExporter = NO_EXPORTER
    """Where spans go; the reference defaults it to ``exporter``."""
    metrics_exporter: OtelExporter = NO_EXPORTER
    """Read for compatibility; metrics are not exported (the reference's
    default, ``statsig``, sends them to its vendor, which this daemon never does)."""

    @classmethod
    def from_toml(cls, table: OtelToml | None) -> OtelSettings:
        if table is None:
            return cls()
        exporter = table.exporter or NO_EXPORTER
        return cls(
            environment=table.environment or DEFAULT_ENVIRONMENT,
            log_user_prompt=bool(table.log_user_prompt),
            exporter=exporter,
            trace_exporter=table.trace_exporter or exporter,
            metrics_exporter=table.metrics_exporter or NO_EXPORTER,
        )

    @property
    def exports(self) -> bool:
        """Whether anything leaves the process."""
        return isinstance(self.exporter, OtlpHttpExporter | OtlpGrpcExporter) or isinstance(
            self.trace_exporter, OtlpHttpExporter | OtlpGrpcExporter
        )
