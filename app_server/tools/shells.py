"""Which shell a command runs in, and how a shell invocation is recognised.

Two jobs, with the reference's (0.107.0) rules:

- `shell_script` tells a shell wrapper (``bash -lc SCRIPT``,
  ``/bin/zsh -c SCRIPT``, ``sh -lc SCRIPT``...) from any other argv, so
  that the safety rules, ``parsed_cmd`` and the approval rules read the
  script inside. A program is a shell by its file name, with the reference's
  `shell_kind` (``/usr/bin/bash``, ``bash.exe`` and ``zsh`` count,
  ``dash`` and ``fish`` do not).
- `user_shell` is the shell ``shell_command`` and ``exec_command`` run a
  script with: the login shell of the user in the password database (not
  ``$SHELL``), by its path, when it is bash, zsh or sh; otherwise bash found
  on ``PATH`` (or ``/bin/bash``), then zsh, then ``/bin/sh``.
"""

from __future__ import annotations

import functools
import os
import posixpath
import pwd
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final


class ShellKind(Enum):
    BASH = "bash"
    ZSH = "zsh"
    SH = "sh"
    POWERSHELL = "powershell"
    CMD = "cmd"


_KIND_BY_NAME: Final = {
    "bash": ShellKind.BASH,
    "zsh": ShellKind.ZSH,
    "sh": ShellKind.SH,
    "cmd": ShellKind.CMD,
    "pwsh": ShellKind.POWERSHELL,
    "powershell": ShellKind.POWERSHELL,
}
#: The shells whose ``-c``/``-lc`` script is read as a POSIX shell script.
POSIX_SHELLS: Final = frozenset({ShellKind.BASH, ShellKind.ZSH, ShellKind.SH})
_SCRIPT_FLAGS: Final = frozenset({"-lc", "-c"})


def _file_stem(path: str) -> str | None:
    """The file name without its last extension (``/bin/bash.exe`` -> ``bash``)."""
    name = posixpath.basename(path.rstrip("/")) if path.strip("/") else ""
    if name in ("", ".", ".."):
        return None
    dot = name.rfind(".")
    return name if dot <= 0 else name[:dot]


def shell_kind(program: str) -> ShellKind | None:
    """The kind of shell ``program`` names, by its file name; None when it is no shell.

    Extensions are peeled one at a time, as the reference does
    (``bash.old.exe`` is bash); the comparison is case-sensitive.
    """
    kind = _KIND_BY_NAME.get(program)
    if kind is not None:
        return kind
    stem = _file_stem(program)
    if stem is None or stem == program:
        return None
    return shell_kind(stem)


def shell_script(argv: Sequence[str]) -> str | None:
    """The script of ``SHELL -lc SCRIPT`` or ``SHELL -c SCRIPT`` (bash, zsh or sh,
    by any path); None for any other command."""
    if len(argv) != 3 or argv[1] not in _SCRIPT_FLAGS:
        return None
    return argv[2] if shell_kind(argv[0]) in POSIX_SHELLS else None


_POWERSHELL_FLAGS: Final = frozenset({"-nologo", "-noprofile", "-command", "-c"})


def powershell_script(argv: Sequence[str]) -> str | None:
    """The script of ``pwsh [-NoLogo] [-NoProfile] -Command SCRIPT`` (``-c`` too,
    any case, any path to pwsh or powershell); None for any other command."""
    if len(argv) < 3 or shell_kind(argv[0]) is not ShellKind.POWERSHELL:
        return None
    for i in range(1, len(argv) - 1):
        flag = argv[i].lower()
        if flag not in _POWERSHELL_FLAGS:
            return None
        if flag in ("-command", "-c"):
            return argv[i + 1]
    return None


@dataclass(frozen=True)
class Shell:
    kind: ShellKind
    path: str

    @property
    def name(self) -> str:
        """What the model is told the shell is (``bash``, ``zsh``, ``sh``)."""
        return self.kind.value

    def script_argv(self, script: str, *, login: bool) -> list[str]:
        """The argv that runs ``script`` in this shell (a login shell with ``login``)."""
        return [self.path, "-lc" if login else "-c", script]


_FALLBACK: Final = Shell(ShellKind.SH, "/bin/sh")


def _password_database_shell() -> str | None:
    try:
        return pwd.getpwuid(os.getuid()).pw_shell or None
    except KeyError:
        return None


def _is_file(path: str) -> bool:
    return os.path.isfile(path)


def _find(kind: ShellKind, given: str | None, login_shell: str | None) -> Shell | None:
    """A shell of ``kind``: ``given`` when that file exists, else the user's login
    shell when it is of that kind, else the program on PATH, else /bin/NAME."""
    if given is not None and _is_file(given):
        return Shell(kind, given)
    if login_shell is not None and shell_kind(login_shell) is kind:
        return Shell(kind, login_shell)
    found = shutil.which(kind.value)
    if found is not None:
        return Shell(kind, found)
    fallback = f"/bin/{kind.value}"
    return Shell(kind, fallback) if _is_file(fallback) else None


@functools.cache
def user_shell() -> Shell:
    """The shell scripts run in (the user's login shell; see the module docstring)."""
    login_shell = _password_database_shell()
    kind = shell_kind(login_shell) if login_shell is not None else None
    if kind in POSIX_SHELLS and login_shell is not None:
        return Shell(kind, login_shell)
    for candidate in (ShellKind.BASH, ShellKind.ZSH):
        shell = _find(candidate, None, login_shell)
        if shell is not None:
            return shell
    return _FALLBACK


def shell_for_program(program: str) -> Shell:
    """The shell to use when the model names one (``exec_command``'s ``shell``):
    that program when it exists, else another shell of its kind, else ``/bin/sh``."""
    kind = shell_kind(program)
    if kind not in POSIX_SHELLS or kind is None:
        return _FALLBACK
    return _find(kind, program, _password_database_shell()) or _FALLBACK
