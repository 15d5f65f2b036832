#!/usr/bin/env python3
"""How listing, long threads and fuzzy search scale: time and memory of a
daemon per size.

Builds the fixtures once (kept under ``--fixtures``, by default
``/tmp/scale-bench``, and reused by later runs): ``N`` rollout files in a
``CODEX_HOME``, one thread of ``T`` turns (each turn as 0.107.0 records it:
a command, a thought and an answer, with its turn context and token
counts), and trees of ``N`` empty files with a ``.gitignore``. Then, for
every size and run, starts a fresh daemon over stdio and measures:

* ``list`` / ``tlist``: paging through every conversation with v1
  ``listConversations`` / v2 ``thread/list`` (pages of 100): time, time a
  page, items listed, resident memory afterwards;
* ``read``: ``thread/read`` of the long thread with its turns;
* ``resume``: ``thread/resume`` of it (resident memory right after), then a
  first ``turn/start`` against a local mock model (``tests/mock_model_server``):
  its answer and its ``turn/completed``;
* ``v1resume``: v1 ``resumeConversation`` of the same rollout;
* ``fuzzy``: ``fuzzyFileSearch`` on the tree: the first query (after one
  on an empty folder, so that code loading is not counted), the median of
  the later ones, and the daemon's peak resident memory.

The thread workloads get a fresh ``CODEX_HOME`` each (a copy of the rollout,
since resuming appends to it, and a configuration naming the mock model).

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
    .venv/bin/python tools/scale_bench.py --workloads read,resume,v1resume --threads 1000

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
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.mock_model_server import MockModelServer

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


LONG_THREAD_ID = "01a23603-8c0d-7001-9d94-801a4a4c1e8f"
LONG_THREAD_DAY = datetime(2026, 1, 15, 9, 0, 0)
SKILLS = "## Skills\nA skill is a set of local instructions stored in a `SKILL.md` file. " * 36


def _long_thread_lines(turns: int) -> Iterator[str]:
    """A thread of ``turns`` turns as 0.107.0 records it: each turn, as in a
    session recorded from the binary, runs a command, thinks and answers."""
    start = LONG_THREAD_DAY
    cwd = "/home/user/project"

    def record(moment: datetime, kind: str, payload: dict[str, Any]) -> str:
        ts = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        line = {"timestamp": ts, "type": kind, "payload": payload}
        return json.dumps(line, separators=(",", ":")) + "\n"

    def message(role: str, kind: str, text: str) -> dict[str, Any]:
        return {"type": "message", "role": role, "content": [{"type": kind, "text": text}]}

    usage = {
        "input_tokens": 1200, "cached_input_tokens": 800, "output_tokens": 300,
        "reasoning_output_tokens": 64, "total_tokens": 1500,
    }  # fmt: skip
    token_count = {
        "type": "token_count",
        "info": {
            "total_token_usage": usage, "last_token_usage": usage,
            "model_context_window": 258400,
        },
        "rate_limits": {
            "limit_id": "codex", "limit_name": None, "primary": None, "secondary": None,
            "credits": None, "plan_type": None,
        },
    }  # fmt: skip
    meta = {
        "id": LONG_THREAD_ID,
        "timestamp": start.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "cwd": cwd,
        "originator": "codex_vscode",
        "cli_version": "0.107.0",
        "source": "vscode",
        "model_provider": "mock",
        "base_instructions": {"text": INSTRUCTIONS * 20},
    }
    yield record(start, "session_meta", meta)
    yield record(start, "response_item", message("developer", "input_text", INSTRUCTIONS))
    yield record(start, "response_item", message("user", "input_text", SKILLS))
    for turn in range(turns):
        moment = start + timedelta(seconds=30 * turn)
        turn_id = f"01a23603-8c73-78e2-b373-{turn:012x}"
        call_id = f"call_{turn}"
        prompt = f"Step {turn}: look at the failing test in module_{turn % 37}.py and fix it. " * 3
        answer = f"I changed module_{turn % 37}.py so that the test passes; " * 25
        output = json.dumps({"output": f"line {turn}\n" * 120, "metadata": {"exit_code": 0}})
        context = {
            "turn_id": turn_id, "cwd": cwd, "current_date": "2026-01-15",
            "timezone": "Etc/UTC", "approval_policy": "never",
            "sandbox_policy": {"type": "danger-full-access"}, "model": "mock-model",
            "personality": "pragmatic", "summary": "auto", "user_instructions": SKILLS,
            "truncation_policy": {"mode": "bytes", "limit": 10000},
        }  # fmt: skip
        started = {
            "type": "task_started", "turn_id": turn_id,
            "model_context_window": 258400, "collaboration_mode_kind": "default",
        }  # fmt: skip
        user_event = {
            "type": "user_message", "message": prompt,
            "images": [], "local_images": [], "text_elements": [],
        }  # fmt: skip
        call = {
            "type": "function_call", "name": "shell", "call_id": call_id,
            "arguments": json.dumps({"command": ["pytest", "-q", f"tests/test_{turn}.py"]}),
        }  # fmt: skip
        thought = f"Thinking about step {turn}."
        reasoning = {
            "type": "reasoning", "summary": [{"type": "summary_text", "text": thought}],
            "content": None, "encrypted_content": None,
        }  # fmt: skip
        yield record(moment, "event_msg", started)
        yield record(moment, "turn_context", context)
        yield record(moment, "response_item", message("user", "input_text", prompt))
        yield record(moment, "event_msg", user_event)
        yield record(moment, "event_msg", {**token_count, "info": None})
        yield record(moment, "response_item", call)
        yield record(moment, "event_msg", token_count)
        output_item = {"type": "function_call_output", "call_id": call_id, "output": output}
        yield record(moment, "response_item", output_item)
        yield record(moment, "event_msg", {"type": "agent_reasoning", "text": thought})
        yield record(moment, "response_item", reasoning)
        yield record(moment, "event_msg", {"type": "agent_message", "message": answer})
        yield record(moment, "response_item", message("assistant", "output_text", answer))
        yield record(moment, "event_msg", token_count)
        completed = {"type": "task_complete", "turn_id": turn_id, "last_agent_message": answer}
        yield record(moment, "event_msg", completed)


def build_long_thread(fixtures: Path, turns: int) -> Path:
    """A rollout file of one thread with ``turns`` turns (copied into a fresh
    ``CODEX_HOME`` for every daemon, since resuming appends to it)."""
    folder = fixtures / f"thread-{turns}"
    name = f"rollout-{LONG_THREAD_DAY.strftime('%Y-%m-%dT%H-%M-%S')}-{LONG_THREAD_ID}.jsonl"
    if _complete(folder):
        return folder / name
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / name, "w") as file:
        file.writelines(_long_thread_lines(turns))
    _mark_complete(folder)
    return folder / name


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
        self._notified: list[str] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if not isinstance(message, dict):
                continue
            if "method" not in message and "id" in message:
                with self._cond:
                    self._replies[message["id"]] = message
                    self._cond.notify_all()
            elif "method" in message and "id" not in message:
                with self._cond:
                    self._notified.append(str(message["method"]))
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

    def wait_notification(self, method: str, timeout: float = 600.0) -> None:
        """Wait until the daemon sends a ``method`` notification (one not
        waited for before)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while method not in self._notified:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise RuntimeError(f"no {method} (daemon exit {self.proc.poll()})")
                self._cond.wait(min(left, 1.0))
            self._notified.remove(method)

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


