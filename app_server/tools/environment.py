"""The environment a command runs with (`[shell_environment_policy]`).

As with the reference: start from the daemon's environment (``inherit =
"all"``, or only the core variables with ``"core"``, or nothing with
``"none"``), drop the variables whose names look like credentials (``*KEY*``,
``*SECRET*``, ``*TOKEN*``, unless ``ignore_default_excludes``), drop the
``exclude`` patterns, add ``set``, and keep only ``include_only`` when given.
Patterns are shell globs matched without regard to case.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping
from typing import Any, Final

from .sandbox import NETWORK_DISABLED_ENV

_CORE_VARS: Final = frozenset(
    {"HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME", "TMPDIR", "TEMP", "TMP"}
)
_DEFAULT_EXCLUDES: Final = ("*KEY*", "*SECRET*", "*TOKEN*")


def _matches(name: str, patterns: Iterable[str]) -> bool:
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, pattern.lower()) for pattern in patterns)


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    return []


def command_environment(
    policy: Mapping[str, Any] | None = None,
    *,
    network_disabled: bool = False,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The variables for a command, from the ``[shell_environment_policy]`` table."""
    policy = policy or {}
    source = os.environ if base is None else base
    inherit = str(policy.get("inherit", "all")).lower()
    if inherit == "none":
        env: dict[str, str] = {}
    elif inherit == "core":
        env = {k: v for k, v in source.items() if k in _CORE_VARS}
    else:
        env = dict(source)
    if not policy.get("ignore_default_excludes", False):
        env = {k: v for k, v in env.items() if not _matches(k, _DEFAULT_EXCLUDES)}
    excludes = _strings(policy.get("exclude"))
    if excludes:
        env = {k: v for k, v in env.items() if not _matches(k, excludes)}
    overrides = policy.get("set")
    if isinstance(overrides, Mapping):
        env.update({str(k): str(v) for k, v in overrides.items()})
    include_only = _strings(policy.get("include_only"))
    if include_only:
        env = {k: v for k, v in env.items() if _matches(k, include_only)}
    if network_disabled:
        env[NETWORK_DISABLED_ENV] = "1"
    return env
