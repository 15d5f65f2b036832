"""`experimentalFeature/list` through the real daemon: 0.107.0's flags in its
order, enabled by `[features]`, `--enable`/`--disable` or their default, and
the reference's paging."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.harness.stdio import DaemonClient

Spawn = Callable[..., DaemonClient]


def test_flags_and_their_state(spawn: Spawn, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text("[features]\nundo = true\nshell_tool = false\n")
    client = spawn(args=["--enable", "memories", "--disable", "sqlite"])
    answer = client.call("experimentalFeature/list", {})
    assert answer["nextCursor"] is None
    flags = {f["name"]: f for f in answer["data"]}
    assert len(answer["data"]) == 38
    assert [f["name"] for f in answer["data"][:3]] == ["undo", "shell_tool", "unified_exec"]
    assert flags["undo"] == {
        "name": "undo",
        "stage": "stable",
        "displayName": None,
        "description": None,
        "announcement": None,
        "enabled": True,
        "defaultEnabled": False,
    }
    assert (flags["shell_tool"]["enabled"], flags["shell_tool"]["defaultEnabled"]) == (False, True)
    assert flags["memories"]["enabled"] is True
    assert flags["sqlite"]["enabled"] is False
    assert flags["unified_exec"]["enabled"] is True
    js_repl = flags["js_repl"]
    assert js_repl["stage"] == "beta" and js_repl["displayName"] == "JavaScript REPL"


def test_paging_is_the_references(spawn: Spawn) -> None:
    client = spawn()
    first = client.call("experimentalFeature/list", {"limit": 2})
    assert [f["name"] for f in first["data"]] == ["undo", "shell_tool"]
    assert first["nextCursor"] == "2"
    second = client.call("experimentalFeature/list", {"limit": 2, "cursor": "2"})
    assert [f["name"] for f in second["data"]] == ["unified_exec", "shell_zsh_fork"]
    assert second["nextCursor"] == "4"
    assert client.call("experimentalFeature/list", {"cursor": "38"}) == {
        "data": [],
        "nextCursor": None,
    }
    assert client.call_error("experimentalFeature/list", {"cursor": "zz"}) == {
        "code": -32600,
        "message": "invalid cursor: zz",
    }
    assert client.call_error("experimentalFeature/list", {"cursor": "99"}) == {
        "code": -32600,
        "message": "cursor 99 exceeds total feature flags 38",
    }
