"""OTLP/JSON over HTTP (``protocol = "json"``), which the SDK's HTTP
exporters do not speak: the batch is encoded with the SDK's protobuf
encoder, then written as OTLP/JSON (lowerCamelCase keys, enums as numbers,
trace and span ids in hex) and posted with the standard library."""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, Final

from ..config.otel import OtlpTls

#: OTLP/JSON writes these as hex; protobuf's JSON mapping would write base64.
_ID_FIELDS: Final = frozenset({"traceId", "spanId", "parentSpanId"})


class JsonHttpExporter:
    """A log or span exporter posting OTLP/JSON to ``endpoint``."""

    def __init__(
        self,
        encode: Callable[[Any], Any],
        result_type: Any,
        endpoint: str,
        headers: Mapping[str, str],
        timeout_s: float,
        tls: OtlpTls | None = None,
    ) -> None:
        self._encode = encode
        self._result = result_type
        self._endpoint = endpoint
        self._headers = {**headers, "Content-Type": "application/json"}
        self._timeout = timeout_s
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=_tls_context(tls))
        )
        self.last_error: str | None = None

    def export(self, batch: Any) -> Any:
        from google.protobuf.json_format import MessageToDict

        document = _hex_ids(MessageToDict(self._encode(batch), use_integers_for_enums=True))
        body = json.dumps(document, separators=(",", ":")).encode()
        request = urllib.request.Request(
            self._endpoint, data=body, headers=self._headers, method="POST"
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            self.last_error = f"HTTP {exc.code}"
            return self._result.FAILURE
        except (OSError, ValueError) as exc:
            self.last_error = str(getattr(exc, "reason", exc))
            return self._result.FAILURE
        return self._result.SUCCESS

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True

    def shutdown(self) -> None:
        pass


def _hex_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _to_hex(item) if key in _ID_FIELDS and isinstance(item, str) else _hex_ids(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_hex_ids(item) for item in value]
    return value


def _to_hex(encoded: str) -> str:
    return base64.b64decode(encoded).hex()


def _tls_context(tls: OtlpTls | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=tls.ca_certificate if tls else None)
    if tls is not None and tls.client_certificate:
        context.load_cert_chain(tls.client_certificate, tls.client_private_key)
    return context
