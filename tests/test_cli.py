"""The command line: Codex's shape (``app-server`` and its options at every
level), the generators, and one-line errors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app_server.cli import Invocation, ListenAddress, ServeOptions, parse, parse_listen

DAEMON = [sys.executable, "-m", "app_server"]


def _run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DAEMON, *args],
        env={"CODEX_HOME": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        input="",
        timeout=60,
    )


def test_options_before_and_after_serve_are_both_kept() -> None:
    invocation = parse(["-c", "model=a", "--enable", "x", "serve", "-c", "b.c=1", "--disable", "y"])
    assert invocation == Invocation(
        "serve", ServeOptions(overrides=["model=a", "b.c=1"], enable=["x"], disable=["y"])
    )


def test_app_server_is_serving_with_options_on_both_sides() -> None:
    invocation = parse(
        [
            "--config",
            "model=a",
            "--enable",
            "x",
            "-p",
            "work",
            "app-server",
            "--listen",
            "stdio://",
            "-c",
            "b=2",
            "--disable",
            "y",
            "--analytics-default-enabled",
            "--log-level",
            "debug",
        ]
    )
    assert invocation.command == "serve"
    assert invocation.options == ServeOptions(
        overrides=["model=a", "b=2", 'profile="work"'],
        enable=["x"],
        disable=["y"],
        listen=ListenAddress(),
        log_level="debug",
    )


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["serve"],
        ["app-server"],
        ["app-server", "--listen", "stdio://"],
        ["app-server", "--analytics-default-enabled"],
    ],
)
def test_the_usual_lines_serve_with_the_defaults(argv: list[str]) -> None:
    assert parse(argv) == Invocation("serve")


def test_generators_under_app_server_take_codex_options() -> None:
    invocation = parse(
        ["-c", "x=1", "app-server", "generate-json-schema", "--experimental", "--out", "d"]
    )
    assert (invocation.command, invocation.out) == ("generate-json-schema", "d")
    ts = parse(["app-server", "generate-ts", "-o", "d", "-p", "/bin/prettier", "--enable", "f"])
    assert (ts.command, ts.out, ts.prettier) == ("generate-ts", "d", "/bin/prettier")
    assert ts.options.enable == ["f"]


def test_listen_addresses() -> None:
    assert parse_listen("stdio://").is_stdio
    assert parse_listen("ws://127.0.0.1:4500") == ListenAddress(
        "ws://127.0.0.1:4500", "127.0.0.1", 4500
    )
    assert parse_listen("ws://[::1]:0").host == "::1"
    for bad, why in (
        ("tcp://x", "unsupported"),
        ("stdio://x", "unsupported"),
        ("ws://localhost:80", "invalid websocket"),
        ("ws://127.0.0.1", "invalid websocket"),
        ("ws://127.0.0.1:99999", "invalid websocket"),
        ("ws://::1:80", "invalid websocket"),
        ("ws://[127.0.0.1]:80", "invalid websocket"),
    ):
        with pytest.raises(ValueError, match=why):
            parse_listen(bad)


def test_a_bad_listen_url_is_a_usage_error(tmp_path: Path) -> None:
    done = _run("app-server", "--listen", "tcp://x", home=tmp_path)
    assert done.returncode == 2
    assert "unsupported --listen URL `tcp://x`" in done.stderr


def test_a_websocket_address_in_use_is_an_error_in_one_line(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = _run("app-server", "--listen", f"ws://127.0.0.1:{port}", home=tmp_path)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"Error: cannot listen on ws://127.0.0.1:{port}: ")


def test_app_server_help_lists_the_options(tmp_path: Path) -> None:
    done = _run("app-server", "--help", home=tmp_path)
    assert done.returncode == 0
    for option in ("--config", "--enable", "--disable", "--profile", "--listen", "--log-level"):
        assert option in done.stdout
    assert "generate-ts" in done.stdout and "generate-json-schema" in done.stdout


def test_generate_commands_write_the_export(tmp_path: Path) -> None:
    for args, marker in (
        (["generate-ts"], "index.ts"),
        (["app-server", "generate-ts", "--experimental"], "index.ts"),
        (["generate-json-schema"], "codex_app_server_protocol.schemas.json"),
        (["app-server", "generate-json-schema"], "codex_app_server_protocol.schemas.json"),
    ):
        out = tmp_path / "-".join(args)
        done = _run(*args, "--out", str(out), home=tmp_path)
        assert done.returncode == 0, done.stderr
        assert marker in {p.name for p in out.iterdir()}


def test_a_bad_out_folder_is_a_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    done = _run("generate-ts", "--out", str(blocker / "sub"), home=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(f"Error: cannot write the output to `{blocker / 'sub'}`: ")
    assert done.stderr.count("\n") == 1


def test_a_missing_prettier_is_a_one_line_error(tmp_path: Path) -> None:
    done = _run(
        "generate-ts", "--out", str(tmp_path / "ts"), "--prettier", "/no/prettier", home=tmp_path
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Error: cannot run Prettier `/no/prettier`")
    assert done.stderr.count("\n") == 1


def test_ctrl_c_ends_a_tool_quietly(tmp_path: Path) -> None:
    # A "Prettier" that says when it runs, then waits: the generator is then
    # fully loaded and busy, as when someone presses Ctrl-C.
    started = tmp_path / "prettier-started"
    prettier = tmp_path / "prettier"
    prettier.write_text(
        f"#!/bin/sh\necho $$ > {started}.tmp\nmv {started}.tmp {started}\nsleep 30\n"
    )
    prettier.chmod(0o755)
    proc = subprocess.Popen(
        [*DAEMON, "generate-ts", "--out", str(tmp_path / "ts"), "--prettier", str(prettier)],
        env={"CODEX_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "Prettier never ran"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        if started.exists():
            os.kill(int(started.read_text()), signal.SIGKILL)
    assert proc.returncode == -signal.SIGINT
    assert (out, err) == ("", "")


def test_a_bad_override_stops_the_daemon_with_a_clear_message(tmp_path: Path) -> None:
    done = _run("-c", "no-equals", home=tmp_path)
    assert done.returncode == 1
    assert done.stderr == "Error: invalid override `no-equals`: expected key=value\n"
