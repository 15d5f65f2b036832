"""The command line: serve options before and after `serve`, and the generators."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app_server.cli import ServeOptions, _parse


def test_options_before_and_after_serve_are_both_kept() -> None:
    command, options, out = _parse(
        ["-c", "model=a", "--enable", "x", "serve", "-c", "b.c=1", "--disable", "y"]
    )
    assert command == "serve" and out is None
    assert options == ServeOptions(overrides=["model=a", "b.c=1"], enable=["x"], disable=["y"])


def test_generate_commands_write_the_export(tmp_path: Path) -> None:
    for command, marker in (("generate-ts", "index.ts"), ("generate-json-schema", None)):
        out = tmp_path / command
        subprocess.run([sys.executable, "-m", "app_server", command, "--out", str(out)], check=True)
        files = {p.name for p in out.iterdir()}
        if marker:
            assert marker in files and "ClientRequest.ts" in files
        else:
            assert "codex_app_server_protocol.schemas.json" in files


def test_a_bad_override_stops_the_daemon_with_a_clear_message(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app_server", "-c", "no-equals"],
        env={"CODEX_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        input="",
    )
    assert done.returncode == 1
    assert done.stderr == "Error: invalid override `no-equals`: expected key=value\n"
