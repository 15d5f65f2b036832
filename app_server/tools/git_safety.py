"""Which ``git`` invocations only read (0.107.0's rules).

``git status``, ``log``, ``diff``, ``show`` and a listing ``git branch``, found
past git's global options (``git -C dir status`` counts), and only without
options that write files or run programs (``--output``, ``--ext-diff``,
``--exec``...) or override configuration (``-c``, anywhere in the command:
a pager or an external diff could run anything).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

_READ_ONLY_SUBCOMMANDS: Final = frozenset({"status", "log", "diff", "show", "branch"})
_GLOBAL_OPTIONS_WITH_VALUE: Final = frozenset(
    {"-C", "-c", "--config-env", "--exec-path", "--git-dir", "--namespace", "--super-prefix",
     "--work-tree"}
)  # fmt: skip
_GLOBAL_OPTIONS_WITH_INLINE_VALUE: Final = (
    "--config-env=", "--exec-path=", "--git-dir=", "--namespace=", "--super-prefix=",
    "--work-tree=",
)  # fmt: skip
_UNSAFE_OPTIONS: Final = frozenset({"--output", "--ext-diff", "--textconv", "--exec", "--paginate"})
_LISTING_BRANCH_OPTIONS: Final = frozenset(
    {"--list", "-l", "--show-current", "-a", "--all", "-r", "--remotes", "-v", "-vv", "--verbose"}
)


def is_read_only_git(command: Sequence[str]) -> bool:
    """Whether ``git ARGS`` (``command[0]`` is git by any path) only reads."""
    if any(_overrides_config(arg) for arg in command):
        return False
    found = _subcommand(command)
    if found is None:
        return False
    index, subcommand = found
    args = command[index + 1 :]
    if any(arg in _UNSAFE_OPTIONS or arg.startswith(("--output=", "--exec=")) for arg in args):
        return False
    return subcommand != "branch" or _branch_only_lists(args)


def _overrides_config(arg: str) -> bool:
    return (
        arg in ("-c", "--config-env")
        or (arg.startswith("-c") and len(arg) > 2)
        or arg.startswith("--config-env=")
    )


def _subcommand(command: Sequence[str]) -> tuple[int, str] | None:
    """The read-only subcommand and its index, when git's first non-option word is one."""
    skip_next = False
    for index in range(1, len(command)):
        arg = command[index]
        if skip_next:
            skip_next = False
        elif arg.startswith(_GLOBAL_OPTIONS_WITH_INLINE_VALUE) or (
            arg.startswith(("-C", "-c")) and len(arg) > 2
        ):
            continue
        elif arg in _GLOBAL_OPTIONS_WITH_VALUE:
            skip_next = True
        elif arg.startswith("-"):
            continue
        else:
            return (index, arg) if arg in _READ_ONLY_SUBCOMMANDS else None
    return None


def _branch_only_lists(args: Sequence[str]) -> bool:
    """``git branch`` with no argument, or with listing options only."""
    if not args:
        return True
    return all(arg in _LISTING_BRANCH_OPTIONS or arg.startswith("--format=") for arg in args)
