"""Ranking rules in-process: scores and positions against the reference's,
and the search's shortcuts (upper bounds) against scoring every path."""

from __future__ import annotations

import heapq
import random
import threading
from pathlib import Path

import pytest

from app_server.search import service
from app_server.search.index import FileIndex
from app_server.search.matcher import matcher_text, parse_query, score_path

# (query, path, score, indices) as the reference (codex 0.107.0) answered
# them (recorded with the binary, each path alone in a root).
REFERENCE = [
    ("handler", "core_76/static/handler_client.css", 184, [15, 16, 17, 18, 19, 20, 21]),
    (
        "srvcfg",
        "static/plugins/widgets/server/config/internal/invoice.yaml",
        112,
        [23, 25, 26, 30, 33, 35],
    ),
    (
        "srvcfg",
        "services_86/widgets/templates/auth/src_14/views_17/config_layout.toml",
        117,
        [35, 36, 42, 51, 54, 56],
    ),
    (
        "fuzzy_match.rs",
        "api_7/static_9/scripts/fuzzy_match_router.rs",
        347,
        [23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 41, 42, 43],
    ),
    (
        "tstpars",
        "cmd_89/templates/storage/parser_86/auth/tests/router_session.json",
        165,
        [7, 17, 18, 25, 26, 27, 28],
    ),
    (
        "compbtn",
        "lib_31/config_18/templates_17/db_52/components_58/button.tsx",
        147,
        [36, 37, 38, 39, 50, 52, 55],
    ),
    ("h", "core_76/models/api_14/helpers.sh", 34, [22]),
    (
        "hand ler",
        "cmd_89/config_87/assets_4/codegen/handlers_39/lexer.h",
        180,
        [34, 35, 36, 37, 46, 47, 50],
    ),
    (
        "src/main",
        "lib_31/static/services_67/tests/parser_2/src/ast_main.txt",
        199,
        [41, 42, 43, 44, 49, 50, 51, 52],
    ),
    ("a", "api_7/plugins/worker_order.c", 34, [0]),
    (
        "mod.rs",
        "lib_31/tests/scripts_93/utils_69/utils_85/services_64/test_modal.rs",
        148,
        [59, 60, 61, 64, 65, 66],
    ),
    ("cfg", "lib_31/tests/scripts_93/auth/codegen/lib/config954.go", 62, [41, 44, 51]),
    ("ts", "core_76/models/api_14/transport_model.ts", 56, [38, 39]),
    ("test", "core_76/models/api_14/test_parser.h", 109, [22, 23, 24, 25]),
    # Smart case, accents, escaped spaces, non-delimiters, camel humps, digits.
    ("naive", "naïve.RS", 134, [0, 1, 2, 3, 4]),
    ("ünï", "Ünïcode", 84, [0, 1, 2]),
    ("key:v", "key:val.py", 134, [0, 1, 2, 3, 4]),
    ("CaseName", "dCamelCaseName/Foo2", 173, [6, 7, 8, 9, 10, 11, 12, 13]),
    ("x1", "x1y2.RS", 59, [0, 1]),
    ("my\\ file", "my file.RS", 184, [0, 1, 2, 3, 4, 5, 6]),
    ("東", "東京.RS", 34, [0]),
    # Graphemes count once where some character is not ASCII.
    ("ecole", "dBazQux/dCamelCaseName/dëlan/école.RS", 134, [29, 30, 31, 32, 33]),
    ("y", "éy.py", 16, [1]),
    ("w", "東京w.py", 16, [2]),
    ("x", "éx.py", 16, [1]),
    ("x", "ab́́cx.py", 16, [3]),
    ("z", "a\u200db z.py", 32, [3]),
    # One character in a path read as characters: the class before an
    # occurrence is taken from the previous occurrence.
    ("東", "dtab\tname/d東京/dmy file/東京", 16, [11]),
    # fzf's marks: ^prefix, 'substring, suffix$, ^exact$, !negation, escapes.
    # A substring stops at the first occurrence with a boundary bonus.
    ("^src", "src/app/main.py", 84, [0, 1, 2]),
    ("'main", "docs/main.md", 109, [5, 6, 7, 8]),
    ("main$", "src/main", 109, [4, 5, 6, 7]),
    ("^main.c$", "main.c", 159, [0, 1, 2, 3, 4, 5]),
    ("'ma_in", "x/ma_in_ma_in.c", 134, [2, 3, 4, 5, 6]),
    ("!test main", "src/main.rs", 109, [4, 5, 6, 7]),
    ("^Src", "Src/x.c", 84, [0, 1, 2]),
    ("^Src", "Src", 84, [0, 1, 2]),
    ("rs$ src", "src/lib.rs", 140, [0, 1, 2, 8, 9]),
    ("\\^x", "a^x", 56, [1, 2]),
    ("x\\$", "x$y", 59, [0, 1]),
    ("'b", "a_b/b", 32, [2]),
    # Only '/' is a delimiter; whitespace is a plain boundary.
    ("main", "docs,v/main|x", 109, [7, 8, 9, 10]),
    ("a b", "a b", 66, [0, 2]),
    ("my", "my file.RS", 59, [0, 1]),
    ("'ain", "x_ain/ain", 80, [2, 3, 4]),
]


