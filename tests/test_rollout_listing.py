"""The listing walk, its cursor and its caches (`RolloutIndex`)."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from app_server.conversations import listing, update_order
from app_server.conversations.listing import RolloutIndex
from app_server.conversations.naming import UpdateKey, format_update_cursor
from tests.rollouts import conversation_lines, lines_bytes, meta, user_item, write_rollout


def index_for(home: Path) -> RolloutIndex:
    return RolloutIndex(str(home / "sessions"))


def all_pages(index: RolloutIndex, size: int) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: UpdateKey | None = None
    while True:
        items, last = index.page(size, cursor)
        pages.append([item.summary.preview for item in items])
        if not items:
            assert last is None
            return pages
        assert last is not None
        cursor = last


def age(path: Path, seconds: float = 10.0) -> None:
    """Make a file or folder look modified a while ago (past the racy window)."""
    past = time.time() - seconds
    os.utime(path, (past, past))


#: 2023-11-14T22:13:20Z, in ns
BASE_NS = 1_700_000_000 * 1_000_000_000


def set_mtime(path: Path, offset_seconds: float) -> int:
    """Make ``path`` last modified ``offset_seconds`` after `BASE_NS`; the mtime."""
    stamp = BASE_NS + int(offset_seconds * 1e9)
    os.utime(path, ns=(stamp, stamp))
    return stamp


def test_last_modified_first_across_folders(tmp_path: Path) -> None:
    # named (created) in one order, modified in another: the updates count
    for name_ts, prompt, offset in [
        ("2025-01-02T12-00-00", "D", 1),
        ("2025-01-01T13-00-00", "B", 3),
        ("2025-01-01T12-00-00", "A", 4),
        ("2024-12-31T23-59-59", "C", 2),
    ]:
        set_mtime(write_rollout(tmp_path, name_ts, prompt=prompt)[1], offset)
    assert all_pages(index_for(tmp_path), 2) == [["A", "B"], ["C", "D"], []]
    assert all_pages(index_for(tmp_path), 3) == [["A", "B", "C"], ["D"], []]


def test_same_mtime_orders_by_uuid(tmp_path: Path) -> None:
    low = "00000000-0000-4000-8000-000000000000"
    high = "ffffffff-ffff-4fff-bfff-ffffffffffff"
    _, p_low = write_rollout(tmp_path, "2025-01-02T12-00-00", conversation_id=low, prompt="low")
    _, p_high = write_rollout(tmp_path, "2025-01-01T12-00-00", conversation_id=high, prompt="high")
    stamp = set_mtime(p_low, 5)
    set_mtime(p_high, 5)
    index = index_for(tmp_path)
    items, last = index.page(1, None)
    assert [i.summary.preview for i in items] == ["high"]
    assert last == UpdateKey(stamp, high)
    items, _ = index.page(5, last)
    assert [i.summary.preview for i in items] == ["low"]


def test_cursor_semantics(tmp_path: Path) -> None:
    for n in range(5):
        _, path = write_rollout(tmp_path, f"2025-03-0{5 - n}T10-00-00", prompt=f"m{n}")
        set_mtime(path, n * 60)
    index = index_for(tmp_path)
    # a cursor between files (no file of its own) resumes after it
    items, _ = index.page(10, UpdateKey(BASE_NS + 150 * 10**9, str(uuid.uuid4())))
    assert [i.summary.preview for i in items] == ["m2", "m1", "m0"]
    # a cursor older than everything: nothing
    assert index.page(10, UpdateKey(0, str(uuid.uuid4()))) == ([], None)
    # a cursor newer than everything: everything
    items, _ = index.page(10, UpdateKey(BASE_NS * 2, str(uuid.uuid4())))
    assert len(items) == 5
    assert index.page(0, None) == ([], None)


def test_appending_moves_a_file_ahead_of_the_cursor(tmp_path: Path) -> None:
    paths = []
    for n in range(4):
        _, path = write_rollout(tmp_path, f"2025-03-0{n + 1}T10-00-00", prompt=f"m{n}")
        set_mtime(path, n * 60)
        paths.append(path)
    index = index_for(tmp_path)
    items, last = index.page(2, None)
    assert [i.summary.preview for i in items] == ["m3", "m2"]
    with paths[0].open("ab") as file:
        file.write(lines_bytes([user_item("more")]))
    set_mtime(paths[0], 600)
    items, _ = index.page(5, last)
    assert [i.summary.preview for i in items] == ["m1"]
    items, _ = index.page(5, None)
    assert [i.summary.preview for i in items] == ["m0", "m3", "m2", "m1"]
    assert items[0].mtime_ns == BASE_NS + 600 * 10**9


def test_the_cursor_is_the_last_listed_file(tmp_path: Path) -> None:
    cid, path = write_rollout(tmp_path, "2025-03-02T10-00-00", prompt="listed")
    set_mtime(path, 0)
    # newer and older files that are not listed
    for ts, offset in (("2025-03-03T10-00-00", 10), ("2025-03-01T10-00-00", -10)):
        _, other = write_rollout(tmp_path, ts, lines=[meta(str(uuid.uuid4()))])
        set_mtime(other, offset)
    items, last = index_for(tmp_path).page(10, None)
    assert [i.summary.preview for i in items] == ["listed"]
    assert last is not None and format_update_cursor(last) == f"2023-11-14T22-13-20|{cid}"


def test_what_the_walk_ignores(tmp_path: Path) -> None:
    write_rollout(tmp_path, "2025-03-01T10-00-00", prompt="real")
    day = tmp_path / "sessions" / "2025" / "03" / "01"
    (day / "notes.txt").write_text("x")
    (day / f"rollout-2025-03-01T11-00-00-{uuid.uuid4()}.jsonl.bak").write_text("x")
    target = day / f"rollout-2025-03-01T10-00-00-{uuid.uuid4()}.jsonl"
    write_rollout(tmp_path, "2025-03-01T10-00-00", prompt="linked")
    linked = next(p for p in day.iterdir() if "linked" in p.read_text())
    target.symlink_to(linked)
    (tmp_path / "sessions" / "2025" / "xx").mkdir()
    (tmp_path / "sessions" / "notayear").mkdir()
    previews = [i.summary.preview for i in index_for(tmp_path).page(10, None)[0]]
    assert sorted(previews) == ["linked", "real"]


def test_no_sessions_folder(tmp_path: Path) -> None:
    assert index_for(tmp_path).page(25, None) == ([], None)


def test_files_appearing_changing_and_vanishing(tmp_path: Path) -> None:
    index = index_for(tmp_path)
    _, first = write_rollout(tmp_path, "2025-03-01T10-00-00", prompt="first")
    for folder in (first.parent, first.parent.parent, first.parent.parent.parent):
        age(folder)
    age(first)
    assert [i.summary.preview for i in index.page(10, None)[0]] == ["first"]

    # a new file in a folder the cache trusts
    _, second = write_rollout(tmp_path, "2025-03-01T11-00-00", prompt="second")
    assert [i.summary.preview for i in index.page(10, None)[0]] == ["second", "first"]

    # a conversation that was not listed yet gets its first message
    cid = str(uuid.uuid4())
    _, fresh = write_rollout(
        tmp_path, "2025-03-01T12-00-00", lines=[meta(cid)], conversation_id=cid
    )
    assert len(index.page(10, None)[0]) == 2
    with fresh.open("ab") as file:
        file.write(
            lines_bytes(
                [
                    user_item("late"),
                    {
                        "timestamp": "t",
                        "type": "event_msg",
                        "payload": {"type": "user_message", "message": "late"},
                    },
                ]
            )
        )
    assert [i.summary.preview for i in index.page(10, None)[0]] == ["late", "second", "first"]

    # rewritten behind our back, with the same size and an older mtime
    text = first.read_text().replace("first", "FIRST")
    first.write_text(text)
    age(first, 100)
    assert "FIRST" in [i.summary.preview for i in index.page(10, None)[0]]

    # vanished
    second.unlink()
    fresh.unlink()
    assert [i.summary.preview for i in index.page(10, None)[0]] == ["FIRST"]


def test_a_new_day_folder_appears(tmp_path: Path) -> None:
    index = index_for(tmp_path)
    _, old = write_rollout(tmp_path, "2025-03-01T10-00-00", prompt="old")
    for folder in (old.parent, old.parent.parent, old.parent.parent.parent, tmp_path / "sessions"):
        age(folder)
    assert len(index.page(10, None)[0]) == 1
    write_rollout(tmp_path, "2026-01-01T10-00-00", prompt="new year")
    assert [i.summary.preview for i in index.page(10, None)[0]] == ["new year", "old"]


def test_a_cached_listing_is_cheap_but_exact(tmp_path: Path) -> None:
    for n in range(30):
        write_rollout(tmp_path, f"2025-03-01T10-{n:02d}-00", prompt=f"m{n:02d}")
    index = index_for(tmp_path)
    first = all_pages(index, 7)
    again = all_pages(index, 7)
    assert first == again
    assert [p for page in first for p in page] == [f"m{n:02d}" for n in reversed(range(30))]


def test_read_ahead_fills_the_cache_for_the_next_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(6):
        _, path = write_rollout(tmp_path, f"2025-03-0{n + 1}T10-00-00", prompt=f"m{n}")
        age(path)
    index = index_for(tmp_path)
    _, last = index.page(2, None)
    assert len(list(index.read_ahead(last, 3))) == 3
    reads: list[str] = []
    real_read = listing.read_head

    def counting_read(path: str) -> object:
        reads.append(path)
        return real_read(path)

    monkeypatch.setattr(listing, "read_head", counting_read)
    assert [i.summary.preview for i in index.page(4, last)[0]] == ["m3", "m2", "m1", "m0"]
    assert [Path(p).name[8:18] for p in reads] == ["2025-03-01"]
    assert list(index.read_ahead(UpdateKey(0, str(uuid.uuid4())), 5)) == []


def test_bounded_caches_list_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "MAX_CACHED_HEAD_BYTES", 2000)
    monkeypatch.setattr(listing, "MAX_CACHED_NAMES", 3)
    for n in range(40):
        _, path = write_rollout(tmp_path, f"2025-03-{n % 9 + 1:02d}T10-{n:02d}-00", prompt=f"m{n}")
        age(path)
    for folder in (tmp_path / "sessions").rglob("*"):
        if folder.is_dir():
            age(folder)
    index = index_for(tmp_path)
    expected = all_pages(index_for(tmp_path), 100)
    assert all_pages(index, 6) != []
    assert [p for page in all_pages(index, 6) for p in page] == expected[0]
    assert 1 <= len(index._heads) < 10
    assert index._head_bytes <= 2000
    assert len(index._days) <= 3


def test_a_cached_head_is_one_small_bytes() -> None:
    summary = listing.HeadSummary("0199a213-81c0-7800-8aa1-bbab2a035a53", "héllo 東京", None)
    packed = listing._pack((1, 2, 3), summary)
    assert isinstance(packed, bytes)
    assert len(packed) < 100
    assert listing._unpack(packed) == ((1, 2, 3), summary)
    assert listing._unpack(listing._pack((4, 5, 6), None)) == ((4, 5, 6), None)


def test_later_pages_read_on_from_the_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first page stats every file; a page with a cursor stats only the
    files it looks at (while no folder changes), and lists the same."""
    for n in range(12):
        _, path = write_rollout(tmp_path, f"2025-03-{n % 3 + 1:02d}T10-{n:02d}-00", prompt=f"m{n}")
        set_mtime(path, n)
    for folder in (tmp_path / "sessions").rglob("*"):
        if folder.is_dir():
            age(folder)
    index = index_for(tmp_path)
    items, last = index.page(3, None)
    assert [i.summary.preview for i in items] == ["m11", "m10", "m9"]
    stats: list[str] = []
    real_stat = os.stat

    def counting_stat(path: str, *args: object, **kw: object) -> os.stat_result:
        if str(path).endswith(".jsonl"):
            stats.append(str(path))
        return real_stat(path, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", counting_stat)
    items, _ = index.page(3, last)
    assert [i.summary.preview for i in items] == ["m8", "m7", "m6"]
    assert len(stats) == 3


def test_a_file_with_an_old_mtime_appearing_between_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(update_order, "RECHECK_SECONDS", 0.0)
    for n in range(4):
        _, path = write_rollout(tmp_path, f"2025-03-01T10-0{n}-00", prompt=f"m{n}")
        set_mtime(path, n * 10)
    index = index_for(tmp_path)
    _, last = index.page(2, None)
    # copied in with its mtime kept: the folder changed, the order is taken again
    _, copied = write_rollout(tmp_path, "2025-03-01T09-00-00", prompt="copied")
    set_mtime(copied, 5)
    items, _ = index.page(5, last)
    assert [i.summary.preview for i in items] == ["m1", "copied", "m0"]


def test_odd_file_names_in_the_snapshot(tmp_path: Path) -> None:
    upper = str(uuid.uuid4()).upper()
    _, path = write_rollout(tmp_path, "2025-03-01T10-00-00", conversation_id=upper, prompt="up")
    set_mtime(path, 1)
    _, other = write_rollout(tmp_path, "2025-03-01T11-00-00", prompt="plain")
    set_mtime(other, 2)
    index = index_for(tmp_path)
    _, last = index.page(1, None)
    items, _ = index.page(5, last)
    assert [(i.path, i.summary.preview) for i in items] == [(str(path), "up")]


def test_thread_pages_by_creation_across_folders(tmp_path: Path) -> None:
    """`thread/list` by creation reads folders lazily, yet pages through the
    same order as a sort of every file, a misplaced file included."""
    from app_server.conversations.thread_store import ThreadCatalog, ThreadFilter
    from app_server_protocol.v2.threads import ThreadSortKey

    expected: list[tuple[str, str]] = []
    for n in range(14):
        ts = f"2025-03-{n % 4 + 1:02d}T1{n % 10}-00-{n:02d}"
        cid, _ = write_rollout(tmp_path, ts, prompt=f"m{n}")
        expected.append((ts, cid))
    # named for another day than its folder's
    cid = str(uuid.uuid4())
    folder = tmp_path / "sessions" / "2025" / "03" / "02"
    misplaced = folder / f"rollout-2025-03-09T00-00-00-{cid}.jsonl"
    misplaced.write_bytes(lines_bytes(list(conversation_lines(cid, "misplaced"))))
    expected.append(("2025-03-09T00-00-00", cid))
    # names that are no rollout's, yet look like one to a glance at their time
    (folder / f"rollout-2025-03-99T00-00-00-{uuid.uuid4()}.jsonl").write_bytes(b"")
    (tmp_path / "sessions" / "2025" / "03" / "03" / "rollout-notes.jsonl").write_bytes(b"")
    expected.sort(reverse=True)
    catalog = ThreadCatalog(tmp_path / "sessions", tmp_path / "archived_sessions")
    everyone = ThreadFilter(
        providers=None, default_provider="openai", source_kinds=None, cwd=None, search_term=None
    )
    listed: list[str] = []
    cursor: str | None = None
    for _ in range(20):
        page, cursor = catalog.page(
            archived=False,
            sort_key=ThreadSortKey.CREATED_AT,
            cursor=cursor,
            limit=4,
            thread_filter=everyone,
            names={},
        )
        listed += [summary.id for summary in page]
        if cursor is None:
            break
    assert listed == [cid for _, cid in expected]


def test_later_pages_go_on_a_recent_folder_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page asked with a cursor may use the folders' order taken for the
    page before, if it is recent (`_FOLDER_ORDER_SECONDS`): a file added
    meanwhile to an older folder shows once that order is older; a first
    page always takes it anew."""
    from app_server.conversations import thread_store
    from app_server.conversations.thread_store import ThreadCatalog, ThreadFilter

    ids = [write_rollout(tmp_path, f"2025-03-0{day}T10-00-00", prompt="m")[0] for day in (5, 6)]
    catalog = ThreadCatalog(tmp_path / "sessions", tmp_path / "archived_sessions")
    everyone = ThreadFilter(
        providers=None, default_provider="openai", source_kinds=None, cwd=None, search_term=None
    )

    def page(cursor: str | None) -> tuple[list[str], str | None]:
        summaries, next_cursor = catalog.page(
            archived=False,
            sort_key="created_at",
            cursor=cursor,
            limit=1,
            thread_filter=everyone,
            names={},
        )
        return [summary.id for summary in summaries], next_cursor

    monkeypatch.setattr(thread_store, "_FOLDER_ORDER_SECONDS", 3600.0)
    first, cursor = page(None)
    assert first == [ids[1]]
    older, _ = write_rollout(tmp_path, "2025-03-01T10-00-00", prompt="m")
    assert page(cursor) == ([ids[0]], None)  # the order of the first page, kept
    monkeypatch.setattr(thread_store, "_FOLDER_ORDER_SECONDS", 0.0)
    second, cursor = page(cursor)
    assert second == [ids[0]] and page(cursor) == ([older], None)
    newest, _ = write_rollout(tmp_path, "2025-03-09T10-00-00", prompt="m")
    monkeypatch.setattr(thread_store, "_FOLDER_ORDER_SECONDS", 3600.0)
    assert page(None)[0] == [newest]
