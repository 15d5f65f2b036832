"""Recognising a patch sent through the shell tool.

The model may apply a patch by running ``["apply_patch", PATCH]`` (or
``applypatch``), or a shell script (``bash -lc``, ``/bin/zsh -c``,
``sh -c``...: see `shells.shell_script`) that is only a heredoc feeding
``apply_patch``, optionally after one ``cd DIR &&``::

    apply_patch <<'EOF'
    *** Begin Patch
    ...
    *** End Patch
    EOF

Those are handled as patches (with patch events and approvals), not run
as commands. Anything else (another shell such as dash, more commands
after the heredoc, a wrong number of arguments) is an ordinary command.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ..shells import shell_script

_NAMES: Final = ("apply_patch", "applypatch")
_HEREDOC: Final = re.compile(
    r"(?:cd[ \t]+(?P<cd>'[^']*'|\"[^\"\\$`]*\"|[^\s'\"\\$`;&|<>()]+)[ \t]*&&[ \t]*)?"
    r"(?P<name>apply_patch|applypatch)[ \t]*<<-?[ \t]*"
    r"(?P<quote>['\"]?)(?P<delim>[A-Za-z_][A-Za-z0-9_]*)(?P=quote)[ \t]*\n"
    r"(?P<body>(?:[^\n]*\n)*?)"
    r"(?P=delim)[ \t]*",
)

USAGE: Final = "Usage: apply_patch 'PATCH'\n       echo 'PATCH' | apply-patch\n"
"""What the reference's ``apply_patch`` program prints without an argument (exit status 2)."""
TOO_MANY_ARGUMENTS: Final = "Error: apply_patch accepts exactly one argument.\n"
"""What it prints with more than one argument (exit status 2)."""


@dataclass(frozen=True)
class PatchInvocation:
    patch: str
    workdir: str | None = None
    """The folder of a ``cd DIR &&`` prefix, relative to the command's working directory."""


def find_patch_invocation(argv: Sequence[str]) -> PatchInvocation | None:
    """The patch ``argv`` applies, when it is an apply_patch invocation."""
    if len(argv) == 2 and argv[0] in _NAMES:
        return PatchInvocation(argv[1])
    script = shell_script(argv)
    return None if script is None else _from_heredoc(script)


def _from_heredoc(script: str) -> PatchInvocation | None:
    match = _HEREDOC.fullmatch(script.strip())
    if match is None:
        return None
    body, delim = match.group("body"), match.group("delim")
    if delim in body.split("\n"):
        return None  # the heredoc would end earlier: more commands follow
    cd = match.group("cd")
    if cd is not None and cd[:1] in ("'", '"'):
        cd = cd[1:-1]
    return PatchInvocation(body, cd)
