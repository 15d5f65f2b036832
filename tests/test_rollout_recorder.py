"""Writing rollout files (whole lines, one writer) and reading them back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest

from app_server.conversations.head import read_head, read_head_summary
from app_server.conversations.reader import RolloutReadError, parse_rollout, read_rollout
from app_server.conversations.recorder import (
    RolloutRecorder,
    create_rollout_file,
    open_for_append,
    rollout_line,
)
from app_server.conversations.rollout_file import NotARegularFile, bounded_lines, open_regular
from app_server_protocol.events import AgentMessageEvent, UserMessageEvent
from tests.rollouts import (
    REFERENCE_EXAMPLE,
    REFERENCE_EXAMPLE_0_107,
    REFERENCE_THREE_TURNS,
    lines_bytes,
    meta,
    user_item,
)

pytestmark = pytest.mark.anyio
CID = "5f0b8a52-0a7e-4d7e-9d55-3b2a3c1f9e11"


def test_line_shape() -> None:
    line = rollout_line("event_msg", b'{"type":"x"}', "2025-01-01T00:00:00.000Z")
    assert (
        line
        == b'{"timestamp":"2025-01-01T00:00:00.000Z","type":"event_msg","payload":{"type":"x"}}\n'
    )


def test_a_new_file_is_born_complete(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "rollout.jsonl"
    fd = create_rollout_file(path, b"first\n")
    os.close(fd)
    assert path.read_bytes() == b"first\n"
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["rollout.jsonl"]


def test_appending_ends_a_torn_line_first(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"a":1}\n{"torn')
    fd = open_for_append(path)
    os.write(fd, b'{"b":2}\n')
    os.close(fd)
    assert path.read_bytes().split(b"\n") == [b'{"a":1}', b'{"torn', b'{"b":2}', b""]
    clean = tmp_path / "clean.jsonl"
    clean.write_bytes(b'{"a":1}\n')
    os.close(open_for_append(clean))
    assert clean.read_bytes() == b'{"a":1}\n'


async def test_records_are_written_in_order_by_the_writer(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    recorder = await RolloutRecorder.create(path, rollout_line("session_meta", b"{}"))
    async with anyio.create_task_group() as tg:
        tg.start_soon(recorder.run)
        for n in range(200):
            recorder.record("event_msg", json.dumps({"n": n}).encode())
        await recorder.flush()
        lines = path.read_bytes().splitlines()
        assert len(lines) == 201
        assert [json.loads(line)["payload"]["n"] for line in lines[1:]] == list(range(200))
        recorder.record("event_msg", b'{"last":true}')
        await recorder.close()
    assert json.loads(path.read_bytes().splitlines()[-1])["payload"] == {"last": True}
    recorder.record("event_msg", b"{}")  # after close: logged, not written
    assert len(path.read_bytes().splitlines()) == 202


async def test_close_writes_what_a_cancelled_writer_left(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    recorder = await RolloutRecorder.create(path, b"")
    async with anyio.create_task_group() as tg:
        tg.start_soon(recorder.run)
        await anyio.lowlevel.checkpoint()
        tg.cancel_scope.cancel()
    for n in range(3):
        recorder.record("event_msg", str(n).encode())
    await recorder.close()
    assert [json.loads(line)["payload"] for line in path.read_bytes().splitlines()] == [0, 1, 2]


def test_reading_back_a_reference_rollout() -> None:
    recorded = read_rollout(REFERENCE_THREE_TURNS)
    assert str(recorded.meta.id) == "01a202f7-377e-7623-907c-fc635a0cd359"
    assert recorded.meta.git is not None and recorded.meta.git.branch == "main"
    types = [event.type for event in recorded.event_msgs]
    assert types == [
        "user_message",
        "token_count",
        "agent_message",
        "token_count",
        "user_message",
        "token_count",
        "agent_message",
        "token_count",
        "user_message",
        "turn_aborted",
    ]
    assert len(recorded.response_items) == 9
    context = recorded.last_turn_context
    assert context is not None and context.model == "mock-slow"


def test_reference_lines_round_trip_byte_for_byte() -> None:
    """0.107's lines are written back byte for byte; 0.50's still read (and are
    written in 0.107's shapes)."""
    from app_server_protocol.rollout import rollout_line_adapter

    adapter = rollout_line_adapter()
    if REFERENCE_EXAMPLE_0_107.exists():
        for line in REFERENCE_EXAMPLE_0_107.read_bytes().splitlines():
            assert adapter.dump_json(adapter.validate_json(line, strict=True)) == line
    for path in (REFERENCE_EXAMPLE, REFERENCE_THREE_TURNS):
        if path.exists():
            for line in path.read_bytes().splitlines():
                adapter.validate_json(line, strict=True)


def test_reader_skips_what_does_not_parse(tmp_path: Path) -> None:
    data = lines_bytes(
        [
            "garbage",
            meta(CID),
            user_item("x"),
            {"timestamp": "t", "type": "new_kind", "payload": {}},
        ]
    )
    recorded = parse_rollout(tmp_path, data + b'{"timestamp":"t","type":"event_m')
    assert str(recorded.meta.id) == CID
    assert len(recorded.response_items) == 1
    assert recorded.event_msgs == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty session file"),
        (b"  \n\n", "empty session file"),
        (b"garbage\n", "failed to parse thread ID from rollout file"),
        (lines_bytes([user_item("x")]), "failed to parse thread ID from rollout file"),
    ],
)
def test_reader_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(content)
    with pytest.raises(RolloutReadError, match=message):
        read_rollout(path)


