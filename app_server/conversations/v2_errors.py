"""The kind of a failure as v2 spells it: the ``codex_error_info`` of an
``error`` / ``stream_error`` event (snake_case, in the events and the
rollout) turned into the ``codexErrorInfo`` of a v2 `TurnError` (camelCase),
as the reference mirrors one into the other."""

from __future__ import annotations

from typing import Any, Final

from pydantic import TypeAdapter, ValidationError

from app_server_protocol.errors import CodexErrorInfo as CoreErrorInfo
from app_server_protocol.v2.turns import CodexErrorInfo, TurnError

_V2_INFO: Final[TypeAdapter[CodexErrorInfo]] = TypeAdapter(CodexErrorInfo)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _camel_keys(value: Any) -> Any:
    if isinstance(value, str):
        return _camel(value)
    if isinstance(value, dict):
        return {
            _camel(key): inner if key == "http_status_code" else _camel_keys(inner)
            for key, inner in value.items()
        }
    return value


def v2_error_info(info: CoreErrorInfo | object | None) -> CodexErrorInfo | None:
    """``info`` (a core model, or its snake_case JSON from a rollout) in v2
    spelling; None when there is none or it is of a kind v2 does not know."""
    if info is None:
        return None
    if not isinstance(info, (str, dict)):
        info = TypeAdapter(CoreErrorInfo).dump_python(info, mode="json")  # type: ignore[arg-type]
    try:
        return _V2_INFO.validate_python(_camel_keys(info))
    except ValidationError:
        return None


def turn_error(
    message: str, info: CoreErrorInfo | object | None, details: str | None = None
) -> TurnError:
    return TurnError(
        message=message, codex_error_info=v2_error_info(info), additional_details=details
    )
