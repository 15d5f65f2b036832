"""The committed JSON Schema is valid, describes the wire honestly in each
direction, and validates every message of the reference's transcripts."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from app_server_protocol import methods
from app_server_protocol.export._introspect import qualified_name
from app_server_protocol.export.json_schema import BUNDLE_FILE, DIALECT, envelope_name

from ._reference import REPO, Kind, Message, messages, rollout_payloads, transcript_files

SCHEMA = REPO / "schema" / "json"


@cache
def bundle() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SCHEMA / BUNDLE_FILE).read_text(encoding="utf-8"))
    return document


@cache
def validator(name: str) -> Draft202012Validator:
    folder, _, base = name.rpartition("/")
    defs = bundle()["$defs"]
    assert base in (defs[folder] if folder else defs), name
    return Draft202012Validator({**bundle(), "$ref": f"#/$defs/{name}"})


def errors(name: str, instance: Any) -> list[str]:
    return [error.message for error in validator(name).iter_errors(instance)]


def test_every_file_is_a_valid_schema_of_the_stated_dialect() -> None:
    paths = sorted(SCHEMA.rglob("*.json"))
    assert len(paths) > 100
    assert any(path.parent.name == "v2" for path in paths)
    for path in paths:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["$schema"] == DIALECT, path.name
        Draft202012Validator.check_schema(document)
        if path.name != BUNDLE_FILE:
            assert document["title"] == path.stem
        # each file stands alone: its references resolve inside it (v2 types
        # are grouped under `$defs/v2`)
        for ref in _refs(document):
            target: Any = document
            for part in ref.removeprefix("#/").split("/"):
                assert isinstance(target, dict) and part in target, f"{path.name}: {ref}"
                target = target[part]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def test_the_bundle_has_the_envelopes() -> None:
    defs = bundle()["$defs"]
    for name in ("JSONRPCRequest", "JSONRPCNotification", "JSONRPCResponse", "JSONRPCError"):
        assert name in defs
    assert "CodexEventNotification" in defs and "CodexEventNotificationMessage" in defs
    for models in (methods.CLIENT_REQUEST_MODELS, methods.SERVER_NOTIFICATION_MODELS):
        for model in models.values():
            assert envelope_name(model) in defs


def _envelope(message: Message) -> str:
    assert message.method is not None
    return envelope_name(methods.CLIENT_REQUEST_MODELS[message.method])


def _expected_valid(message: Message) -> list[str]:
    """The definitions the message must validate against."""
    match message.kind:
        case Kind.CLIENT_REQUEST:
            return [_envelope(message), "ClientRequest", "JSONRPCRequest"]
        case Kind.UNKNOWN_REQUEST:
            return ["JSONRPCRequest"]
        case Kind.CLIENT_NOTIFICATION:
            return ["ClientNotification", "JSONRPCNotification"]
        case Kind.RESULT:
            return ["JSONRPCResponse"]
        case Kind.ERROR:
            return ["JSONRPCError"]
        case Kind.CODEX_EVENT:
            return ["CodexEventNotificationMessage", "JSONRPCNotification"]
        case Kind.SERVER_NOTIFICATION:
            return ["ServerNotification", "JSONRPCNotification"]
        case Kind.SERVER_REQUEST:
            return ["ServerRequest", "JSONRPCRequest"]


@pytest.mark.parametrize("path", transcript_files())
def test_transcript_messages_validate(path: Path) -> None:
    for message in messages(path):
        if not message.known:
            continue
        where = f"{message.source} ({message.kind.value})"
        if message.invalid_params:
            assert errors(_envelope(message), message.msg), f"{where}: unexpectedly valid"
            assert errors("ClientRequest", message.msg), f"{where}: unexpectedly valid"
            continue
        if message.kind is Kind.UNKNOWN_REQUEST:
            assert errors("ClientRequest", message.msg), f"{where}: unexpectedly valid"
        for name in _expected_valid(message):
            assert errors(name, message.msg) == [], f"{where}: {name}"
        assert errors("JSONRPCMessage", message.msg) == [], where
        if message.kind is Kind.RESULT:
            assert message.method is not None
            result_type = qualified_name(methods.CLIENT_REQUESTS_BY_METHOD[message.method].result)
            assert errors(result_type, message.msg["result"]) == [], f"{where}: {result_type}"


def test_rollout_payloads_validate() -> None:
    names = {"event_msg": "EventMsg", "response_item": "ResponseItem"}
    for source, record_type, payload in rollout_payloads():
        if record_type in names:
            assert errors(names[record_type], payload) == [], source


def test_outbound_fields_left_out_when_none_are_not_required() -> None:
    # skip_none(): an approval request without a reason has no `reason`
    request = {
        "type": "exec_approval_request",
        "call_id": "c",
        "turn_id": "t",
        "command": ["ls"],
        "cwd": "/",
        "parsed_cmd": [],
    }
    assert errors("EventMsg", request) == []
    # fields written as null must be there (0.107 writes getAuthStatus' nulls)
    assert errors("GetAuthStatusResponse", {})
    started = {"type": "task_started", "turn_id": "t", "collaboration_mode_kind": "default"}
    assert errors("EventMsg", {**started, "model_context_window": None}) == []
    assert errors("EventMsg", started)
    # defaults are always written
    assert errors(
        "SessionConfiguredNotification", {"sessionId": "x", "model": "m", "rolloutPath": "p"}
    )
    # excluded fields are not described at all
    message = bundle()["$defs"]["ResponseItemMessage"]
    assert "id" not in message["properties"]


def test_inbound_fields_with_a_default_may_be_absent() -> None:
    conversation = "01a202b7-6ed0-7471-a62d-65919f64f5fd"
    assert errors("AddConversationListenerParams", {"conversationId": conversation}) == []
    assert errors("ListConversationsParams", {}) == []
    assert errors("InputItem", {"type": "text", "data": {"text": "hi"}}) == []
    # but a union tag never is
    assert errors("SandboxPolicy", {})
    assert errors("AddConversationListenerParams", {})


def test_parameterless_methods_accept_absent_null_or_empty_params_only() -> None:
    name = envelope_name(methods.CLIENT_REQUEST_MODELS["getUserAgent"])
    for params in ({}, None):
        assert errors(name, {"id": 1, "method": "getUserAgent", "params": params}) == []
    assert errors(name, {"id": 1, "method": "getUserAgent"}) == []
    assert errors(name, {"id": 1, "method": "getUserAgent", "params": {"x": 1}})
    assert errors(name, {"id": 1, "method": "getUserAgent", "params": [1, 2]})


def test_raw_response_items_carry_the_item() -> None:
    item = {"type": "message", "role": "assistant", "content": []}
    assert errors("EventMsg", {"type": "raw_response_item", "item": item}) == []
    assert errors("EventMsg", item)
