"""The configuration as handlers use it: always read fresh from disk (the
files are small and users edit them while the daemon runs)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from .layer_view import Layer, read_layers
from .layers import ConfigError, load_layers
from .model import Config, ConfigToml
from .otel import OtelSettings
from .resolve import ConfigOverrides, load_config_toml, parse_config_toml, resolve_config

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..options import ServeOptions
    from .write import ValueEdit, WriteResult


class ConfigService:
    def __init__(self, codex_home: Path, options: ServeOptions) -> None:
        self.codex_home = codex_home
        self._options = options

    def toml(self) -> ConfigToml:
        """The layered files with the daemon's ``-c`` overrides (no profile applied)."""
        return load_config_toml(self.codex_home, self._options.overrides)

    def otel_settings(self) -> OtelSettings:
        """The ``[otel]`` table with its defaults (the daemon reads it once, at
        start-up). Only that table is validated: a mistake elsewhere is not
        telemetry's to report."""
        table = load_layers(self.codex_home, self._options.overrides)
        if "otel" not in table:
            return OtelSettings()
        otel = parse_config_toml({"otel": table["otel"]}, self.codex_home).otel
        return OtelSettings.from_toml(otel)

    def saved(self) -> ConfigToml:
        """What the files say: `config.toml` and `managed_config.toml`, without
        the daemon's ``-c`` overrides."""
        return load_config_toml(self.codex_home)

    def resolve(self, overrides: ConfigOverrides | None = None) -> Config:
        """Every setting decided, for a new conversation or a request."""
        return resolve_config(
            self.codex_home,
            cli_overrides=self._options.overrides,
            enable=self._options.enable,
            disable=self._options.disable,
            overrides=overrides,
        )

    async def layers(self) -> list[Layer]:
        """Every layer with its table, highest precedence first (`config/read`)."""
        return await anyio.to_thread.run_sync(
            read_layers, self.codex_home, list(self._options.overrides)
        )

    async def write_values(
        self,
        edits: Sequence[ValueEdit],
        file_path: str | None,
        expected_version: str | None,
    ) -> WriteResult:
        """Apply edits to the user's `config.toml`, all or none (see `write`)."""
        from .write import write_user_config

        return await anyio.to_thread.run_sync(
            write_user_config, self.codex_home, edits, file_path, expected_version
        )

    async def set_default_model(self, model: str | None, effort: str | None) -> None:
        """Save the default model and reasoning effort in `config.toml` (in the
        active profile, if there is one); None removes the setting. (Requests
        that edit or read the files are serial in the method table: no edit
        overlaps another, and a read sees the edits sent before it.)"""
        await anyio.to_thread.run_sync(self._set_default_model, model, effort)

    def _set_default_model(self, model: str | None, effort: str | None) -> None:
        from .edit import EFFORT_KEY, MODEL_KEY, set_keys

        profile = load_layers(self.codex_home, self._options.overrides).get("profile")
        set_keys(
            self.codex_home,
            {MODEL_KEY: model, EFFORT_KEY: effort},
            profile if isinstance(profile, str) else None,
        )


__all__ = ["ConfigError", "ConfigOverrides", "ConfigService"]
