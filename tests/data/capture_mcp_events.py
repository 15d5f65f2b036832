"""Capture the reference's ``mcp_tool_call_begin`` / ``mcp_tool_call_end``
events (and the tool outputs its model was given) for the MCP scenario of
`tests/mcp_support.py`, into `tests/data/mcp_events_reference.json`.

    .venv/bin/python tests/data/capture_mcp_events.py

Needs the reference binary (`../shared/tools/reference-codex` installs it, or
set CODEX_BIN) and python3 on PATH (the test MCP server runs with it).
Durations vary from run to run; `tests/test_mcp_reference_events.py`
compares everything else.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.harness.stdio import DaemonClient  # noqa: E402
from tests.mcp_support import REFERENCE_EVENTS, run_scenario, scenario_config  # noqa: E402
from tests.mock_model_server import MockModelServer, write_mock_config  # noqa: E402


def reference_binary() -> str:
    binary = os.environ.get("CODEX_BIN")
    if binary:
        return binary
    tool = REPO.parent / "shared" / "tools" / "reference-codex"
    return subprocess.check_output([str(tool)], text=True).strip()


def main() -> None:
    binary = reference_binary()
    with tempfile.TemporaryDirectory() as tmp, MockModelServer() as mock:
        home = Path(tmp) / "codex_home"
        work = Path(tmp) / "work"
        home.mkdir()
        work.mkdir()
        write_mock_config(home, mock, extra=scenario_config())
        client = DaemonClient(home, cwd=work, command=[binary, "app-server"])
        try:
            client.initialize()
            captured = run_scenario(client, mock, work)
        finally:
            client.kill()
    captured["reference"] = subprocess.check_output([binary, "--version"], text=True).strip()
    REFERENCE_EVENTS.write_text(json.dumps(captured, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {REFERENCE_EVENTS} ({len(captured['events'])} events)")


if __name__ == "__main__":
    main()
