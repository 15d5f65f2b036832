"""Reading the arguments of one command: options, operands and shown paths.

Shared by the `parsed_cmd` summary and the known-safe rules. Options are told
from operands the way the reference does it: a word starting with ``-`` is an
option, ``--name=value`` carries its own value, a few named options take the
next word as their value, and everything after ``--`` is an operand.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Final

CONNECTORS: Final = frozenset({"&&", "||", "|", ";"})
_UNINFORMATIVE_DIRS: Final = frozenset({"build", "dist", "node_modules", "src"})


def trim_at_connector(args: Sequence[str]) -> list[str]:
    """The arguments before the first ``|``, ``&&``, ``||`` or ``;``."""
    for i, arg in enumerate(args):
        if arg in CONNECTORS:
            return list(args[:i])
    return list(args)


def without_option_values(args: Sequence[str], options_with_value: Collection[str]) -> list[str]:
    """``args`` less ``--name=value`` words and the values of ``options_with_value``;
    everything after ``--`` is kept (the ``--`` itself is dropped)."""
    out: list[str] = []
    skip_next = False
    for i, arg in enumerate(args):
        if skip_next:
            skip_next = False
        elif arg == "--":
            out.extend(args[i + 1 :])
            break
        elif arg.startswith("--") and "=" in arg:
            continue
        elif arg in options_with_value:
            skip_next = i + 1 < len(args)
        else:
            out.append(arg)
    return out


def non_options(args: Sequence[str]) -> list[str]:
    return [arg for arg in args if not arg.startswith("-")]


def operands(args: Sequence[str], options_with_value: Collection[str] = ()) -> list[str]:
    """The operands of ``args``: words that are not options nor option values,
    and every word after ``--`` (even one starting with ``-``)."""
    out: list[str] = []
    after_double_dash = False
    skip_next = False
    for i, arg in enumerate(args):
        if skip_next:
            skip_next = False
        elif after_double_dash:
            out.append(arg)
        elif arg == "--":
            after_double_dash = True
        elif arg.startswith("--") and "=" in arg:
            continue
        elif arg in options_with_value:
            skip_next = i + 1 < len(args)
        elif not arg.startswith("-"):
            out.append(arg)
    return out


def first_operand(args: Sequence[str], options_with_value: Collection[str] = ()) -> str | None:
    found = operands(args, options_with_value)
    return found[0] if found else None


def only_operand(args: Sequence[str], options_with_value: Collection[str] = ()) -> str | None:
    """The operand of ``args`` when there is exactly one."""
    found = operands(args, options_with_value)
    return found[0] if len(found) == 1 else None


def short_display_path(path: str) -> str:
    """The most telling component of ``path`` (``webview/src/`` -> ``webview``),
    with ``\\`` read as a separator too."""
    trimmed = path.replace("\\", "/").rstrip("/")
    for part in reversed(trimmed.split("/")):
        if part and part not in _UNINFORMATIVE_DIRS:
            return part
    return trimmed


_SED_PRINT_RANGE: Final = re.compile(r"[0-9]+(,[0-9]+)?p")


def is_sed_print_range(arg: str | None) -> bool:
    """Whether ``arg`` is a sed script printing lines ``N`` or ``N,M`` (``5p``, ``1,20p``)."""
    return arg is not None and _SED_PRINT_RANGE.fullmatch(arg) is not None
