"""Checks made before the daemon answers anything (standard library only,
and not even `pathlib`: every millisecond here delays the reply to
``initialize``).

Like the reference, the daemon refuses to start when `CODEX_HOME` points to a
folder that does not exist, when `managed_config.toml` is not valid TOML (the
message names the file, the line and what is wrong), and when ``--enable``
or ``--disable`` names no feature flag. A `config.toml` that cannot be read
does not stop it (0.107 starts, warns with ``configWarning`` and fails the
requests that need the configuration).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .files import MANAGED_CONFIG_FILE

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from ..options import ServeOptions


class PreflightError(Exception):
    """The daemon cannot start; the message says why."""


def codex_home() -> Path:
    """`CODEX_HOME`, or ``~/.codex``."""
    from pathlib import Path

    return Path(codex_home_text())


def codex_home_text() -> str:
    """`codex_home` as a string."""
    return os.environ.get("CODEX_HOME") or os.path.join(os.path.expanduser("~"), ".codex")


def preflight(options: ServeOptions) -> None:
    # The TOML reader is imported only when there is something to read: most
    # daemons have neither a managed configuration nor overrides.
    if options.enable or options.disable:
        # Imported only then: `features` needs `dataclasses`, slow to import.
        from .features import UnknownFeature, check_known

        try:
            check_known([*options.enable, *options.disable])
        except UnknownFeature as exc:
            raise PreflightError(str(exc)) from None
    if options.overrides:
        from .layers import ConfigError, parse_override, split_dotted

        for text in options.overrides:
            try:
                split_dotted(parse_override(text)[0])
            except ConfigError as exc:
                raise PreflightError(str(exc)) from None
    env = os.environ.get("CODEX_HOME")
    if env and not os.path.isdir(env):
        raise PreflightError(
            f"error loading config: CODEX_HOME `{env}` does not exist or is not a folder"
        )
    managed = os.path.join(codex_home_text(), MANAGED_CONFIG_FILE)
    if os.path.lexists(managed):
        from .layers import ConfigError, read_toml

        try:
            read_toml(managed)
        except ConfigError as exc:
            raise PreflightError(f"error loading config: {exc}") from None
    if options.overrides:
        _check_profile(overrides=options.overrides)


def _check_profile(overrides: Sequence[str]) -> None:
    """A profile chosen on the command line (``--profile``, ``-c profile=...``)
    must exist: better said at once than at each new conversation."""
    from .layers import ConfigError, load_layers, parse_override

    if not any(parse_override(text)[0] == "profile" for text in overrides):
        return
    try:
        table = load_layers(codex_home(), overrides)
    except ConfigError as exc:
        raise PreflightError(f"error loading config: {exc}") from None
    name = table.get("profile")
    profiles = table.get("profiles")
    if isinstance(name, str) and not (isinstance(profiles, dict) and name in profiles):
        raise PreflightError(f"config profile `{name}` not found")
