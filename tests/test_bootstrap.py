"""The pre-loop handshake accepts only what the protocol models accept."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from app_server.bootstrap import initialize_reply, parse_initialize
from app_server_protocol.methods import CLIENT_REQUEST_MODELS

INITIALIZE = CLIENT_REQUEST_MODELS["initialize"]

CASES = [
    b'{"id":1,"method":"initialize","params":{"clientInfo":{"name":"a","version":"1"}}}',
    b'{"id":"x","method":"initialize","params":{"clientInfo":{"name":"a","title":null,"version":"1"}}}',
    b'{"id":-3,"method":"initialize","params":{"clientInfo":{"name":"a","title":"T","version":""}}}',
    b'{"method":"initialize","id":2,"params":{"clientInfo":{"name":"\xc3\xa9","version":"1","x":1}},"y":2}',
    b'{"id":1,"method":"initialize","params":{"clientInfo":{"name":1,"version":"1"}}}',
    b'{"id":1,"method":"initialize","params":{"clientInfo":{"name":"a"}}}',
    b'{"id":1,"method":"initialize","params":{}}',
    b'{"id":1,"method":"initialize"}',
    b'{"id":true,"method":"initialize","params":{"clientInfo":{"name":"a","version":"1"}}}',
    b'{"id":1.5,"method":"initialize","params":{"clientInfo":{"name":"a","version":"1"}}}',
    b'{"id":1,"method":"initialize","params":{"clientInfo":{"name":"a","version":"1","title":3}}}',
    b'{"id":1,"method":"initialize","params":{"clientInfo":{"name":"\\ud800","version":"1"}}}',
    b'{"id":1,"method":"initialize","params":{"clientInfo":{"name":"a","version":NaN}}}',
    b'{"id":1,"method":"initialise","params":{"clientInfo":{"name":"a","version":"1"}}}',
    b"not json",
    b"[]",
]


@pytest.mark.parametrize("line", CASES)
def test_fast_path_never_accepts_what_the_models_reject(line: bytes) -> None:
    fast = parse_initialize(line)
    if fast is None:
        return
    request_id, client = fast
    envelope = INITIALIZE.model_validate_json(line, strict=True, by_alias=True, by_name=False)
    assert envelope.id == request_id  # type: ignore[attr-defined]
    info = envelope.params.client_info  # type: ignore[attr-defined]
    assert (info.name, info.version, info.title) == (client.name, client.version, client.title)


def test_fast_path_takes_the_common_case() -> None:
    assert parse_initialize(CASES[0]) is not None
    assert parse_initialize(CASES[3]) is not None


def test_rejected_lines_are_left_for_the_server() -> None:
    for line in CASES[4:]:
        assert parse_initialize(line) is None, line
        with pytest.raises((ValidationError, ValueError)):
            INITIALIZE.model_validate_json(line, strict=True, by_alias=True, by_name=False)


def test_reply_shape() -> None:
    parsed = parse_initialize(CASES[1])
    assert parsed is not None
    reply = initialize_reply(*parsed)
    assert reply.endswith(b"\n") and reply.startswith(b'{"id":"x","result":{"userAgent":')
    assert json.loads(reply)["result"]["userAgent"].endswith("(a; 1)")
