"""The kept listing of a search root in-process: chunks in path order, a
walk that stops and resumes, revalidation, and ignore rules applied a
directory at a time."""

from __future__ import annotations

import heapq
import os
import random
import threading
import time
from pathlib import Path

import pytest

from app_server.search import index as index_module
from app_server.search import service
from app_server.search.ignore import Matcher, Rules, _any_line, matcher_of
from app_server.search.index import Chunk, FileIndex
from app_server.search.matcher import matcher_text, parse_query, score_path
from tests.test_search_ranking import _odd_tree


def _listed(root: Path) -> list[str]:
    """Every file a fresh index lists, in order."""
    chunks: list[Chunk] = []
    assert FileIndex(str(root)).visit(chunks.append, threading.Event())
    return [p for chunk in chunks for p in chunk.paths]


def _expected(roots: list[Path], query: str) -> list[tuple[str, str, int, list[int]]]:
    """The best 50 by scoring every file of every root: the best score,
    then the shortest path, then the smallest; answered by score and path."""
    atoms = parse_query(query)
    everything = []
    for order, root in enumerate(roots):
        for path in _listed(root):
            text = matcher_text(path)
            found = score_path(atoms, text, True)
            if found is not None:
                everything.append((-found[0], len(text), path, order, found[1]))
    best = heapq.nsmallest(service.MATCH_LIMIT, everything, key=lambda e: e[:4])
    best.sort(key=lambda e: (e[0], e[2], e[3]))
    return [(str(roots[order]), path, -score, ix) for score, _, path, order, ix in best]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "CHUNK_CHARS", 300)


