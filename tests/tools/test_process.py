"""Running a process tree: streaming, timeouts, cancellation, signals."""

from __future__ import annotations

import os
import time
from pathlib import Path

import anyio
import pytest

from app_server import process_groups
from app_server.rust_format import os_error_message
from app_server.tools.process import (
    TIMEOUT_EXIT_CODE,
    run_process,
)
from app_server_protocol.exec_types import ExecOutputStream

pytestmark = pytest.mark.anyio

ENV = dict(os.environ)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


async def wait_dead(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        await anyio.sleep(0.02)
    return False


async def test_output_is_streamed_and_captured(tmp_path: Path) -> None:
    chunks: list[tuple[ExecOutputStream, bytes]] = []
    seen_before_exit = anyio.Event()

    async def on_output(stream: ExecOutputStream, chunk: bytes) -> None:
        chunks.append((stream, chunk))
        if chunk == b"first\n":
            seen_before_exit.set()

    script = "echo first; sleep 0.3; echo second >&2; echo third; touch done; exit 3"
    async with anyio.create_task_group() as tg:

        async def check_streaming() -> None:
            with anyio.fail_after(5):
                await seen_before_exit.wait()
            assert not (tmp_path / "done").exists()

        tg.start_soon(check_streaming)
        result = await run_process(
            ["bash", "-c", script],
            cwd=tmp_path,
            env=ENV,
            timeout=10,
            on_output=on_output,
        )
    assert result.exit_code == 3
    assert not result.timed_out and result.signal is None
    assert result.stdout.text() == "first\nthird\n"
    assert result.stderr.text() == "second\n"
    assert result.aggregated.text() == "first\nsecond\nthird\n"
    assert chunks[0] == (ExecOutputStream.STDOUT, b"first\n")
    assert (ExecOutputStream.STDERR, b"second\n") in chunks
    assert result.duration >= 0.3


async def test_timeout_kills_the_whole_process_tree(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = (
        f"sleep 60 & echo $! > {pids}; (sleep 60 & echo $! >> {pids}; wait) & "
        f"echo $$ >> {pids}; wait"
    )
    started = time.monotonic()
    result = await run_process(["bash", "-c", script], cwd=tmp_path, env=ENV, timeout=0.5)
    assert time.monotonic() - started < 5
    assert result.timed_out
    assert result.exit_code == TIMEOUT_EXIT_CODE
    assert result.model_content().startswith("command timed out after ")
    recorded = [int(p) for p in pids.read_text().split()]
    assert len(recorded) == 3
    for pid in recorded:
        assert await wait_dead(pid), f"process {pid} survived the timeout"


async def test_a_finished_command_is_not_held_by_its_background_output(tmp_path: Path) -> None:
    started = time.monotonic()
    result = await run_process(
        ["bash", "-c", "(sleep 30; echo late) & echo now"], cwd=tmp_path, env=ENV, timeout=0.5
    )
    assert time.monotonic() - started < 5
    assert not result.timed_out
    assert result.exit_code == 0
    assert result.stdout.text() == "now\n"


async def test_cancellation_kills_the_process_tree(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = f"sleep 60 & echo $! > {pids}; echo $$ >> {pids}; wait"
    with anyio.move_on_after(0.5):
        await run_process(["bash", "-c", script], cwd=tmp_path, env=ENV, timeout=30)
    recorded = [int(p) for p in pids.read_text().split()]
    for pid in recorded:
        assert await wait_dead(pid), f"process {pid} survived the cancellation"


async def test_shutdown_kills_running_commands(tmp_path: Path) -> None:
    started = anyio.Event()
    pid: list[int] = []

    async def on_output(stream: ExecOutputStream, chunk: bytes) -> None:
        pid.append(int(chunk))
        started.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(
            lambda: run_process(
                ["bash", "-c", "echo $$; sleep 60"],
                cwd=tmp_path,
                env=ENV,
                timeout=30,
                on_output=on_output,
            )
        )
        with anyio.fail_after(5):
            await started.wait()
        process_groups.kill_all()
    assert await wait_dead(pid[0])


async def test_a_signal_is_reported(tmp_path: Path) -> None:
    result = await run_process(["bash", "-c", "kill -9 $$"], cwd=tmp_path, env=ENV, timeout=5)
    assert result.signal == 9
    assert result.exit_code == 137
    assert not result.timed_out


async def test_programs_that_cannot_start(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as missing:
        await run_process(["no-such-program-xyz"], cwd=tmp_path, env=ENV, timeout=5)
    assert os_error_message(missing.value) == "No such file or directory (os error 2)"
    with pytest.raises(FileNotFoundError):
        await run_process(["ls"], cwd=tmp_path / "missing", env=ENV, timeout=5)
    with pytest.raises(PermissionError) as denied:
        await run_process([str(tmp_path)], cwd=tmp_path, env=ENV, timeout=5)
    assert os_error_message(denied.value) == "Permission denied (os error 13)"


async def test_output_events_are_capped_but_output_is_kept(tmp_path: Path) -> None:
    events = 0

    async def on_output(stream: ExecOutputStream, chunk: bytes) -> None:
        nonlocal events
        events += 1

    result = await run_process(
        ["bash", "-c", "for i in 1 2 3 4 5; do echo $i; sleep 0.05; done"],
        cwd=tmp_path,
        env=ENV,
        timeout=5,
        on_output=on_output,
        max_output_events=2,
    )
    assert events == 2
    assert result.stdout.text() == "1\n2\n3\n4\n5\n"


async def test_stdin_is_empty(tmp_path: Path) -> None:
    result = await run_process(["cat"], cwd=tmp_path, env=ENV, timeout=5)
    assert result.exit_code == 0
    assert result.stdout.text() == ""


async def test_output_held_by_an_escaped_process_does_not_block(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    result = await run_process(
        ["bash", "-c", f"setsid bash -c 'echo $$ > {pid_file}; exec sleep 30' & echo hi"],
        cwd=tmp_path,
        env=ENV,
        timeout=0.5,
    )
    assert time.monotonic() - started < 5
    assert result.exit_code == 0
    assert result.stdout.text() == "hi\n"
    os.kill(int(pid_file.read_text()), 9)  # it left our process group: clean up by hand