LIST_METHODS = {
    "list": ("listConversations", "pageSize", "items"),
    "tlist": ("thread/list", "limit", "data"),
}


def measure_listing(daemon: Daemon, size: int, workload: str = "list") -> Sample:
    """Page through every conversation: v1 ``listConversations`` (``list``)
    or v2 ``thread/list`` (``tlist``)."""
    method, size_key, items_key = LIST_METHODS[workload]
    cpu = daemon.cpu_seconds()
    started = time.perf_counter()
    cursor: str | None = None
    items = 0
    pages = 0
    while True:
        params: dict[str, Any] = {size_key: PAGE_SIZE}
        if cursor is not None:
            params["cursor"] = cursor
        page = daemon.request(method, params)
        pages += 1
        items += len(page[items_key])
        cursor = page.get("nextCursor")
        if not cursor or not page[items_key]:
            break
    seconds = time.perf_counter() - started
    cpu = daemon.cpu_seconds() - cpu
    rss, peak = daemon.memory_mb()
    values = {
        "wall_s": seconds,
        "cpu_s": cpu,
        "page_ms": 1000 * seconds / pages,
        "items": float(items),
        "rss_mb": rss,
        "peak_mb": peak,
    }
    return Sample(workload, size, values)


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


def fresh_thread_home(rollout: Path, mock_url: str) -> Path:
    """A new ``CODEX_HOME`` holding a copy of ``rollout`` and a configuration
    whose model provider is the local mock."""
    home = Path(tempfile.mkdtemp(prefix="scale-bench-thread-"))
    folder = home / "sessions" / LONG_THREAD_DAY.strftime("%Y/%m/%d")
    folder.mkdir(parents=True)
    shutil.copyfile(rollout, folder / rollout.name)
    (home / "config.toml").write_text(
        'model = "mock-model"\nmodel_provider = "mock"\napproval_policy = "never"\n'
        'sandbox_mode = "danger-full-access"\n\n[model_providers.mock]\n'
        f'name = "Mock provider"\nbase_url = "{mock_url}"\nwire_api = "responses"\n'
        "request_max_retries = 0\nstream_max_retries = 0\n"
    )
    return home


