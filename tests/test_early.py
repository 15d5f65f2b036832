"""The stage that answers listings while the full server loads."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from app_server import early as early_stage
from app_server.early import (
    EarlyServer,
    FuzzySearchRequest,
    ServerLoader,
    ThreadListRequest,
    ThreadReadRequest,
    configured_provider,
    parse_early_line,
    read_config_table,
)
from app_server.search import Match
from tests.rollouts import write_rollout

if TYPE_CHECKING:
    from app_server.search import FileSearch

UUID = "01900000-0000-7000-8000-0000000000ab"


def line(message: Any) -> bytes:
    return json.dumps(message).encode()


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"id": 1, "method": "listConversations", "params": {}}, (1, 25, None)),
        (
            {"id": "a", "method": "listConversations", "params": {"pageSize": 3, "cursor": "c"}},
            ("a", 3, "c"),
        ),
        (
            {"id": 1, "method": "listConversations", "params": {"pageSize": None, "x": 1}},
            (1, 25, None),
        ),
        (
            {"id": 2, "method": "thread/list", "params": {}},
            ThreadListRequest(2, 25, None, "created_at", False, None, None, None),
        ),
        (
            {
                "id": "t",
                "method": "thread/list",
                "params": {
                    "limit": 500,
                    "cursor": "c",
                    "sortKey": "updated_at",
                    "archived": True,
                    "modelProviders": ["p"],
                    "cwd": "/w",
                    "searchTerm": "s",
                    "sourceKinds": None,
                    "unknown": 1,
                },
            },
            ThreadListRequest("t", 500, "c", "updated_at", True, ["p"], "/w", "s"),
        ),
        (
            {"id": 3, "method": "thread/read", "params": {"threadId": UUID.upper()}},
            ThreadReadRequest(3, UUID, False),
        ),
        (
            {"id": 3, "method": "thread/read", "params": {"threadId": UUID, "includeTurns": True}},
            ThreadReadRequest(3, UUID, True),
        ),
        ({"id": 3, "method": "thread/read", "params": {"threadId": "nope"}}, False),
        (
            {"id": 3, "method": "thread/read", "params": {"threadId": UUID, "includeTurns": 1}},
            False,
        ),
        ({"id": 3, "method": "thread/read", "params": {}}, False),
        ({"id": 2, "method": "thread/list"}, False),
        ({"id": 2, "method": "thread/list", "params": {"limit": -1}}, False),
        ({"id": 2, "method": "thread/list", "params": {"limit": 2**32}}, False),
        ({"id": 2, "method": "thread/list", "params": {"sortKey": "name"}}, False),
        ({"id": 2, "method": "thread/list", "params": {"archived": 1}}, False),
        ({"id": 2, "method": "thread/list", "params": {"modelProviders": "p"}}, False),
        ({"id": 2, "method": "thread/list", "params": {"sourceKinds": ["cli"]}}, False),
        ({"id": 2, "method": "thread/list", "params": {"cwd": 5}}, False),
        (
            {
                "id": 4,
                "method": "fuzzyFileSearch",
                "params": {"query": "q", "roots": ["/a"], "cancellationToken": "t", "x": 1},
            },
            FuzzySearchRequest(4, "q", ["/a"], "t"),
        ),
        (
            {"id": 4, "method": "fuzzyFileSearch", "params": {"query": "", "roots": []}},
            FuzzySearchRequest(4, "", [], None),
        ),
        ({"id": 4, "method": "fuzzyFileSearch", "params": {"query": "q"}}, False),
        ({"id": 4, "method": "fuzzyFileSearch", "params": {"query": 1, "roots": []}}, False),
        ({"id": 4, "method": "fuzzyFileSearch", "params": {"query": "q", "roots": [1]}}, False),
        (
            {"id": 4, "method": "fuzzyFileSearch", "params": {"query": "q", "roots": ["a\x00"]}},
            False,
        ),
        (
            {
                "id": 4,
                "method": "fuzzyFileSearch",
                "params": {"query": "q", "roots": [], "cancellationToken": 5},
            },
            False,
        ),
        ({"method": "initialized"}, True),
        ({"method": "initialized", "id": None}, True),
        # everything else is left to the full server
        ({"id": 1, "method": "listConversations"}, False),
        ({"id": 1, "method": "listConversations", "params": None}, False),
        ({"id": 1, "method": "listConversations", "params": {"pageSize": -1}}, False),
        ({"id": 1, "method": "listConversations", "params": {"pageSize": 2.0}}, False),
        ({"id": 1, "method": "listConversations", "params": {"pageSize": True}}, False),
        ({"id": 1, "method": "listConversations", "params": {"cursor": 5}}, False),
        ({"id": True, "method": "listConversations", "params": {}}, False),
        ({"id": 1.5, "method": "listConversations", "params": {}}, False),
        ({"method": "listConversations", "params": {}}, False),
        ({"id": 1, "method": "getUserAgent"}, False),
        ({"method": "initialized", "id": 3}, False),
        ([1, 2], False),
    ],
)
def test_which_lines_are_answered_early(message: Any, expected: Any) -> None:
    assert parse_early_line(line(message)) == expected


def test_garbage_is_left_to_the_full_server() -> None:
    assert parse_early_line(b"not json") is False
    assert parse_early_line(b"") is False
    assert parse_early_line(b'{"id":1,"method":"listConversations","params":{"x":NaN}}') is False


def test_serving_until_a_line_needs_the_full_server(tmp_path: Path) -> None:
    thread_id, _ = write_rollout(tmp_path, "2025-01-01T10-00-00", prompt="hello")
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    os.write(stdin_w, line({"method": "initialized"}) + b"\n")
    os.write(stdin_w, line({"id": 6, "method": "thread/list", "params": {}}) + b"\n")
    read = {"id": 5, "method": "thread/read", "params": {"threadId": thread_id}}
    os.write(stdin_w, line(read) + b"\n")
    os.write(stdin_w, line({"id": 7, "method": "listConversations", "params": {}}) + b"\n")
    os.write(stdin_w, line({"id": 8, "method": "getUserAgent"}) + b"\n")
    os.write(stdin_w, b'{"id": 9, "method": "listConversations", "params": {}}\n{"partial')
    loaded: list[bool] = []
    loader = ServerLoader(lambda: loaded.append(True))
    early = EarlyServer(tmp_path, b"", False, stdin_fd=stdin_r, stdout_fd=stdout_w, client_name="t")
    early.serve_while(loader)
    loader.join()
    assert loaded == [True]
    os.close(stdout_w)
    with os.fdopen(stdout_r, "rb") as out:
        replies = [json.loads(reply) for reply in out.read().splitlines()]
    assert [r["id"] for r in replies] == [6, 5, 7]
    assert replies[0]["result"]["data"][0]["preview"] == "hello"
    assert replies[1]["result"]["thread"]["id"] == thread_id
    assert replies[2]["result"]["items"][0]["preview"] == "hello"
    # the rest, in order, for the full server
    assert early.pending.startswith(line({"id": 8, "method": "getUserAgent"}))
    assert early.pending.endswith(b'{"partial')
    for fd in (stdin_r, stdin_w):
        os.close(fd)


def test_the_loader_thread_starts_once_threads_share_one_heap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A thread's own glibc heap would keep the free memory of its bursts.
    def where(what: str) -> tuple[str, bool]:
        return what, threading.current_thread() is threading.main_thread()

    steps: list[tuple[str, bool]] = []
    monkeypatch.setattr(early_stage, "share_one_heap", lambda: steps.append(where("heap")))
    loader = ServerLoader(lambda: steps.append(where("load")))
    loader.join()
    assert steps == [("heap", True), ("load", False)]


def test_an_idle_client_does_not_load_the_full_server(tmp_path: Path) -> None:
    """Loading waits for a line that needs the full server; a client that
    leaves without one never has it loaded."""
    stdin_r, stdin_w = os.pipe()
    loaded = threading.Event()
    loader = ServerLoader(loaded.set)
    early = EarlyServer(tmp_path, b"", False, stdin_fd=stdin_r, stdout_fd=1, client_name="t")
    serving = threading.Thread(target=early.serve_while, args=(loader,))
    serving.start()
    os.write(stdin_w, line({"method": "initialized"}) + b"\n")
    assert not loaded.wait(0.3)
    os.close(stdin_w)
    serving.join(10)
    assert not serving.is_alive() and early.eof and early.pending == b""
    assert not loader.started and not loaded.is_set()
    os.close(stdin_r)


def test_an_unreadable_configuration_loads_the_full_server_at_once(tmp_path: Path) -> None:
    """It tells the client what is wrong (`configWarning`) right away."""
    (tmp_path / "config.toml").write_text("model = \n")
    stdin_r, stdin_w = os.pipe()
    loader = ServerLoader(lambda: None)
    early = EarlyServer(tmp_path, b"", False, stdin_fd=stdin_r, stdout_fd=1, client_name="t")
    early.serve_while(loader)  # returns without any input
    loader.join()
    assert early.pending == b"" and not early.eof
    for fd in (stdin_r, stdin_w):
        os.close(fd)


@pytest.mark.parametrize(
    ("config", "overrides", "expected"),
    [
        (None, (), "openai"),
        ('model = "o3"\n', (), "openai"),
        ('model_provider = "oss"\n', (), "oss"),
        ('model_provider = "mock"\n[model_providers.mock]\nname = "M"\n', (), "mock"),
        (None, ('model_provider="oss"',), "oss"),
        ('model_provider = "oss"\n', ('model_provider="openai"',), "openai"),
        # only the full configuration can tell
        ('model_provider = "nowhere"\n', (), None),
        ("model_provider = 3\n", (), None),
        ('profile = "p"\n[profiles.p]\nmodel_provider = "oss"\n', (), None),
        (None, ("profile=p",), None),
        ("model_provider = \n", (), None),
    ],
)
def test_the_configured_provider_when_plain(
    tmp_path: Path, config: str | None, overrides: tuple[str, ...], expected: str | None
) -> None:
    if config is not None:
        (tmp_path / "config.toml").write_text(config)
    table = read_config_table(tmp_path, overrides)
    assert (configured_provider(table) if table is not None else None) == expected


@pytest.mark.parametrize(
    ("message", "starting"),
    [
        ({"id": 1, "method": "newConversation", "params": {}}, True),
        ({"id": 1, "method": "thread/start", "params": {}}, True),
        ({"id": 1, "method": "thread/resume", "params": {"threadId": "x"}}, True),
        ({"id": 1, "method": "getUserAgent"}, False),
        ({"id": 1, "method": "thread/read", "params": {"threadId": "x"}}, False),
    ],
)
def test_a_waiting_thread_start_is_noticed(
    tmp_path: Path, message: dict[str, Any], starting: bool
) -> None:
    stdin_r, stdin_w = os.pipe()
    os.write(stdin_w, line(message) + b"\n")
    loader = ServerLoader(lambda: None)
    early = EarlyServer(tmp_path, b"", False, stdin_fd=stdin_r, stdout_fd=1, client_name="t")
    early.serve_while(loader)
    loader.join()
    assert early.thread_starting is starting
    assert early.pending == line(message) + b"\n"
    for fd in (stdin_r, stdin_w):
        os.close(fd)


class _SlowSearch:
    """Stands for `FileSearch`: "slow" searches until cancelled."""

    def search_blocking(
        self, query: str, roots: list[str], cancelled: threading.Event
    ) -> list[Match]:
        if query == "slow":
            assert cancelled.wait(10)
        if query == "boom":
            raise RuntimeError("the search broke")
        return [
            Match(
                root=roots[0], path=f"{query}.txt", file_name=f"{query}.txt", score=7, indices=[0]
            )
        ]


def test_a_search_is_cancelled_by_a_later_one_with_its_token(tmp_path: Path) -> None:
    """While a search runs, the lines after it are read: one with the same
    token cancels it, and one only the full server answers starts loading."""
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()

    def search(request_id: int, query: str, token: str) -> bytes:
        params = {"query": query, "roots": ["/r"], "cancellationToken": token}
        return line({"id": request_id, "method": "fuzzyFileSearch", "params": params}) + b"\n"

    os.write(stdin_w, search(1, "slow", "t") + search(2, "other", "u"))
    loaded = threading.Event()
    loader = ServerLoader(loaded.set)
    early = EarlyServer(tmp_path, b"", False, stdin_fd=stdin_r, stdout_fd=stdout_w, client_name="t")
    early.file_search = cast("FileSearch", _SlowSearch())
    serving = threading.Thread(target=early.serve_while, args=(loader,))
    serving.start()
    os.write(stdin_w, line({"id": 3, "method": "getUserAgent"}) + b"\n")
    assert loaded.wait(10)  # while the search still runs
    os.write(stdin_w, search(4, "fast", "t"))
    serving.join(10)
    loader.join()
    os.close(stdout_w)
    with os.fdopen(stdout_r, "rb") as out:
        replies = [json.loads(reply) for reply in out.read().splitlines()]
    assert replies == [
        {"id": 1, "result": {"files": []}},
        {
            "id": 2,
            "result": {
                "files": [
                    {
                        "root": "/r",
                        "path": "other.txt",
                        "file_name": "other.txt",
                        "score": 7,
                        "indices": [0],
                    }
                ]
            },
        },
    ]
    assert early.pending.startswith(line({"id": 3, "method": "getUserAgent"}))
    assert early.pending.endswith(search(4, "fast", "t"))
    for fd in (stdin_r, stdin_w):
        os.close(fd)


def test_a_search_that_fails_is_left_to_the_full_server(tmp_path: Path) -> None:
    stdin_r, stdin_w = os.pipe()
    params = {"query": "boom", "roots": ["/r"]}
    request = line({"id": 1, "method": "fuzzyFileSearch", "params": params}) + b"\n"
    os.write(stdin_w, request)
    loader = ServerLoader(lambda: None)
    early = EarlyServer(tmp_path, b"", False, stdin_fd=stdin_r, stdout_fd=1, client_name="t")
    early.file_search = cast("FileSearch", _SlowSearch())
    early.serve_while(loader)
    loader.join()
    assert early.pending == request
    for fd in (stdin_r, stdin_w):
        os.close(fd)
