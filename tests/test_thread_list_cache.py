"""The first page of `thread/list` kept across daemon starts
(`conversations.thread_list_cache`): the early stage keeps what it answered,
the next daemon answers the same request from it before loading anything,
and any change to what the page was read from sends it back to the files."""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app_server.bootstrap import ClientIdentity, Handshake
from app_server.conversations import thread_list_cache
from app_server.conversations.thread_list_cache import CACHE_FILE
from app_server.conversations.thread_names import append_thread_name
from app_server.early import EarlyServer, ServerLoader
from app_server.kept_first_page import answer_kept_page
from tests.harness.stdio import DaemonClient
from tests.test_v2_thread_records_stdio import tid, v2_client, write_thread

LIST: dict[str, Any] = {"limit": 2}
CLIENT = ClientIdentity(name="tests", version="0", title=None)


def line(message: Any) -> bytes:
    return json.dumps(message).encode() + b"\n"


def age(home: Path) -> None:
    """Every file and folder under the home as modified a minute ago (so not
    too recently to be vouched for)."""
    past = time.time() - 60
    for root, dirs, files in os.walk(home):
        for name in [*dirs, *files]:
            os.utime(os.path.join(root, name), (past, past))
    os.utime(home, (past, past))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    codex_home = tmp_path / "home"
    codex_home.mkdir()
    (codex_home / "config.toml").write_text('model_provider = "openai"\n')
    write_thread(codex_home, tid(1), "2026-01-01T10-00-00", message="first")
    write_thread(codex_home, tid(2), "2026-01-02T10-00-00", message="second")
    write_thread(codex_home, tid(3), "2026-01-02T11-00-00", message="third")
    age(codex_home)
    return codex_home


def early_answers(home: Path, *lines: bytes, client_name: str = "tests") -> list[dict[str, Any]]:
    """What the early stage answers to these lines (then stdin ends)."""
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    os.write(stdin_w, b"".join(lines))
    os.close(stdin_w)
    early = EarlyServer(
        home, b"", False, stdin_fd=stdin_r, stdout_fd=stdout_w, client_name=client_name
    )
    early.serve_while(ServerLoader(lambda: None))
    os.close(stdout_w)
    os.close(stdin_r)
    with os.fdopen(stdout_r, "rb") as out:
        return [json.loads(reply) for reply in out.read().splitlines()]


def kept_answer(
    home: Path, *lines: bytes, client: ClientIdentity = CLIENT, overrides: tuple[str, ...] = ()
) -> tuple[list[dict[str, Any]], bytes]:
    """What a new daemon answers from the kept page before its early stage,
    and what it leaves to that stage (read or not)."""
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    os.write(stdin_w, b"".join(lines))
    shake = Handshake(client=client, pending=b"", eof=False)
    left = answer_kept_page(str(home), shake, overrides, stdin_fd=stdin_r, stdout_fd=stdout_w)
    os.close(stdout_w)
    os.close(stdin_w)
    with os.fdopen(stdin_r, "rb") as unread, os.fdopen(stdout_r, "rb") as out:
        rest = unread.read()
        replies = [json.loads(reply) for reply in out.read().splitlines()]
    assert left.client == client and not left.eof
    return replies, left.pending + rest


def keep_first_page(home: Path) -> dict[str, Any]:
    [reply] = early_answers(home, line({"id": 1, "method": "thread/list", "params": LIST}))
    assert (home / CACHE_FILE).exists()
    return dict(reply["result"])


def test_the_next_daemon_answers_the_kept_page(home: Path) -> None:
    result = keep_first_page(home)
    assert [thread["id"] for thread in result["data"]] == [tid(3), tid(2)]
    # private: previews are the user's words
    assert stat.S_IMODE((home / CACHE_FILE).stat().st_mode) == 0o600
    after = line({"id": 3, "method": "getUserAgent"})
    replies, left = kept_answer(
        home,
        line({"method": "initialized"}),
        line({"id": "again", "method": "thread/list", "params": LIST}),
        after,
    )
    assert replies == [{"id": "again", "result": result}]
    assert left == after
    # and as often as asked
    replies, _ = kept_answer(home, line({"id": 9, "method": "thread/list", "params": LIST}))
    assert replies == [{"id": 9, "result": result}]


def _append_to_a_listed_thread(home: Path) -> None:
    path = next(home.glob(f"sessions/2026/01/02/*{tid(3)}.jsonl"))
    with path.open("a") as file:
        file.write(json.dumps({"type": "event_msg", "payload": {"type": "agent_message"}}) + "\n")


def _new_thread_in_a_listed_folder(home: Path) -> None:
    write_thread(home, tid(4), "2026-01-02T12-00-00", message="fourth")


def _new_thread_in_a_new_folder(home: Path) -> None:
    write_thread(home, tid(4), "2025-12-31T12-00-00", message="older")


def _new_thread_misplaced_in_an_old_folder(home: Path) -> None:
    """Newer than every other by its name, in the oldest folder."""
    write_thread(home, tid(4), "2026-01-01T10-00-00", message="x")
    source = next(home.glob(f"sessions/2026/01/01/*{tid(4)}.jsonl"))
    source.rename(source.with_name(f"rollout-2026-02-01T00-00-00-{tid(4)}.jsonl"))


def _a_removed_thread(home: Path) -> None:
    next(home.glob(f"sessions/2026/01/01/*{tid(1)}.jsonl")).unlink()


def _another_provider(home: Path) -> None:
    (home / "config.toml").write_text('model_provider = "other"\n')


def _a_thread_named(home: Path) -> None:
    append_thread_name(home, tid(2), "named")


