"""Commands that look destructive, which 0.107.0 asks about under ``on-request``
and ``on-failure`` even when a sandbox would contain them.

Only a forced ``rm`` is: ``rm -f`` or ``rm -rf`` (the option first, the program
named exactly ``rm``), also behind any number of ``sudo``, also as one command
of a plain shell script. 0.50.0's ``git reset`` / ``git rm`` rule is gone.
"""

from __future__ import annotations

from collections.abc import Sequence

from .shell_syntax import parse_plain_script
from .shells import shell_script


def command_might_be_dangerous(argv: Sequence[str]) -> bool:
    """Whether ``argv`` looks destructive."""
    if _is_dangerous(argv):
        return True
    script = shell_script(argv)
    commands = None if script is None else parse_plain_script(script)
    return any(_is_dangerous(words) for words in commands or ())


def _is_dangerous(command: Sequence[str]) -> bool:
    while command and command[0] == "sudo":
        command = command[1:]
    return len(command) > 1 and command[0] == "rm" and command[1] in ("-f", "-rf")