def _timed(daemon: Daemon, method: str, params: Any) -> tuple[Any, float, float]:
    """A request's result, wall time and the daemon's CPU time."""
    cpu = daemon.cpu_seconds()
    started = time.perf_counter()
    result = daemon.request(method, params)
    return result, time.perf_counter() - started, daemon.cpu_seconds() - cpu


def measure_thread_read(daemon: Daemon, size: int) -> Sample:
    params = {"threadId": LONG_THREAD_ID, "includeTurns": True}
    result, seconds, cpu = _timed(daemon, "thread/read", params)
    rss, peak = daemon.memory_mb()
    turns = float(len(result["thread"]["turns"]))
    values = {"wall_s": seconds, "cpu_s": cpu, "turns": turns, "rss_mb": rss, "peak_mb": peak}
    return Sample("read", size, values)


def measure_thread_resume(daemon: Daemon, size: int) -> Sample:
    result, seconds, cpu = _timed(daemon, "thread/resume", {"threadId": LONG_THREAD_ID})
    turns = float(len(result["thread"]["turns"]))
    rss_resumed, _ = daemon.memory_mb()
    turn_cpu = daemon.cpu_seconds()
    started = time.perf_counter()
    text = {"type": "text", "text": "one more thing", "text_elements": []}
    daemon.request("turn/start", {"threadId": LONG_THREAD_ID, "input": [text]})
    answered = time.perf_counter() - started
    daemon.wait_notification("turn/completed")
    completed = time.perf_counter() - started
    turn_cpu = daemon.cpu_seconds() - turn_cpu
    rss, peak = daemon.memory_mb()
    values = {
        "wall_s": seconds,
        "cpu_s": cpu,
        "turns": turns,
        "rss_mb": rss_resumed,
        "turn_start_s": answered,
        "turn_done_s": completed,
        "turn_cpu_s": turn_cpu,
        "rss_after_turn_mb": rss,
        "peak_mb": peak,
    }
    return Sample("resume", size, values)


def measure_v1_resume(daemon: Daemon, size: int, rollout: Path) -> Sample:
    params = {"path": str(rollout), "overrides": None}
    result, seconds, cpu = _timed(daemon, "resumeConversation", params)
    events = result.get("initialMessages") or []
    rss, peak = daemon.memory_mb()
    values = {
        "wall_s": seconds,
        "cpu_s": cpu,
        "events": float(len(events)),
        "rss_mb": rss,
        "peak_mb": peak,
    }
    return Sample("v1resume", size, values)