@pytest.mark.parametrize(("query", "path", "score", "indices"), REFERENCE)
def test_scores_and_positions_are_the_references(
    query: str, path: str, score: int, indices: list[int]
) -> None:
    assert score_path(parse_query(query), matcher_text(path), True) == (score, indices)


def test_queries_that_match_nothing() -> None:
    assert score_path(parse_query("Handler"), "src/handler.rs", False) is None
    assert score_path(parse_query("zz"), "src/handler.rs", False) is None
    assert score_path(parse_query("handler.rs.x"), "handler.rs", False) is None


WORDS = [
    "Foo",
    "bar",
    "BazQux",
    "my file",
    "naïve",
    "x1y2",
    "__init__",
    "a-b-c",
    ".hidden",
    "CamelCaseName",
    "snake_case_name",
    "v2.0",
    "data,set",
    "key:val",
    "東京",
    "e\u0301cole",
    "README.md",
    "src",
    "lib",
    "handler",
    "test_parser",
]


def _odd_tree(root: Path, rnd: random.Random) -> None:
    for _ in range(1200):
        folder = root.joinpath(*(rnd.choice(WORDS) + "d" for _ in range(rnd.randint(0, 3))))
        folder.mkdir(parents=True, exist_ok=True)
        name = rnd.choice(WORDS) + rnd.choice(["", ".py", ".RS", ".txt", "2"])
        (folder / name).write_text("")


def test_bounds_never_change_the_ranking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shortcuts (upper bounds) must give exactly what scoring every path gives."""
    rnd = random.Random(7)
    _odd_tree(tmp_path, rnd)
    snapshot = FileIndex(str(tmp_path)).snapshot()
    never = threading.Event()
    queries = []
    for _ in range(150):
        text = rnd.choice(snapshot.texts)
        picks = sorted(rnd.sample(range(len(text)), min(rnd.randint(1, 6), len(text))))
        query = "".join(text[i] for i in picks)
        if rnd.random() < 0.3:
            query = text[picks[0] : picks[0] + rnd.randint(1, 6)]
        if rnd.random() < 0.1:
            query = query.upper()
        if rnd.random() < 0.15:
            query = query[:2] + " " + query[2:]
        if rnd.random() < 0.1:
            query = rnd.choice(["^", "'", "!", ""]) + query + rnd.choice(["$", ""])
        queries.append(query)
    for query in queries:
        atoms = parse_query(query)
        everything = []
        for i, text in enumerate(snapshot.texts):
            found = score_path(atoms, text, False)
            if found is not None:
                everything.append((-found[0], len(text), snapshot.paths[i]))
        # The best score, then the shortest path, then the smallest.
        expected = [(-s, p) for s, _, p in heapq.nsmallest(service.MATCH_LIMIT, everything)]
        for threshold in (0, 10**9):  # always bounded, never bounded
            monkeypatch.setattr(service, "_SCORE_ALL_BELOW", threshold)
            got = service._search_chunk(snapshot, atoms, never)
            assert [(s, p) for s, p, _ in got] == expected, query
