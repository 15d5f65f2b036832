"""Shell invocations and the user's shell, as 0.107.0 recognises and picks them."""

from __future__ import annotations

import os
import pwd
import shutil
from pathlib import Path
from typing import Any

import pytest

from app_server.tools import shells
from app_server.tools.apply_patch import find_patch_invocation
from app_server.tools.parse_command import parse_command
from app_server.tools.safety import Verdict, exec_decision, is_known_safe_command
from app_server.tools.shells import Shell, ShellKind, shell_for_program, shell_kind, shell_script
from app_server_protocol.common import ApprovalMode, SandboxPolicyWorkspaceWrite

from .reference_data import load_fixture

WRAPPERS: list[dict[str, Any]] = load_fixture("shell_wrapper_reference.json")
COMMANDS = [case for case in WRAPPERS if not case["patch"]]


def _id(case: dict[str, Any]) -> str:
    return repr(case["argv"])[:80]


@pytest.mark.parametrize(
    ("program", "kind"),
    [
        ("bash", ShellKind.BASH),
        ("/bin/bash", ShellKind.BASH),
        ("/usr/local/bin/bash/", ShellKind.BASH),
        ("bash.exe", ShellKind.BASH),
        ("/opt/bash.old.exe", ShellKind.BASH),
        ("/usr/bin/zsh", ShellKind.ZSH),
        ("/bin/sh", ShellKind.SH),
        ("pwsh.exe", ShellKind.POWERSHELL),
        ("cmd", ShellKind.CMD),
        ("BASH", None),
        ("/bin/dash", None),
        ("fish", None),
        ("ksh", None),
        ("", None),
        ("/", None),
        (".bash", None),
    ],
)
def test_shell_kind_goes_by_the_file_name(program: str, kind: ShellKind | None) -> None:
    assert shell_kind(program) is kind


def test_shell_script_takes_three_words_with_a_script_flag() -> None:
    assert shell_script(["/bin/zsh", "-c", "ls"]) == "ls"
    assert shell_script(["sh", "-lc", ""]) == ""
    assert shell_script(["/bin/bash", "-l", "ls"]) is None
    assert shell_script(["/bin/bash", "-lc", "ls", "x"]) is None
    assert shell_script(["/bin/dash", "-lc", "ls"]) is None
    assert shell_script(["pwsh", "-c", "ls"]) is None


@pytest.mark.parametrize("case", COMMANDS, ids=_id)
def test_parsed_cmd_of_shell_invocations_matches_0107(case: dict[str, Any]) -> None:
    parsed = [p.model_dump(mode="json") for p in parse_command(case["argv"])]
    assert parsed == case["parsed_cmd"]


@pytest.mark.parametrize("case", COMMANDS, ids=_id)
def test_known_safe_shell_invocations_match_0107(case: dict[str, Any]) -> None:
    assert is_known_safe_command(case["argv"]) is case["known_safe"]


@pytest.mark.parametrize("case", COMMANDS, ids=_id)
def test_on_request_asks_about_the_shell_invocations_0107_asks_about(
    case: dict[str, Any],
) -> None:
    decision = exec_decision(case["argv"], ApprovalMode.ON_REQUEST, SandboxPolicyWorkspaceWrite())
    assert (decision.verdict is Verdict.ASK) is case["on_request_asks"]


@pytest.mark.parametrize("case", WRAPPERS, ids=_id)
def test_heredoc_patches_through_a_shell_are_patches_as_in_0107(case: dict[str, Any]) -> None:
    assert (find_patch_invocation(case["argv"]) is not None) is case["patch"]


def test_a_shell_runs_a_script_with_a_login_flag() -> None:
    bash = Shell(ShellKind.BASH, "/bin/bash")
    assert bash.script_argv("ls -la", login=True) == ["/bin/bash", "-lc", "ls -la"]
    assert bash.script_argv("ls -la", login=False) == ["/bin/bash", "-c", "ls -la"]
    assert Shell(ShellKind.ZSH, "/usr/bin/zsh").name == "zsh"


# --- which shell -------------------------------------------------------------------


@pytest.fixture
def login_shell(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the login shell the password database reports (and forget the cached answer)."""
    shells.user_shell.cache_clear()

    def set_login_shell(path: str | None) -> None:
        monkeypatch.setattr(shells, "_password_database_shell", lambda: path)
        shells.user_shell.cache_clear()

    yield set_login_shell
    shells.user_shell.cache_clear()


def test_the_user_shell_is_the_login_shell_of_the_password_database(
    login_shell: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHELL", "/usr/bin/fish")  # not read: the reference ignores $SHELL
    login_shell("/usr/bin/zsh")  # taken as is, even when it is not installed
    assert shells.user_shell() == Shell(ShellKind.ZSH, "/usr/bin/zsh")
    login_shell("/bin/sh")
    assert shells.user_shell() == Shell(ShellKind.SH, "/bin/sh")


def test_another_login_shell_falls_back_to_bash_on_the_path(
    login_shell: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bash = tmp_path / "bash"
    bash.write_text("#!/bin/sh\n")
    bash.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    login_shell("/usr/bin/fish")
    assert shells.user_shell() == Shell(ShellKind.BASH, str(bash))
    login_shell(None)
    assert shells.user_shell() == Shell(ShellKind.BASH, str(bash))


def test_without_bash_or_zsh_the_user_shell_is_bin_sh(
    login_shell: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(shells, "_is_file", lambda path: False)
    login_shell("/usr/bin/fish")
    assert shells.user_shell() == Shell(ShellKind.SH, "/bin/sh")


def test_on_this_machine_the_user_shell_is_the_password_database_entry() -> None:
    entry = pwd.getpwuid(os.getuid()).pw_shell
    if shell_kind(entry) not in shells.POSIX_SHELLS:
        pytest.skip(f"the login shell here is {entry}")
    shells.user_shell.cache_clear()
    assert shells.user_shell().path == entry


def test_a_shell_the_model_names_is_used_when_it_exists() -> None:
    sh = shutil.which("sh")
    assert sh is not None
    assert shell_for_program(sh) == Shell(ShellKind.SH, sh)
    # Not installed: another of its kind (the login shell, PATH, /bin/NAME),
    # else /bin/sh; a program that is no shell gets /bin/sh.
    assert shell_for_program("/nowhere/bash").kind is ShellKind.BASH
    assert shell_for_program("fish") == Shell(ShellKind.SH, "/bin/sh")


def test_a_missing_shell_of_a_kind_not_installed_is_bin_sh(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(shells, "_password_database_shell", lambda: "/bin/bash")
    monkeypatch.setattr(shells, "_is_file", lambda path: path == "/bin/sh")
    assert shell_for_program("zsh") == Shell(ShellKind.SH, "/bin/sh")