# -- driver ---------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    parts = [part.replace("k", "000").replace("M", "000000") for part in text.split(",")]
    return [int(part) for part in parts if part]


@dataclass
class Job:
    workload: str
    size: int
    home: Callable[[], Path]
    """The daemon's ``CODEX_HOME``; a fresh one for every daemon when ``fresh``."""
    cwd: Path
    measure: Callable[[Daemon, Path], Sample]
    fresh: bool = False
    warm: bool = False
    """Make sure the whole daemon is loaded before measuring (ours answers
    listings before it is: a thread request would wait for the loading)."""


def _run(command: list[str], job: Job, settle: float) -> Sample:
    home = job.home()
    try:
        daemon = Daemon(command, home, job.cwd)
        try:
            daemon.initialize()
            time.sleep(settle)
            if job.warm:
                daemon.request("thread/loaded/list", {})
            return job.measure(daemon, home)
        finally:
            daemon.close()
    finally:
        if job.fresh:
            shutil.rmtree(home, ignore_errors=True)


def _jobs(args: argparse.Namespace, empty_home: Path, mock_url: str) -> list[Job]:
    workloads = set(args.workloads.split(","))
    jobs: list[Job] = []
    for size in _sizes(args.rollouts):
        home = build_rollouts(args.fixtures, size, args.long_thread)
        for workload in ("list", "tlist"):
            if workload in workloads:
                measure = functools.partial(measure_listing, size=size, workload=workload)
                jobs.append(
                    Job(workload, size, lambda home=home: home, home, lambda d, _, m=measure: m(d))
                )
    for size in _sizes(args.threads):
        rollout = build_long_thread(args.fixtures, size)

        def fresh(rollout: Path = rollout) -> Path:
            return fresh_thread_home(rollout, mock_url)

        def v1(daemon: Daemon, home: Path, size: int = size, name: str = rollout.name) -> Sample:
            folder = home / "sessions" / LONG_THREAD_DAY.strftime("%Y/%m/%d")
            return measure_v1_resume(daemon, size, folder / name)

        measures: dict[str, Callable[[Daemon, Path], Sample]] = {
            "read": lambda d, _, size=size: measure_thread_read(d, size),
            "resume": lambda d, _, size=size: measure_thread_resume(d, size),
            "v1resume": v1,
        }
        for workload, measure in measures.items():
            if workload in workloads:
                jobs.append(Job(workload, size, fresh, empty_home, measure, fresh=True, warm=True))
    for size in _sizes(args.files):
        if "fuzzy" in workloads:
            tree = build_tree(args.fixtures, size)
            fuzzy = functools.partial(measure_fuzzy, size=size, root=tree)
            jobs.append(Job("fuzzy", size, lambda: empty_home, tree, lambda d, _, f=fuzzy: f(d)))
    return jobs


def _number(key: str, value: float) -> str:
    if key.endswith("_s"):
        return f"{value:.3f}"
    if key.endswith("_ms"):
        return f"{value:.1f}"
    return f"{value:.0f}"


def _format(values: dict[str, float]) -> str:
    return "  ".join(f"{k}={_number(k, v)}" for k, v in values.items())


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
    parser.add_argument("--threads", default="1000", help="turns of the resumed thread ('' skips)")
    parser.add_argument(
        "--workloads",
        default="list,tlist,read,resume,v1resume,fuzzy",
        help="which to run, among list,tlist,read,resume,v1resume,fuzzy",
    )
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
    with (
        tempfile.TemporaryDirectory(prefix="scale-bench-home-") as scratch,
        MockModelServer() as mock,
    ):
        for job in _jobs(args, Path(scratch), mock.base_url):
            for run in range(args.runs):
                for label, command in servers:
                    sample = _run(command, job, args.settle)
                    values = _format(sample.values)
                    print(
                        f"{label:<10} {job.workload:<8} n={job.size:>8} run={run + 1}  {values}",
                        flush=True,
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
                cells.append(_number(key, mean))
            print(f"| {workload} | {size} | {key} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
