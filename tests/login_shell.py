"""The shell the reference runs ``shell_command`` scripts with on this machine."""

from __future__ import annotations

import os
import pwd
from pathlib import PurePosixPath

import pytest


def login_shell() -> str:
    """The login shell of the password database (0.107.0 ignores ``$SHELL``);
    skips the test when it is not bash, zsh or sh, which these tests assume."""
    entry = pwd.getpwuid(os.getuid()).pw_shell
    if PurePosixPath(entry).name not in ("bash", "zsh", "sh"):
        pytest.skip(f"the login shell here is {entry!r}")
    return entry
