"""The method table is complete, consistent with the reference's method list,
and every row has a handler of the row's types."""

from __future__ import annotations

import inspect
import re
import typing
from typing import Any

import pytest

from app_server.handlers import HANDLERS
from app_server.handlers.unsupported import refuse
from app_server_protocol import methods

from ._reference import SHARED, require

REFERENCE_0107 = SHARED / "reference" / "codex-0.107.0" / "typescript"


def _reference_methods(union: str) -> list[str]:
    text = require(REFERENCE_0107 / f"{union}.ts").read_text(encoding="utf-8")
    return re.findall(r'"method": "([^"]+)"', text)


def test_client_requests_match_the_reference() -> None:
    reference = _reference_methods("ClientRequest")
    ours = [r.method for r in methods.CLIENT_REQUESTS]
    assert set(ours) == set(reference)
    # In the reference's order.
    assert ours == reference


def test_server_side_rows_are_the_reference_s() -> None:
    assert [r.method for r in methods.SERVER_REQUESTS] == _reference_methods("ServerRequest")
    # Fuzzy file search sessions are not served, so never reported.
    sessions = {"fuzzyFileSearch/sessionUpdated", "fuzzyFileSearch/sessionCompleted"}
    reference = [m for m in _reference_methods("ServerNotification") if m not in sessions]
    assert [n.method for n in methods.SERVER_NOTIFICATIONS] == reference
    assert [n.method for n in methods.CLIENT_NOTIFICATIONS] == ["initialized"]


def test_every_row_has_a_result_type_and_a_unique_method() -> None:
    rows: list[Any] = [*methods.CLIENT_REQUESTS, *methods.SERVER_REQUESTS]
    for row in rows:
        assert row.result is not None, row.method
    assert len({r.method for r in methods.CLIENT_REQUESTS}) == len(methods.CLIENT_REQUESTS)


def test_only_per_thread_rows_name_a_thread() -> None:
    for row in methods.CLIENT_REQUESTS:
        assert (row.thread is not None) == (row.ordering is methods.PER_THREAD), row.method
    with pytest.raises(ValueError, match="PER_THREAD"):
        methods.ClientMethod[None, None]("x", None, None, ordering=methods.PER_THREAD)


def test_unsupported_rows_accept_anything_and_say_why() -> None:
    unsupported = [r for r in methods.CLIENT_REQUESTS if r.unsupported is not None]
    assert {r.method for r in unsupported} >= {"skills/list", "app/list", "feedback/upload"}
    for row in unsupported:
        assert row.unsupported is not None
        assert row.unsupported.startswith(f"{row.method}: "), row.method
        assert row.ordering is methods.FREE
        envelope = methods.CLIENT_REQUEST_MODELS[row.method]
        envelope.model_validate({"id": 1, "method": row.method, "params": {"any": [1]}})
        envelope.model_validate({"id": 1, "method": row.method})


def test_every_client_method_has_a_handler() -> None:
    assert set(HANDLERS) == set(methods.CLIENT_REQUESTS_BY_METHOD)
    for method, handler in HANDLERS.items():
        assert handler.row is methods.CLIENT_REQUESTS_BY_METHOD[method]


def test_handler_signatures_name_their_row_s_types() -> None:
    """mypy checks handlers against the row's type arguments; this checks the
    row's run-time types against the handlers' annotations, so that the
    two spellings of a row's types cannot drift apart."""
    for method, handler in HANDLERS.items():
        row = handler.row
        if handler.func is refuse:
            continue  # one handler for many rows, taking anything, answering an error
        hints = typing.get_type_hints(handler.func)
        names = list(inspect.signature(handler.func).parameters)
        params_hint = hints[names[0]]
        expected_params = type(None) if row.params is None else row.params
        assert params_hint == expected_params, (method, params_hint, row.params)
        assert hints["return"] == row.result, (method, hints["return"], row.result)
