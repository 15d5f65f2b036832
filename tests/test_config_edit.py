"""`setDefaultModel` edits `config.toml` as the reference does, byte for byte,
except where keeping the user's text is better (listed in `DEVIATIONS`)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app_server.config.edit import set_keys
from app_server.config.layers import ConfigError
from tests.harness.inprocess import in_process_daemon

pytestmark = pytest.mark.anyio

REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "set_default_model_reference.json").read_text()
)["cases"]

#: Where we keep what the reference drops. Its TOML library ties a comment to
#: the key below it and a trailing comment to the value, so replacing a value
#: loses its comment and removing a key also removes the comment lines (and
#: blank lines) above it, even a file's header. We keep the user's comments,
#: and the spacing around ``=``; a value needing both quote kinds stays on one
#: line (the reference switches to a multi-line string).
DEVIATIONS = {
    "replace_in_place": (
        '# c\napproval_policy = "never"\nmodel = "new" # my model\n'
        'sandbox_mode = "read-only"\n\n[tools]\nweb_search = true\n'
    ),
    "replace_effort_keep_model": 'model = "gpt-5"  # pinned\nmodel_reasoning_effort = "high"\n',
    "remove_both_with_comments": "# the model\n# effort\nother = 1\n",
    "header_comment_then_removed_key": "# header\n\nother = 1\n",
    "compact_spacing": 'model="b"\nmodel_reasoning_effort="high"\n',
    "apostrophe": 'model = "it\'s \\"x\\""\n',
}


def test_the_reference_cases_cover_the_brief() -> None:
    befores = [case["before"] for case in REFERENCE.values()]
    assert None in befores and "" in befores  # absent, empty
    assert any(b and "#" in b for b in befores)  # comments
    assert any(b and "[" in b for b in befores)  # tables
    assert set(DEVIATIONS) <= set(REFERENCE)


@pytest.mark.parametrize("name", sorted(REFERENCE))
async def test_set_default_model_matches_the_reference(name: str, codex_home: Path) -> None:
    case = REFERENCE[name]
    path = codex_home / "config.toml"
    if case["before"] is not None:
        path.write_bytes(case["before"].encode())
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        assert await client.call("setDefaultModel", case["params"]) == {}
    expected = DEVIATIONS.get(name, case["after"])
    after = path.read_bytes().decode() if path.exists() else None
    assert after == expected
    assert os.listdir(codex_home) == (["config.toml"] if after is not None else [])


@pytest.mark.parametrize(
    ("before", "params", "after"),
    [
        # The key order and the tables around stay as they were.
        (
            '# settings\nmodel = "a"  # mine\n\n# effort\nmodel_reasoning_effort = "low"\n'
            '\n[profiles.x]\nmodel = "y"\n\n[model_providers.m]\nname = "M"\n',
            {"model": "b", "reasoningEffort": "high"},
            '# settings\nmodel = "b"  # mine\n\n# effort\nmodel_reasoning_effort = "high"\n'
            '\n[profiles.x]\nmodel = "y"\n\n[model_providers.m]\nname = "M"\n',
        ),
        # Only the key goes; the comment above it stays.
        (
            '# top\n\napproval_policy = "never"\n# the model\nmodel = "a"\n\n[tools]\n',
            {"model": None},
            '# top\n\napproval_policy = "never"\n# the model\n\n[tools]\n',
        ),
        # A profile that is not active is left alone.
        (
            '[profiles.other]\nmodel = "keep"\n',
            {"model": "root"},
            'model = "root"\n[profiles.other]\nmodel = "keep"\n',
        ),
    ],
)
async def test_comments_tables_and_order_survive(
    before: str, params: dict[str, Any], after: str, codex_home: Path
) -> None:
    path = codex_home / "config.toml"
    path.write_text(before)
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        await client.call("setDefaultModel", params)
        saved = (await client.call("getUserSavedConfig"))["config"]
    assert path.read_text() == after
    assert saved.get("model") == params.get("model")


async def test_the_active_profile_from_the_command_line_is_edited(codex_home: Path) -> None:
    from app_server.cli import ServeOptions

    path = codex_home / "config.toml"
    path.write_text('model = "root"\n')
    options = ServeOptions(overrides=['profile="fast"'])
    async with in_process_daemon(codex_home, options) as client:
        await client.initialize()
        await client.call("setDefaultModel", {"model": "o3", "reasoningEffort": "low"})
    assert path.read_text() == (
        'model = "root"\n\n[profiles.fast]\nmodel = "o3"\nmodel_reasoning_effort = "low"\n'
    )


async def test_invalid_effort_is_an_invalid_request(codex_home: Path) -> None:
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        error = await client.call_error("setDefaultModel", {"model": "m", "reasoningEffort": "max"})
    assert error["code"] == -32600
    assert "reasoningEffort" in error["message"]
    assert not (codex_home / "config.toml").exists()


async def test_a_broken_file_is_reported_and_left_untouched(codex_home: Path) -> None:
    path = codex_home / "config.toml"
    path.write_text('model = "a"\nbroken = ]\nother = 1\n')
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        error = await client.call_error("setDefaultModel", {"model": "b"})
        assert error["code"] == -32603
        assert str(path) in error["message"] and ":2:" in error["message"]
        # the daemon goes on
        assert "userAgent" in await client.call("getUserAgent")
    assert path.read_text() == 'model = "a"\nbroken = ]\nother = 1\n'


def test_the_file_keeps_its_mode_and_a_new_one_is_private(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert set_keys(tmp_path, {"model": "a"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o640)
    assert set_keys(tmp_path, {"model": "b"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_nothing_is_written_when_nothing_changes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# only a comment\n")
    before = path.stat()
    assert not set_keys(tmp_path, {"model": None, "model_reasoning_effort": None})
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert not set_keys(tmp_path / "nowhere", {"model": None})


def test_a_symlinked_config_is_edited_through_the_link(tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "codex.toml"
    target.parent.mkdir()
    target.write_text('approval_policy = "never"\n')
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").symlink_to(target)
    set_keys(home, {"model": "m"})
    assert (home / "config.toml").is_symlink()
    assert target.read_text() == 'approval_policy = "never"\nmodel = "m"\n'


def test_a_failed_write_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('model = "old"\n')

    def fail_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(ConfigError, match="No space left on device"):
        set_keys(tmp_path, {"model": "new"})
    assert path.read_text() == 'model = "old"\n'
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_heavy_libraries_are_not_imported_by_the_serving_modules() -> None:
    code = (
        "import sys, app_server.server, app_server.app, app_server.processor; "
        "print(sorted(m for m in ('tomlkit', 'httpx', 'keyring') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
