"""Every message of the reference's transcripts parses into our models, strictly
and by wire names, and serialises back to the same JSON (key order aside);
what the server sends even serialises back to the same bytes."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from app_server_protocol import methods
from app_server_protocol.events import EventMsg
from app_server_protocol.items import ResponseItem
from app_server_protocol.jsonrpc import JSONRPCError
from app_server_protocol.rollout import TurnContextLine, rollout_line_adapter

from ._reference import (
    Kind,
    Message,
    malformed_lines,
    messages,
    require,
    rollout_payloads,
    transcript_files,
)
from .rollouts import REFERENCE_EXAMPLE, REFERENCE_EXAMPLE_0_107, REFERENCE_THREE_TURNS

CLIENT_KINDS = {Kind.CLIENT_REQUEST, Kind.UNKNOWN_REQUEST, Kind.CLIENT_NOTIFICATION}


@cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def parse(tp: Any, value: Any) -> Any:
    """Validate wire JSON the way the daemon does: strict, wire names only."""
    return _adapter(tp).validate_json(json.dumps(value), strict=True, by_alias=True, by_name=False)


def dump(tp: Any, parsed: Any, *, exclude_unset: bool = False) -> Any:
    return json.loads(_adapter(tp).dump_json(parsed, exclude_unset=exclude_unset))


def roundtrip(tp: Any, value: Any, *, exclude_unset: bool = False) -> Any:
    return dump(tp, parse(tp, value), exclude_unset=exclude_unset)


def _check_client_request(message: Message) -> None:
    assert message.method is not None
    envelope = methods.CLIENT_REQUEST_MODELS[message.method]
    if message.invalid_params:
        with pytest.raises(ValidationError):
            parse(envelope, message.msg)
        with pytest.raises(ValidationError):
            parse(methods.ClientRequest, message.msg)
        return
    # what the client sent is what we parsed: unset defaults stay unset
    assert roundtrip(envelope, message.msg, exclude_unset=True) == message.msg
    assert roundtrip(methods.ClientRequest, message.msg, exclude_unset=True) == message.msg


def _server_payload(message: Message) -> tuple[Any, Any]:
    """The model a server message is written from, and the JSON written."""
    match message.kind:
        case Kind.RESULT:
            assert message.method is not None
            return methods.CLIENT_REQUESTS_BY_METHOD[message.method].result, message.msg["result"]
        case Kind.ERROR:
            return JSONRPCError, message.msg
        case Kind.CODEX_EVENT:
            return methods.CODEX_EVENT_PARAMS, message.msg["params"]
        case Kind.SERVER_NOTIFICATION:
            return methods.ServerNotification, message.msg
        case Kind.SERVER_REQUEST:
            return methods.ServerRequest, message.msg
        case _:
            raise AssertionError(f"not a server message: {message}")


def _check_server_message(message: Message) -> None:
    tp, value = _server_payload(message)
    assert roundtrip(tp, value) == value
    if message.kind is Kind.CODEX_EVENT and message.method != "codex/event/raw_response_item":
        assert message.method == methods.CODEX_EVENT_PREFIX + value["msg"]["type"]


@pytest.mark.parametrize("path", transcript_files())
def test_transcript_messages_roundtrip(path: Path) -> None:
    for message in messages(path):
        if not message.known:
            continue
        try:
            match message.kind:
                case Kind.CLIENT_REQUEST:
                    _check_client_request(message)
                case Kind.UNKNOWN_REQUEST:
                    with pytest.raises(ValidationError):
                        parse(methods.ClientRequest, message.msg)
                case Kind.CLIENT_NOTIFICATION:
                    rt = roundtrip(methods.ClientNotification, message.msg, exclude_unset=True)
                    assert rt == message.msg
                case _:
                    _check_server_message(message)
        except (AssertionError, ValidationError) as error:
            raise AssertionError(f"{message.source}: {message.kind.value}: {error}") from error
    for raw in malformed_lines(path):
        with pytest.raises(json.JSONDecodeError):
            json.loads(raw)


@pytest.mark.parametrize("path", transcript_files())
def test_server_messages_serialise_to_the_same_bytes(path: Path) -> None:
    """Key order and number formatting included: a client can see them."""
    for message in messages(path):
        if message.kind in CLIENT_KINDS or not message.known:
            continue
        tp, value = _server_payload(message)
        written = _adapter(tp).dump_json(parse(tp, value))
        expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        assert written == expected, message.source


def test_the_transcripts_exercise_every_kind_of_message() -> None:
    found: dict[Kind, int] = {}
    invalid = 0
    for param in transcript_files():
        path = param.values[0]
        if path is None:
            pytest.skip("no transcripts")
        for message in messages(path):
            found[message.kind] = found.get(message.kind, 0) + 1
            invalid += message.invalid_params
    # the reference rejects exactly one request for its params (pageSize "ten")
    assert invalid == 1
    assert set(found) >= set(Kind) - {Kind.SERVER_REQUEST}


def test_rollout_payloads_roundtrip() -> None:
    checked: set[str] = set()
    for source, record_type, payload in rollout_payloads():
        tp = {"event_msg": EventMsg, "response_item": ResponseItem}.get(record_type)
        if tp is None:
            continue  # session_meta, turn_context: not part of the protocol models
        assert roundtrip(tp, payload) == payload, source
        checked.add(record_type)
    assert checked == {"event_msg", "response_item"}


def _rollout_lines(path: Path) -> list[tuple[str, bytes]]:
    lines = path.read_bytes().splitlines()
    return [(f"{path.name}:{n}", line) for n, line in enumerate(lines, 1) if line.strip()]


def test_0_107_rollout_lines_read_and_write_back_unchanged() -> None:
    """Every line of a 0.107 rollout parses (strictly) and is written back to
    the same bytes: our files and the reference's are interchangeable."""
    adapter = rollout_line_adapter()
    kinds: set[str] = set()
    for source, line in _rollout_lines(require(REFERENCE_EXAMPLE_0_107)):
        parsed = adapter.validate_json(line, strict=True)
        assert adapter.dump_json(parsed) == line, source
        kinds.add(parsed.type)
    assert kinds == {"session_meta", "response_item", "event_msg", "turn_context"}


@pytest.mark.parametrize(
    "path", [REFERENCE_THREE_TURNS, REFERENCE_EXAMPLE], ids=["three-turns", "example"]
)
def test_0_50_rollout_lines_still_read(path: Path) -> None:
    adapter = rollout_line_adapter()
    for source, line in _rollout_lines(require(path)):
        parsed = adapter.validate_json(line, strict=True)
        if isinstance(parsed, TurnContextLine):
            # 0.50 tagged the sandbox policy with `mode`; it is written with `type`
            assert (
                parsed.payload.sandbox_policy.type
                == json.loads(line)["payload"]["sandbox_policy"]["mode"]
            ), source
