#!/usr/bin/env python3
"""How listing and fuzzy search scale: time and memory of a daemon per size.

Builds the fixtures once (kept under ``--fixtures``, by default
``/tmp/scale-bench``, and reused by later runs): ``N`` rollout files in a
``CODEX_HOME``, and trees of ``N`` empty files with a ``.gitignore``. Then,
for every size and run, starts a fresh daemon over stdio and measures:

* ``list``: paging through every conversation with ``listConversations``
  (``pageSize`` 100): time, items listed, resident memory afterwards;
* ``fuzzy``: ``fuzzyFileSearch`` on the tree: the first query (after one
  on an empty folder, so that code loading is not counted), the median of
  the later ones, and the daemon's peak resident memory.

Times are wall clock (``_s``) and the daemon's CPU time (``cpu_s``, all its
threads: a parallel daemon may use more than the wall time), the latter
telling more on a busy machine. Given several ``--server``, the daemons run
in turn for each size and run, so that they meet the same load.

Each daemon is left alone for ``--settle`` seconds after the handshake, so
that its startup (loading code) is not counted in the first request.

The daemon is ours (``python -m app_server``) unless ``--server`` gives
another command line, the reference for instance::

    .venv/bin/python tools/scale_bench.py
    .venv/bin/python tools/scale_bench.py \\
        --server "$(/work/shared/tools/reference-codex) app-server"
    .venv/bin/python tools/scale_bench.py --server "ours=.venv/bin/python -m app_server" \\
        --server "reference=$(/work/shared/tools/reference-codex) app-server"
    .venv/bin/python tools/scale_bench.py --rollouts 1000 --files 10000 --runs 1

Memory is read from ``/proc/<pid>/status`` (VmRSS, VmHWM), so the command
must exec the daemon itself rather than run it as a child (Linux only).
The daemon gets an offline environment: nothing it might contact answers.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

UNREACHABLE = "http://127.0.0.1:9"
DEFAULT_FIXTURES = Path(tempfile.gettempdir()) / "scale-bench"
PAGE_SIZE = 100
ROLLOUTS_PER_DAY = 40
FILES_PER_DIR = 16
SUBDIRS_PER_DIR = 12
FIRST_QUERY = "handler"
LATER_QUERIES = ("srvcfg", "main.rs", "tstmodel", "api view", "utl_7")
DIR_WORDS = (
    "src", "core", "api", "tests", "models", "views", "utils", "services",
    "config", "static", "scripts", "lib",
)  # fmt: skip
FILE_WORDS = (
    "handler", "router", "config", "model", "parser", "server", "client",
    "button", "session", "layout", "invoice", "lexer", "worker", "main",
)  # fmt: skip
EXTENSIONS = (".rs", ".py", ".ts", ".tsx", ".go", ".json", ".md")
IGNORED = "*.log\n/build/\n"
ENVIRONMENT = "<environment_context>\n  <cwd>/home/user/project</cwd>\n</environment_context>"
INSTRUCTIONS = "You are a coding agent. " * 40


# -- fixtures -------------------------------------------------------------------


def _complete(folder: Path) -> bool:
    return (folder / ".bench-complete").exists()


def _mark_complete(folder: Path) -> None:
    (folder / ".bench-complete").write_text("")


def _rollout_lines(conversation_id: str, ts: str, prompt: str, extra_turns: int) -> str:
    meta = {
        "id": conversation_id,
        "timestamp": ts,
        "cwd": "/home/user/project",
        "originator": "codex_cli_rs",
        "cli_version": "0.107.0",
        "source": "vscode",
        "model_provider": "openai",
        "base_instructions": {"text": INSTRUCTIONS},
    }

    def record(kind: str, payload: dict[str, Any]) -> str:
        return json.dumps({"timestamp": ts, "type": kind, "payload": payload})

    def message(role: str, kind: str, text: str) -> str:
        content = [{"type": kind, "text": text}]
        return record("response_item", {"type": "message", "role": role, "content": content})

    lines = [
        record("session_meta", meta),
        message("user", "input_text", ENVIRONMENT),
        message("user", "input_text", prompt),
        record("event_msg", {"type": "user_message", "message": prompt, "images": []}),
        message("assistant", "output_text", "Sure."),
    ]
    for turn in range(extra_turns):
        lines.append(message("user", "input_text", f"follow-up {turn}"))
        lines.append(message("assistant", "output_text", f"answer {turn} " * 20))
    return "\n".join(lines) + "\n"


def build_rollouts(fixtures: Path, count: int, long_thread: int) -> Path:
    """A ``CODEX_HOME`` with ``count`` conversations, 40 a day; with
    ``long_thread`` > 0, the newest one has that many more turns."""
    home = fixtures / (f"rollouts-{count}" + (f"-long{long_thread}" if long_thread else ""))
    if _complete(home):
        return home
    rnd = random.Random(count)
    start = datetime(2020, 1, 1, 8, 0, 0)
    for n in range(count):
        moment = start + timedelta(days=n // ROLLOUTS_PER_DAY, minutes=20 * (n % ROLLOUTS_PER_DAY))
        folder = home / "sessions" / moment.strftime("%Y/%m/%d")
        if n % ROLLOUTS_PER_DAY == 0:
            folder.mkdir(parents=True, exist_ok=True)
        conversation_id = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
        name = f"rollout-{moment.strftime('%Y-%m-%dT%H-%M-%S')}-{conversation_id}.jsonl"
        ts = moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        turns = long_thread if n == count - 1 else 0
        text = _rollout_lines(conversation_id, ts, f"task number {n}: fix the build", turns)
        (folder / name).write_text(text)
    _mark_complete(home)
    return home


def _tree_path(index: int) -> str:
    """The relative path of the tree's file number ``index``: 16 files per
    folder, 12 subfolders per folder, as deep as the count needs."""
    folder = index // FILES_PER_DIR
    parts: list[str] = []
    level = 0
    while True:
        folder, digit = divmod(folder, SUBDIRS_PER_DIR)
        parts.append(f"{DIR_WORDS[digit]}_{level}" if level % 2 else DIR_WORDS[digit])
        level += 1
        if folder == 0:
            break
    word = FILE_WORDS[index % len(FILE_WORDS)]
    name = f"{word}_{index}{EXTENSIONS[index % len(EXTENSIONS)]}"
    return "/".join([*reversed(parts), name])


def build_tree(fixtures: Path, count: int) -> Path:
    """``count`` empty files (plus a few that the ``.gitignore`` leaves out)."""
    root = fixtures / f"tree-{count}"
    if _complete(root):
        return root
    root.mkdir(parents=True, exist_ok=True)
    (root / ".gitignore").write_text(IGNORED)
    made: set[str] = set()
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    for index in range(count):
        rel = _tree_path(index)
        folder, _, _ = rel.rpartition("/")
        if folder not in made:
            (root / folder).mkdir(parents=True, exist_ok=True)
            made.add(folder)
            os.close(os.open(root / folder / "debug.log", flags, 0o644))
        os.close(os.open(root / rel, flags, 0o644))
    (root / "build").mkdir(exist_ok=True)
    for index in range(100):
        os.close(os.open(root / "build" / f"handler_{index}.rs", flags, 0o644))
    _mark_complete(root)
    return root


# -- the daemon -----------------------------------------------------------------


class Daemon:
    """One daemon process driven over stdio with JSON-RPC lines."""

    def __init__(self, command: list[str], codex_home: Path, cwd: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEX_", "OPENAI_"))}
        env.update(
            CODEX_HOME=str(codex_home),
            OPENAI_BASE_URL=f"{UNREACHABLE}/v1",
            CODEX_APP_SERVER_LOGIN_ISSUER=UNREACHABLE,
            CODEX_REFRESH_TOKEN_URL_OVERRIDE=f"{UNREACHABLE}/oauth/token",
            CODEX_APP_SERVER_LOGIN_PORT="0",
            NO_COLOR="1",
        )
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
        )
        self._next_id = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict) and "method" not in message and "id" in message:
                with self._cond:
                    self._replies[message["id"]] = message
                    self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: Any, timeout: float = 600.0) -> Any:
        self._next_id += 1
        request_id = self._next_id
        self._send({"id": request_id, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        with self._cond:
            while request_id not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise RuntimeError(f"{method}: no answer (daemon exit {self.proc.poll()})")
                self._cond.wait(min(left, 1.0))
            reply = self._replies.pop(request_id)
        if "error" in reply:
            raise RuntimeError(f"{method} failed: {reply['error']}")
        return reply["result"]

    def initialize(self) -> None:
        client = {"name": "scale-bench", "title": None, "version": "0.0.0"}
        self.request("initialize", {"clientInfo": client})
        self._send({"method": "initialized"})

    def cpu_seconds(self) -> float:
        """User and system time the daemon used so far (all its threads)."""
        with open(f"/proc/{self.proc.pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def memory_mb(self) -> tuple[float, float]:
        """(resident now, peak resident) in MB."""
        values: dict[str, float] = {}
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0]) / 1024
        return values["VmRSS"], values["VmHWM"]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# -- workloads ------------------------------------------------------------------


@dataclass
class Sample:
    workload: str
    size: int
    values: dict[str, float] = field(default_factory=dict)


def measure_listing(daemon: Daemon, size: int) -> Sample:
    cpu = daemon.cpu_seconds()
    started = time.perf_counter()
    cursor: str | None = None
    items = 0
    while True:
        params: dict[str, Any] = {"pageSize": PAGE_SIZE}
        if cursor is not None:
            params["cursor"] = cursor
        page = daemon.request("listConversations", params)
        items += len(page["items"])
        cursor = page.get("nextCursor")
        if not cursor or not page["items"]:
            break
    seconds = time.perf_counter() - started
    cpu = daemon.cpu_seconds() - cpu
    rss, peak = daemon.memory_mb()
    values = {
        "wall_s": seconds,
        "cpu_s": cpu,
        "items": float(items),
        "rss_mb": rss,
        "peak_mb": peak,
    }
    return Sample("list", size, values)


def _search(daemon: Daemon, root: Path, query: str) -> tuple[float, int]:
    started = time.perf_counter()
    found = daemon.request(
        "fuzzyFileSearch", {"query": query, "roots": [str(root)], "cancellationToken": None}
    )
    return time.perf_counter() - started, len(found["files"])


def measure_fuzzy(daemon: Daemon, size: int, root: Path) -> Sample:
    # A search of an empty folder first: a daemon that loads its code after
    # the handshake, in the background, has then loaded it (a settle time
    # is not always enough on a busy machine), and the first search of the
    # tree measures that search alone.
    with tempfile.TemporaryDirectory() as empty:
        _search(daemon, Path(empty), FIRST_QUERY)
    cpu = daemon.cpu_seconds()
    first, found = _search(daemon, root, FIRST_QUERY)
    first_cpu = daemon.cpu_seconds() - cpu
    later = []
    later_cpu = []
    for query in LATER_QUERIES:
        cpu = daemon.cpu_seconds()
        later.append(_search(daemon, root, query)[0])
        later_cpu.append(daemon.cpu_seconds() - cpu)
    rss, peak = daemon.memory_mb()
    return Sample(
        "fuzzy",
        size,
        {
            "first_s": first,
            "first_cpu_s": first_cpu,
            "later_median_s": statistics.median(later),
            "later_median_cpu_s": statistics.median(later_cpu),
            "found": float(found),
            "rss_mb": rss,
            "peak_mb": peak,
        },
    )


# -- driver ---------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    parts = [part.replace("k", "000").replace("M", "000000") for part in text.split(",")]
    return [int(part) for part in parts if part]


def _run(
    command: list[str],
    home: Path,
    cwd: Path,
    settle: float,
    measure: Callable[[Daemon], Sample],
) -> Sample:
    daemon = Daemon(command, home, cwd)
    try:
        daemon.initialize()
        time.sleep(settle)
        return measure(daemon)
    finally:
        daemon.close()


def _format(values: dict[str, float]) -> str:
    return "  ".join(
        f"{k}={v:.3f}" if k.endswith("_s") else f"{k}={v:.0f}" for k, v in values.items()
    )


def _server(text: str) -> tuple[str, list[str]]:
    """``[LABEL=]COMMAND``: a label and a command line."""
    label, sep, command = text.partition("=")
    if not (sep and label.isidentifier()):
        label, command = "", text
    words = shlex.split(command)
    if "/" in words[0]:  # the daemons run elsewhere
        words[0] = os.path.abspath(words[0])
    return label or Path(words[0]).name, words


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--server",
        action="append",
        help="[LABEL=]COMMAND of a daemon; repeat it to compare daemons, run in"
        " turn for every size and run (default: ours, from this interpreter)",
    )
    parser.add_argument("--rollouts", default="10k,30k,100k", help="listing sizes ('' skips)")
    parser.add_argument("--files", default="50k,200k,1M", help="tree sizes ('' skips)")
    parser.add_argument("--runs", type=int, default=2, help="fresh daemons per size")
    parser.add_argument("--long-thread", type=int, default=0, help="turns in the newest thread")
    parser.add_argument(
        "--settle",
        type=float,
        default=2.0,
        help="seconds to wait after the handshake, so that startup is not measured",
    )
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    args = parser.parse_args(argv)
    servers = [
        _server(text)
        for text in args.server or [f"ours={shlex.quote(sys.executable)} -m app_server"]
    ]
    args.fixtures.mkdir(parents=True, exist_ok=True)
    samples: list[tuple[str, Sample]] = []
    with tempfile.TemporaryDirectory(prefix="scale-bench-home-") as scratch:
        empty_home = Path(scratch)
        jobs: list[tuple[str, int, Path, Path, Callable[[Daemon], Sample]]] = []
        for size in _sizes(args.rollouts):
            home = build_rollouts(args.fixtures, size, args.long_thread)
            jobs.append(("list", size, home, home, functools.partial(measure_listing, size=size)))
        for size in _sizes(args.files):
            tree = build_tree(args.fixtures, size)
            fuzzy = functools.partial(measure_fuzzy, size=size, root=tree)
            jobs.append(("fuzzy", size, empty_home, tree, fuzzy))
        for workload, size, home, cwd, job in jobs:
            for run in range(args.runs):
                for label, command in servers:
                    sample = _run(command, home, cwd, args.settle, job)
                    values = _format(sample.values)
                    print(
                        f"{label:<10} {workload:<5} n={size:>8} run={run + 1}  {values}", flush=True
                    )
                    samples.append((label, sample))
    print()
    labels = [label for label, _ in servers]
    print("| workload | size | metric | " + " | ".join(labels) + " |")
    print("|---|---|---|" + "---|" * len(labels))
    groups: dict[tuple[str, int], dict[str, list[Sample]]] = {}
    for label, sample in samples:
        by_label = groups.setdefault((sample.workload, sample.size), {})
        by_label.setdefault(label, []).append(sample)
    for (workload, size), by_label in groups.items():
        keys = next(iter(by_label.values()))[0].values
        for key in keys:
            cells = []
            for label in labels:
                mean = statistics.mean(s.values[key] for s in by_label.get(label, []))
                cells.append(f"{mean:.3f}" if key.endswith("_s") else f"{mean:.0f}")
            print(f"| {workload} | {size} | {key} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
