"""The environment a command runs with (`[shell_environment_policy]`).

As with the reference: start from the daemon's environment (``inherit =
"all"``, or only the core variables with ``"core"``, or nothing with
``"none"``), drop the variables whose names look like credentials (``*KEY*``,
``*SECRET*``, ``*TOKEN*``, unless ``ignore_default_excludes``), drop the
``exclude`` patterns, add ``set``, and keep only ``include_only`` when given.
Patterns are shell globs matched without regard to case. The table is
validated when the configuration is read (`ShellEnvironmentPolicyToml`), so
nothing here guesses what a malformed value meant.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping
from typing import Final

from ..config.model import ShellEnvironmentPolicyToml
from .sandbox import NETWORK_DISABLED_ENV

_CORE_VARS: Final = frozenset(
    {"HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME", "TMPDIR", "TEMP", "TMP"}
)
_DEFAULT_EXCLUDES: Final = ("*KEY*", "*SECRET*", "*TOKEN*")
# Made without validation: validating would build the model's validator at import.
_DEFAULT_POLICY: Final = ShellEnvironmentPolicyToml.model_construct()


def _matches(name: str, patterns: Iterable[str]) -> bool:
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, pattern.lower()) for pattern in patterns)


def command_environment(
    policy: ShellEnvironmentPolicyToml | None = None,
    *,
    network_disabled: bool = False,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The variables for a command under ``policy`` (the default one: all but credentials)."""
    policy = policy or _DEFAULT_POLICY
    source = os.environ if base is None else base
    match policy.inherit:
        case "none":
            env: dict[str, str] = {}
        case "core":
            env = {k: v for k, v in source.items() if k in _CORE_VARS}
        case "all":
            env = dict(source)
    if not policy.ignore_default_excludes:
        env = {k: v for k, v in env.items() if not _matches(k, _DEFAULT_EXCLUDES)}
    if policy.exclude:
        env = {k: v for k, v in env.items() if not _matches(k, policy.exclude)}
    env.update(policy.overrides)
    if policy.include_only:
        env = {k: v for k, v in env.items() if _matches(k, policy.include_only)}
    if network_disabled:
        env[NETWORK_DISABLED_ENV] = "1"
    return env
