"""The README's client example runs as written against the daemon (v2 API)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.harness.stdio import daemon_environ
from tests.mock_model_server import MockModelServer, assistant_message, write_mock_config

README = Path(__file__).resolve().parent.parent / "README.md"


def example_code() -> str:
    text = README.read_text()
    match = re.search(r"<!-- client-example -->\n```python\n(.*?)```", text, re.S)
    assert match, "the README's client example is missing"
    return match.group(1)


def test_the_readme_client_example_prints_the_agent_message(
    codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(assistant_message("Hello from the example"))
    environ = daemon_environ(codex_home)
    # The example spawns `codex-app-server` from PATH: this venv's.
    environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environ.get("PATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", example_code()],
        env=environ,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "Hello from the example\n"
