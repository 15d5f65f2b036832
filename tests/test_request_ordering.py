"""The ordering column of the method table, as the processor enforces it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from app_server.app import RequestContext
from app_server.handlers import HANDLERS
from app_server.handlers.registry import Handler
from app_server.ordering import RequestOrder
from app_server_protocol import methods
from app_server_protocol.methods import FREE, PER_THREAD, SERIAL
from tests.harness.inprocess import in_process_daemon

from ._reference import SHARED, require

pytestmark = pytest.mark.anyio


def _pending(order: RequestOrder, *turns: Any) -> list[bool]:
    return [not all(e.is_set() for e in turn.waits_for) for turn in turns]


def test_a_serial_request_waits_for_every_earlier_ordered_one() -> None:
    order = RequestOrder()
    a = order.admit(PER_THREAD, "a")
    b = order.admit(PER_THREAD, "b")
    free = order.admit(FREE)
    serial = order.admit(SERIAL)
    assert set(serial.waits_for) == {a.done, b.done}
    assert free.waits_for == ()
    order.finish(a)
    assert _pending(order, serial) == [True]
    order.finish(b)
    assert _pending(order, serial) == [False]


def test_a_serial_request_waits_for_the_last_serial_one_and_what_came_after() -> None:
    """Waiting for every earlier request, through the chain: the previous
    serial request waited for those before it (so a pipeline of serial
    requests waits for one each, not for all in flight)."""
    order = RequestOrder()
    first = order.admit(SERIAL)
    a = order.admit(PER_THREAD, "a")
    second = order.admit(SERIAL)
    assert set(second.waits_for) == {first.done, a.done}
    third = order.admit(SERIAL)
    assert third.waits_for == (second.done,)
    order.finish(first)
    order.finish(a)
    assert _pending(order, second, third) == [False, True]
    order.finish(second)
    assert _pending(order, third) == [False]
    order.finish(third)
    assert order.admit(SERIAL).waits_for == ()


def test_per_thread_requests_wait_for_their_thread_and_the_last_serial_one() -> None:
    order = RequestOrder()
    serial = order.admit(SERIAL)
    a1 = order.admit(PER_THREAD, "a")
    b1 = order.admit(PER_THREAD, "b")
    a2 = order.admit(PER_THREAD, "a")
    assert a1.waits_for == (serial.done,)
    assert b1.waits_for == (serial.done,)
    assert set(a2.waits_for) == {serial.done, a1.done}
    order.finish(serial)
    # A later per-thread request needs only its own thread's last one.
    order.finish(a1)
    a3 = order.admit(PER_THREAD, "a")
    assert a3.waits_for == (a2.done,)


def test_free_requests_hold_nothing_back() -> None:
    order = RequestOrder()
    order.admit(FREE)
    assert order.admit(SERIAL).waits_for == ()


@pytest.fixture
def held_handler() -> Iterator[anyio.Event]:
    """`getUserSavedConfig` (serial) answers once the returned event is set."""
    release = anyio.Event()
    row = methods.GET_USER_SAVED_CONFIG
    original = HANDLERS[row.method]

    async def held(params: None, ctx: RequestContext) -> Any:
        await release.wait()
        return await original.func(params, ctx)

    HANDLERS[row.method] = Handler(row, held)
    try:
        yield release
    finally:
        HANDLERS[row.method] = original


async def test_the_processor_orders_requests_by_their_rows(
    codex_home: Path, held_handler: anyio.Event
) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        await client.send({"id": "held", "method": "getUserSavedConfig"})
        await client.send(
            {"id": "after", "method": "setDefaultModel", "params": {"model": "gpt-5"}}
        )
        # A free request is answered while the serial ones wait.
        assert "userAgent" in await client.call("getUserAgent")
        await anyio.wait_all_tasks_blocked()
        assert not [m for m in client.messages if m.get("id") in ("held", "after")]
        held_handler.set()
        after = await client.wait_for(lambda m: m.get("id") == "after")
        answered = [m.get("id") for m in client.messages if m.get("id") in ("held", "after")]
        assert answered == ["held", "after"]
        assert after == {"id": "after", "result": {}}


@pytest.mark.parametrize(
    ("method", "reason"),
    [
        ("skills/list", "skills are not supported by this app-server"),
        ("thread/realtime/start", "realtime (voice) threads are not supported"),
        ("fuzzyFileSearch/sessionStart", "use fuzzyFileSearch with a cancellation token"),
    ],
)
async def test_an_unsupported_method_gets_an_error_that_says_why(
    codex_home: Path, method: str, reason: str
) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        error = await client.call_error(method, {"whatever": [1, 2]})
        assert error["code"] == -32600
        assert error["message"].startswith(f"{method}: ")
        assert reason in error["message"]
        # and the server goes on
        assert "userAgent" in await client.call("getUserAgent")


async def test_an_unknown_method_gets_the_reference_s_answer(codex_home: Path) -> None:
    transcript = (
        SHARED / "reference" / "codex-0.107.0" / "transcripts" / "a-handshake-and-errors.jsonl"
    )
    lines = [json.loads(line) for line in require(transcript).read_text().splitlines() if line]
    expected = next(
        rec["msg"]["error"]
        for rec in lines
        if "unknown variant" in rec.get("msg", {}).get("error", {}).get("message", "")
    )
    method = expected["message"].split("`")[1]
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        assert await client.call_error(method, {}) == expected