def test_reader_os_errors(tmp_path: Path) -> None:
    with pytest.raises(RolloutReadError, match=r"^No such file or directory \(os error 2\)$"):
        read_rollout(tmp_path / "missing.jsonl")
    with pytest.raises(RolloutReadError, match=r"^Is a directory \(os error 21\)$"):
        read_rollout(tmp_path)


_WRITER = """
import sys, anyio
from pathlib import Path
from app_server.conversations.recorder import RolloutRecorder, rollout_line
from app_server_protocol.events import AgentMessageEvent, UserMessageEvent

async def main():
    path = Path(sys.argv[1])
    meta = sys.argv[2].encode()
    recorder = await RolloutRecorder.create(path, rollout_line("session_meta", meta))
    user = UserMessageEvent(message="hello", images=[])
    recorder.record("response_item", sys.argv[3].encode())
    recorder.record("event_msg", user.model_dump_json().encode())
    print("ready", flush=True)
    async with anyio.create_task_group() as tg:
        tg.start_soon(recorder.run)
        n = 0
        while True:
            event = AgentMessageEvent(message="x" * (n % 5000))
            recorder.record("event_msg", event.model_dump_json().encode())
            n += 1
            if n % 20 == 0:
                await anyio.sleep(0.001)

anyio.run(main)
"""


def test_kill_9_during_writes_leaves_a_listable_resumable_file(tmp_path: Path) -> None:
    path = tmp_path / "sessions" / "2025" / "01" / "01" / f"rollout-2025-01-01T00-00-00-{CID}.jsonl"
    payload = json.dumps(meta(CID)["payload"])
    item = json.dumps(user_item("hello")["payload"])
    for attempt in range(3):
        if path.exists():
            path.unlink()
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), payload, item],
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"ready\n"
        time.sleep(0.2 + 0.1 * attempt)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        data = path.read_bytes()
        lines = data.split(b"\n")
        # every line but maybe the last is whole
        for line in lines[:-1]:
            json.loads(line)
        summary = read_head_summary(str(path))
        assert summary is not None and summary.preview == "hello"
        recorded = read_rollout(path)
        assert str(recorded.meta.id) == CID
        assert all(isinstance(e, UserMessageEvent | AgentMessageEvent) for e in recorded.event_msgs)
        # appending after the crash starts on a line of its own
        fd = open_for_append(path)
        os.write(fd, rollout_line("event_msg", b'{"type":"agent_message","message":"after"}'))
        os.close(fd)
        assert read_rollout(path).event_msgs[-1] == AgentMessageEvent(message="after")


def test_rollout_lines_over_the_bound_are_skipped_unkept(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"short\n" + b"x" * 50 + b"\n" + b"y" * 10 + b"\nlast")
    with path.open("rb") as file:
        assert list(bounded_lines(file, max_line=20, piece=7)) == [
            b"short\n",
            b"y" * 10 + b"\n",
            b"last",
        ]


def test_only_regular_files_are_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    # Opening a FIFO for reading would wait for a writer: it is refused at once.
    with pytest.raises(NotARegularFile, match="is not a regular file"):
        open_regular(fifo)
    with pytest.raises(NotARegularFile, match="is not a regular file"):
        open_regular("/dev/zero")
    assert read_head(str(fifo)) == (None, None)
    with pytest.raises(RolloutReadError, match=r"^`/dev/null` is not a regular file$"):
        read_rollout(Path("/dev/null"))
