"""Feature flags through the real daemon: ``experimentalFeature/list`` and
what ``[features]``, a profile's features, ``--enable`` and ``--disable`` do
to it (names, stages and defaults are Codex 0.107.0's)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.harness.stdio import DaemonClient

JS_REPL = {
    "name": "js_repl",
    "stage": "beta",
    "displayName": "JavaScript REPL",
    "description": (
        "Enable a persistent Node-backed JavaScript REPL for interactive website debugging "
        "and other inline JavaScript execution capabilities. Requires Node >= v22.22.0 "
        "installed."
    ),
    "announcement": (
        "NEW: JavaScript REPL is now available in /experimental. Enable it, then start a new "
        "chat or restart Codex to use it."
    ),
    "enabled": False,
    "defaultEnabled": False,
}


def _states(client: DaemonClient) -> dict[str, bool]:
    result = client.call("experimentalFeature/list", {})
    assert result["nextCursor"] is None
    return {row["name"]: row["enabled"] for row in result["data"]}


def test_the_table_and_its_pages(spawn: Callable[..., DaemonClient]) -> None:
    client = spawn()
    result = client.call("experimentalFeature/list", {})
    rows = result["data"]
    assert len(rows) == 38
    assert rows[0] == {
        "name": "undo",
        "stage": "stable",
        "displayName": None,
        "description": None,
        "announcement": None,
        "enabled": False,
        "defaultEnabled": False,
    }
    assert rows[5] == JS_REPL
    by_name = {row["name"]: row for row in rows}
    assert by_name["unified_exec"]["enabled"] and by_name["unified_exec"]["defaultEnabled"]
    assert by_name["search_tool"]["stage"] == "removed"

    page = client.call("experimentalFeature/list", {"limit": 3})
    assert [row["name"] for row in page["data"]] == ["undo", "shell_tool", "unified_exec"]
    assert page["nextCursor"] == "3"
    page = client.call("experimentalFeature/list", {"limit": 0, "cursor": "3"})
    assert [row["name"] for row in page["data"]] == ["shell_zsh_fork"]
    assert client.call("experimentalFeature/list", {"cursor": "38"}) == {
        "data": [],
        "nextCursor": None,
    }
    for cursor, message in (
        ("abc", "invalid cursor: abc"),
        ("39", "cursor 39 exceeds total feature flags 38"),
    ):
        error: dict[str, Any] = client.call_error("experimentalFeature/list", {"cursor": cursor})
        assert error == {"code": -32600, "message": message}


def test_config_profile_and_command_line(
    spawn: Callable[..., DaemonClient], codex_home: Path
) -> None:
    (codex_home / "config.toml").write_text(
        'profile = "p"\n'
        "[features]\nundo = true\nshell_snapshot = false\nno_such_flag = true\n"
        "[profiles.p.features]\njs_repl = true\nundo = false\n"
    )
    states = _states(spawn(args=["--enable", "memories", "--disable", "unified_exec"]))
    assert states["undo"] is False  # the profile's table wins over the file's
    assert states["js_repl"] is True
    assert states["shell_snapshot"] is False
    assert states["memories"] is True
    assert states["unified_exec"] is False
    assert states["shell_tool"] is True  # untouched: its default
    assert "no_such_flag" not in states


def test_an_unknown_flag_on_the_command_line_stops_the_daemon(
    spawn: Callable[..., DaemonClient],
) -> None:
    client = spawn(initialize=False, args=["--enable", "bogus_flag"])
    assert client.wait_exit() != 0
    assert "Unknown feature flag: bogus_flag" in client.stderr_text()