def test_the_walk_lists_in_path_order(tmp_path: Path, small_chunks: None) -> None:
    rnd = random.Random(3)
    _odd_tree(tmp_path, rnd)
    # Names that sort around '/' ('-' and '.' before it, '0' after it).
    for name in ("a", "a-b", "a.b", "a0", "a/b", "a/b-c/d", "a/b.c", "a/b/c"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        if not (tmp_path / name).exists():
            (tmp_path / name).mkdir()
        (tmp_path / name / "f").write_text("")
    chunks: list[Chunk] = []
    FileIndex(str(tmp_path)).visit(chunks.append, threading.Event())
    assert len(chunks) > 10
    paths = [p for chunk in chunks for p in chunk.paths]
    assert paths == sorted(paths)
    on_disk = sorted(
        os.path.relpath(os.path.join(d, f), tmp_path) for d, _, fs in os.walk(tmp_path) for f in fs
    )
    assert paths == on_disk


def test_chunks_rank_as_one_listing(tmp_path: Path, small_chunks: None) -> None:
    rnd = random.Random(11)
    first, second = tmp_path / "one", tmp_path / "two"
    _odd_tree(first, rnd)
    _odd_tree(second, rnd)
    search = service.FileSearch()
    never = threading.Event()
    queries = ["a", "e", "hand", "py", "src lib", "BazQux", "nme", "x1", "d/", "東"]
    for query in queries:
        got = search.search_blocking(query, [str(first), str(second)], never)
        expected = _expected([first, second], query)
        assert [(m.root, m.path, m.score, m.indices) for m in got] == expected, query


def test_ties_at_the_fiftieth_keep_the_shortest_then_smallest_paths(
    tmp_path: Path, small_chunks: None
) -> None:
    for n in reversed(range(120)):
        (tmp_path / f"dir{n % 7}").mkdir(exist_ok=True)
        (tmp_path / f"dir{n % 7}" / f"same_{n:03}.txt").write_text("")
        (tmp_path / f"dir{n % 7}" / f"same_{n:03}.text").write_text("")
    got = service.FileSearch().search_blocking("same", [str(tmp_path)], threading.Event())
    kept = sorted(_listed(tmp_path), key=lambda p: (len(p), p))[:50]
    assert all(p.endswith(".txt") for p in kept)
    assert [m.path for m in got] == sorted(kept)


def test_a_cancelled_walk_resumes_where_it_stopped(
    tmp_path: Path, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _odd_tree(tmp_path, random.Random(5))
    listed: list[str] = []
    real_list = FileIndex._list

    def counting_list(self: FileIndex, rel: str, rules: Rules) -> object:
        listed.append(rel)
        return real_list(self, rel, rules)

    monkeypatch.setattr(FileIndex, "_list", counting_list)
    file_index = FileIndex(str(tmp_path))
    cancelled = threading.Event()
    seen: list[Chunk] = []

    def consume(chunk: Chunk) -> None:
        seen.append(chunk)
        if len(seen) == 3:
            cancelled.set()

    assert not file_index.visit(consume, cancelled)
    assert len(seen) == 3
    walked = len(listed)
    chunks: list[Chunk] = []
    assert file_index.visit(chunks.append, threading.Event())
    assert [c.text for c in chunks[:3]] == [c.text for c in seen]
    assert len(listed) == len(set(listed))  # no directory listed twice
    assert len(listed) > walked
    assert [p for c in chunks for p in c.paths] == _listed(tmp_path)


def _age(root: Path) -> None:
    past = time.time() - 10
    for folder, _, _ in os.walk(root):
        os.utime(folder, (past, past))


def test_the_kept_listing_follows_changes(tmp_path: Path, small_chunks: None) -> None:
    _odd_tree(tmp_path, random.Random(9))
    _age(tmp_path)
    file_index = FileIndex(str(tmp_path))

    def current() -> list[str]:
        chunks: list[Chunk] = []
        assert file_index.visit(chunks.append, threading.Event())
        return [p for c in chunks for p in c.paths]

    assert current() == _listed(tmp_path)
    assert current() == _listed(tmp_path)  # unchanged: the same chunks
    some_dir = next(p for p in sorted(tmp_path.rglob("*")) if p.is_dir() and any(p.iterdir()))
    (some_dir / "new_file.py").write_text("")
    (tmp_path / "brand" / "new").mkdir(parents=True)
    (tmp_path / "brand" / "new" / "deep.txt").write_text("")
    assert current() == _listed(tmp_path)
    victim = next(p for p in sorted(tmp_path.rglob("*")) if p.is_dir() and p != some_dir)
    for folder, dirs, files in os.walk(victim, topdown=False):
        for f in files:
            os.unlink(os.path.join(folder, f))
        for d in dirs:
            os.rmdir(os.path.join(folder, d))
    os.rmdir(victim)
    assert current() == _listed(tmp_path)
    (tmp_path / ".gitignore").write_text("*.py\n")
    assert current() == _listed(tmp_path)
    assert not any(p.endswith(".py") for p in current())


PATTERNS = [
    "*.log",
    "!keep.log",
    "build/",
    "/rooted",
    "a/**/b",
    "foo",
    "!foo/",
    "name with space",
    "deep/er/",
    "[ab]?.txt",
    "x\\ y",
]


def test_rules_keep_agrees_with_asking_about_each_path(tmp_path: Path) -> None:
    rnd = random.Random(1)
    names = [
        "keep.log",
        "drop.log",
        "build",
        "rooted",
        "b",
        "foo",
        "name with space",
        "ab.txt",
        "a1.txt",
        "er",
        "x y",
        "line\nbreak.log",
        "plain.rs",
        ".hidden",
        "é.log",
    ]
    prefixes = ["", "a/", "a/c/", "deep/", "src/deep/", "rooted/"]
    for trial in range(40):
        matchers = []
        for depth in range(rnd.randint(1, 3)):
            lines = rnd.sample(PATTERNS, rnd.randint(1, 5))
            from pathspec import GitIgnoreSpec

            spec = GitIgnoreSpec.from_lines(lines)
            strip = 0
            if depth == 1:
                strip = 2  # an ignore file in "a/"
            kind = rnd.randint(0, 3)
            if trial % 2:  # without the shortcuts
                matchers.append(Matcher(kind, depth, strip, "", spec, _any_line(spec)))
            else:
                matchers.append(matcher_of(spec, kind, depth, strip, ""))
        rules = Rules().with_matchers(matchers)
        for prefix in prefixes:
            if any(m.strip > len(prefix) for m in matchers):
                continue
            samples = []
            for is_dir in (False, True):
                sample = rnd.sample(names, rnd.randint(1, len(names)))
                kept = rules.keep(prefix, sample, is_dir)
                one_by_one = [n for n in sample if not rules.ignores(prefix + n, is_dir)]
                assert kept == one_by_one, (trial, prefix, is_dir, sample)
                samples.append((sample, one_by_one))
            (files, kept_files), (subdirs, kept_subdirs) = samples
            both = rules.keep_both(prefix, files, subdirs)
            assert both == (kept_files, kept_subdirs), (trial, prefix, files, subdirs)


def test_listings_beyond_the_memory_budget_are_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    roots = [tmp_path / name for name in ("one", "two", "three")]
    for root in roots:
        for n in range(30):
            (root / f"d{n % 3}").mkdir(parents=True, exist_ok=True)
            (root / f"d{n % 3}" / f"file_{n}.txt").write_text("")
    monkeypatch.setattr(service, "MAX_KEPT_CHARS", 1000)
    search = service.FileSearch()
    for root in roots:
        assert len(search.search_blocking("file", [str(root)], threading.Event())) == 30
    # Each listing holds 440 characters: the oldest went.
    assert list(search._indexes) == [str(roots[1]), str(roots[2])]
    assert len(search.search_blocking("file", [str(roots[0])], threading.Event())) == 30


def test_links_are_followed_but_not_round_in_circles(tmp_path: Path) -> None:
    # As the reference walks this tree: a link to a directory is walked
    # under its own name, a link to a file is a file, a broken link and a
    # link back to a directory above are left out.
    (tmp_path / "d/sub").mkdir(parents=True)
    (tmp_path / "d/sub/f.txt").write_text("")
    (tmp_path / "top.txt").write_text("")
    (tmp_path / "d/sub/loop").symlink_to("../..")
    (tmp_path / "broken").symlink_to(tmp_path / "nowhere")
    (tmp_path / "dlink").symlink_to("d")
    (tmp_path / "flink").symlink_to("top.txt")
    assert _listed(tmp_path) == ["d/sub/f.txt", "dlink/sub/f.txt", "flink", "top.txt"]
