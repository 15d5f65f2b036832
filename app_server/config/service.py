"""The configuration as handlers use it: always read fresh from disk (the
files are small and users edit them while the daemon runs)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .layers import ConfigError
from .model import Config, ConfigToml
from .resolve import ConfigOverrides, load_config_toml, resolve_config

if TYPE_CHECKING:
    from ..cli import ServeOptions


class ConfigService:
    def __init__(self, codex_home: Path, options: ServeOptions) -> None:
        self.codex_home = codex_home
        self._options = options

    def toml(self) -> ConfigToml:
        """The layered files with the daemon's ``-c`` overrides (no profile applied)."""
        return load_config_toml(self.codex_home, self._options.overrides)

    def resolve(self, overrides: ConfigOverrides | None = None) -> Config:
        """Every setting decided, for a new conversation or a request."""
        return resolve_config(
            self.codex_home,
            cli_overrides=self._options.overrides,
            enable=self._options.enable,
            disable=self._options.disable,
            overrides=overrides,
        )


__all__ = ["ConfigError", "ConfigOverrides", "ConfigService"]
