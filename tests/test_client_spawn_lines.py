"""The daemon started exactly as Codex's clients start ``codex``.

Each line below is copied from a client (read from its released package;
none of them is a dependency of this project), with ``<bin>`` the installed
``codex-app-server`` console script:

- ``openai-codex`` 0.163.0 (``CodexConfig(codex_bin=..., config_overrides=...)``):
  ``<bin> --config K=V ... app-server --listen stdio://``, and, to read the
  schema of an unversioned CLI, ``<bin> --config K=V app-server
  generate-json-schema --experimental --out DIR``;
- ``codex-app-server-sdk`` 0.4.1: ``codex app-server`` (or
  ``$CODEX_APP_SERVER_CMD``, split like a shell);
- ``codex-app-server-client`` 0.1.0: ``<bin> *extra_args app-server --listen stdio://``;
- the VS Code extension and the desktop app (``chatgpt.cliExecutable``):
  ``<bin> [-c K=V] app-server --analytics-default-enabled``, overrides also
  glued to ``-c`` (``-cK=V``).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.harness.stdio import DaemonClient

Spawn = Callable[..., DaemonClient]
BIN = Path(sys.executable).parent / "codex-app-server"
MODEL = "model-from-the-command-line"


@pytest.fixture
def daemon_bin() -> str:
    if not BIN.exists():
        pytest.skip(f"no installed console script at {BIN} (pip install -e . into this venv)")
    return str(BIN)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(
            ["--config", f'model="{MODEL}"', "app-server", "--listen", "stdio://"],
            id="openai-codex",
        ),
        pytest.param(
            [
                "-c",
                f'model="{MODEL}"',
                "--enable",
                "unified_exec",
                "app-server",
                "--listen",
                "stdio://",
            ],
            id="codex-app-server-client",
        ),
        pytest.param(["app-server", "-c", f"model={MODEL}"], id="codex-app-server-sdk"),
        pytest.param(
            [
                "-c",
                "features.code_mode_host=true",
                "app-server",
                "--analytics-default-enabled",
                f"-cmodel={MODEL}",
            ],
            id="vscode-extension",
        ),
    ],
)
def test_clients_spawn_lines_serve_with_their_overrides(
    spawn: Spawn, daemon_bin: str, args: list[str]
) -> None:
    client = spawn(command=[daemon_bin], args=args)
    assert client.call("newConversation", {})["model"] == MODEL
    client.close_stdin()
    assert client.wait_exit() == 0


def test_a_profile_from_the_command_line(spawn: Spawn, codex_home: Path, daemon_bin: str) -> None:
    (codex_home / "config.toml").write_text(
        f'model = "plain"\n\n[profiles.work]\nmodel = "{MODEL}"\n', encoding="utf-8"
    )
    client = spawn(command=[daemon_bin], args=["--profile", "work", "app-server"])
    assert client.call("newConversation", {})["model"] == MODEL


def test_a_missing_profile_stops_the_daemon_at_once(codex_home: Path, daemon_bin: str) -> None:
    done = subprocess.run(
        [daemon_bin, "-p", "nowhere", "app-server"],
        env={"CODEX_HOME": str(codex_home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        input="",
        timeout=30,
    )
    assert done.returncode == 1
    assert done.stderr == "Error: config profile `nowhere` not found\n"


def test_the_sdk_schema_probe(tmp_path: Path, codex_home: Path, daemon_bin: str) -> None:
    out = tmp_path / "schema"
    subprocess.run(
        [
            daemon_bin,
            "--config",
            "x=1",
            "app-server",
            "generate-json-schema",
            "--experimental",
            "--out",
            str(out),
        ],
        env={"CODEX_HOME": str(codex_home), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert (out / "codex_app_server_protocol.schemas.json").is_file()
