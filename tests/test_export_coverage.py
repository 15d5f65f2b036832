"""The export covers the whole method table, and the reference's types."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from app_server_protocol import methods
from app_server_protocol.export._graph import exported_types, reachable_types, renders_inline
from app_server_protocol.export._introspect import is_alias, is_model, qualified_name
from app_server_protocol.export.json_schema import definitions
from app_server_protocol.export.typescript import typescript_files
from app_server_protocol.unsupported import AnyParams

from ._reference import REFERENCE_TYPESCRIPT, REPO, require

REFERENCE_0107 = REFERENCE_TYPESCRIPT

SCHEMA = REPO / "schema"


def _is_params_or_result_type(tp: Any) -> bool:
    """A model, or a named alias of models (a union such as `LoginAccountParams`)."""
    return is_model(tp) or is_alias(tp)


def _committed(folder: Path, suffix: str) -> set[str]:
    """The qualified names of the committed files (``Name``, ``v2/Name``)."""
    return {
        path.relative_to(folder).as_posix().removesuffix(suffix)
        for path in folder.rglob(f"*{suffix}")
    }


def test_every_row_of_the_table_has_its_models() -> None:
    rows: list[Any] = [*methods.CLIENT_REQUESTS, *methods.SERVER_REQUESTS]
    for row in rows:
        assert _is_params_or_result_type(row.result), f"{row.method}: no result model"
        if isinstance(row, methods.ClientMethod) and row.unsupported is not None:
            assert row.params is AnyParams, row.method  # anything goes: the answer is an error
        else:
            assert row.params is None or _is_params_or_result_type(row.params), row.method
    notifications: list[Any] = [*methods.SERVER_NOTIFICATIONS, *methods.CLIENT_NOTIFICATIONS]
    for row in notifications:
        assert row.params is None or _is_params_or_result_type(row.params), row.method


def test_every_row_has_an_envelope_in_its_union() -> None:
    tables: list[tuple[Any, dict[str, Any]]] = [
        (methods.CLIENT_REQUESTS, methods.CLIENT_REQUEST_MODELS),
        (methods.SERVER_REQUESTS, methods.SERVER_REQUEST_MODELS),
        (methods.CLIENT_NOTIFICATIONS, methods.CLIENT_NOTIFICATION_MODELS),
        (methods.SERVER_NOTIFICATIONS, methods.SERVER_NOTIFICATION_MODELS),
    ]
    for rows, models in tables:
        assert [row.method for row in rows] == list(models)


def test_every_type_reachable_from_the_table_is_exported() -> None:
    reachable = reachable_types()
    named = {name for name, node in reachable.items() if not renders_inline(node.type)}
    exported = set(exported_types())
    assert named <= exported
    ts_files = {name.removesuffix(".ts") for name in typescript_files()} - {"index", "v2/index"}
    assert ts_files == exported
    assert exported <= set(definitions())
    # and the committed output has them all
    committed_ts = _committed(SCHEMA / "typescript", ".ts") - {"index", "v2/index"}
    assert named <= committed_ts
    committed_json = _committed(SCHEMA / "json", ".json")
    assert named <= committed_json
    for row in [*methods.CLIENT_REQUESTS, *methods.SERVER_REQUESTS]:
        assert qualified_name(row.result) in exported, row.method
        if row.params is not None and row.params is not AnyParams:
            assert qualified_name(row.params) in exported, row.method
    for union in ("ClientRequest", "ServerRequest", "ClientNotification", "ServerNotification"):
        assert union in exported
    assert {"EventMsg", "CodexEventNotification", "JsonValue", "RequestId"} <= exported


def test_every_reference_response_type_is_exported() -> None:
    """Every response type of the 0.107.0 reference has a counterpart of the
    same name (in the same folder, or the other one), as ts-compat needs:
    ``never`` for the methods this daemon does not serve."""
    folder = require(REFERENCE_0107)
    reference = {
        path.relative_to(folder).as_posix().removesuffix(".ts")
        for path in folder.rglob("*Response.ts")
    }
    assert len(reference) >= 80
    exported = set(exported_types())
    missing = {
        name
        for name in reference
        if name not in exported
        and name.rpartition("/")[2] not in exported
        and f"v2/{name}" not in exported
    }
    assert missing == set()
    for union in ("ClientRequest", "ServerRequest", "ClientNotification", "ServerNotification"):
        assert (folder / f"{union}.ts").exists() and union in exported


#: Top-level (v1) types of the reference that the export does not have (yet),
#: and why.
NOT_EXPORTED: Final = {
    # top-level types of the reference that only the v2 API uses: exported in
    # `v2/` (with the v2 models, see `app_server_protocol.v2.shared`)
    "AbsolutePathBuf",
    "CollaborationMode",
    "InputModality",
    "MacOsAutomationValue",
    "MacOsPreferencesValue",
    "Personality",
    "Settings",
    "WebSearchMode",
    "ThreadId",  # spelled `string` (v1: ours is `ConversationId`)
    # fuzzy file search sessions are not served: only their results exist (`never`)
    "FuzzyFileSearchSessionCompletedNotification",
    "FuzzyFileSearchSessionStartParams",
    "FuzzyFileSearchSessionStopParams",
    "FuzzyFileSearchSessionUpdateParams",
    "FuzzyFileSearchSessionUpdatedNotification",
}


def test_every_reference_v1_type_is_exported() -> None:
    folder = require(REFERENCE_TYPESCRIPT)
    reference = {path.stem for path in folder.glob("*.ts")} - {"index"}
    assert len(reference) == 253
    exported = set(exported_types())
    assert reference - exported == NOT_EXPORTED