MUTATIONS: dict[str, Callable[[Path], None]] = {
    "append": _append_to_a_listed_thread,
    "new in listed folder": _new_thread_in_a_listed_folder,
    "new folder": _new_thread_in_a_new_folder,
    "misplaced": _new_thread_misplaced_in_an_old_folder,
    "removed": _a_removed_thread,
    "config": _another_provider,
    "name": _a_thread_named,
}


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_any_change_sends_the_page_back_to_the_files(
    home: Path, mutate: Callable[[Path], None]
) -> None:
    keep_first_page(home)
    mutate(home)
    request = line({"id": 2, "method": "thread/list", "params": LIST})
    replies, left = kept_answer(home, request)
    assert replies == [] and left == request


def test_a_hidden_thread_that_gets_its_first_message(home: Path) -> None:
    """A thread without a user message is not listed, but the page depends
    on it: once it has one, it is the newest."""
    hidden = write_thread(home, tid(5), "2026-01-03T10-00-00", message=None)
    age(home)
    result = keep_first_page(home)
    assert [thread["id"] for thread in result["data"]] == [tid(3), tid(2)]
    with hidden.open("a") as file:
        file.write(
            json.dumps(
                {"type": "event_msg", "payload": {"type": "user_message", "message": "late"}}
            )
            + "\n"
        )
    request = line({"id": 2, "method": "thread/list", "params": LIST})
    assert kept_answer(home, request) == ([], request)
    [reply] = early_answers(home, request)
    assert reply["result"]["data"][0]["id"] == tid(5)


@pytest.mark.parametrize(
    ("asked", "client", "overrides"),
    [
        pytest.param({"limit": 3}, CLIENT, (), id="other params"),
        pytest.param({"limit": 2.0}, CLIENT, (), id="a float limit"),
        pytest.param(LIST, CLIENT._replace(name="codex_python_sdk"), (), id="newer fields"),
        pytest.param(LIST, CLIENT, ('model_provider="x"',), id="overrides"),
    ],
)
def test_only_the_same_request_from_a_like_client(
    home: Path, asked: dict[str, Any], client: ClientIdentity, overrides: tuple[str, ...]
) -> None:
    keep_first_page(home)
    request = line({"id": 2, "method": "thread/list", "params": asked})
    assert kept_answer(home, request, client=client, overrides=overrides) == ([], request)


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"limit": 2, "sortKey": "updated_at"}, id="by update"),
        pytest.param({"limit": 1, "cursor": f"2026-01-02T11:00:00Z|{tid(3)}"}, id="later page"),
    ],
)
def test_only_first_pages_by_creation_are_kept(home: Path, params: dict[str, Any]) -> None:
    [reply] = early_answers(home, line({"id": 1, "method": "thread/list", "params": params}))
    assert "result" in reply
    assert not (home / CACHE_FILE).exists()


@pytest.mark.parametrize(
    "touch",
    [
        pytest.param(_new_thread_in_a_listed_folder, id="rollout"),
        pytest.param(_another_provider, id="config"),
    ],
)
def test_a_page_read_from_fresh_files_is_not_kept(
    home: Path, touch: Callable[[Path], None]
) -> None:
    """Changed just now, a file may change again without its status moving."""
    touch(home)
    early_answers(home, line({"id": 1, "method": "thread/list", "params": LIST}))
    assert not (home / CACHE_FILE).exists()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[:-10], id="truncated"),
        pytest.param(lambda data: b"not json\n" + data, id="garbage"),
        pytest.param(lambda data: b"", id="empty"),
    ],
)
def test_a_damaged_cache_is_ignored(home: Path, damage: Callable[[bytes], bytes]) -> None:
    keep_first_page(home)
    path = home / CACHE_FILE
    path.write_bytes(damage(path.read_bytes()))
    request = line({"id": 2, "method": "thread/list", "params": LIST})
    assert kept_answer(home, request) == ([], request)


# -- through the real daemon -------------------------------------------------------------


@pytest.fixture
def listed_home(codex_home: Path) -> Iterator[Path]:
    for n in range(1, 4):
        write_thread(codex_home, tid(n), f"2026-01-0{n}T10-00-00", message=f"m{n}")
    age(codex_home)
    yield codex_home


def test_daemons_in_turn_list_the_same_and_see_changes(
    spawn: Callable[..., DaemonClient], listed_home: Path
) -> None:
    client = v2_client(spawn)
    first = client.call("thread/list", {})
    assert [thread["id"] for thread in first["data"]] == [tid(3), tid(2), tid(1)]
    client.close_stdin()  # the page is kept right after the reply
    assert client.wait_exit() == 0
    assert (listed_home / CACHE_FILE).exists()
    # answered from the kept page: a mark put in it comes back
    kept = listed_home / CACHE_FILE
    kept.write_bytes(kept.read_bytes().replace(b'"preview":"m3"', b'"preview":"M3"'))
    second = v2_client(spawn)
    marked = second.call("thread/list", {})
    assert marked["data"][0]["preview"] == "M3"
    assert marked["data"][1:] == first["data"][1:]
    # the daemon goes on as usual after a kept answer
    assert second.call("thread/list", {"limit": 1})["data"][0]["id"] == tid(3)
    write_thread(listed_home, tid(4), "2026-01-04T10-00-00", message="m4")
    third = v2_client(spawn).call("thread/list", {})
    assert [thread["id"] for thread in third["data"]] == [tid(4), tid(3), tid(2), tid(1)]


def test_a_page_read_from_too_many_files_is_not_kept(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checking them all would cost what reading them does."""
    monkeypatch.setattr(thread_list_cache, "MAX_STAMPS", 3)
    early_answers(home, line({"id": 1, "method": "thread/list", "params": LIST}))
    assert not (home / CACHE_FILE).exists()
