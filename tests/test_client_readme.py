"""The README's client examples run as written against the daemon (v2 API),
over stdio and over WebSocket."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.harness.stdio import daemon_environ
from tests.mock_model_server import MockModelServer, assistant_message, write_mock_config

README = Path(__file__).resolve().parent.parent / "README.md"


def example_code(marker: str = "client-example") -> str:
    text = README.read_text()
    match = re.search(rf"<!-- {marker} -->\n```python\n(.*?)```", text, re.S)
    assert match, f"the README's {marker} is missing"
    return match.group(1)


def run_example(code: str, codex_home: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    environ = daemon_environ(codex_home)
    # The example spawns `codex-app-server` from PATH: this venv's.
    environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environ.get("PATH", "")])
    return subprocess.run(
        [sys.executable, "-c", code],
        env=environ,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_readme_client_example_prints_the_agent_message(
    codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(assistant_message("Hello from the example"))
    done = run_example(example_code(), codex_home, workdir)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "Hello from the example\n"


def test_the_readme_websocket_example_runs_a_turn_seen_by_both_connections(
    codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(assistant_message("Hello over WebSocket"))
    done = run_example(example_code("client-websocket-example"), codex_home, workdir)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "completed\n"
    assert "listening on: ws://127.0.0.1:" in done.stderr  # the daemon's banner, copied
