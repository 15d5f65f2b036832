"""The configuration layers as `config/read` shows them: each layer's table,
where it comes from and its version, the merged table, and which layer each
key's value comes from.

A layer's version is ``sha256:`` and the hex SHA-256 of its table as compact
JSON with sorted keys, as the reference computes it: the same table gives the
same version whatever the file's formatting. Layers are listed highest
precedence first: the daemon's ``-c`` overrides, `managed_config.toml`, the
user's `config.toml`, then the system's `/etc/codex/config.toml`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .layers import (
    CONFIG_FILE,
    MANAGED_CONFIG_FILE,
    Table,
    deep_merge,
    overrides_table,
    parse_override,
    read_toml,
    system_config_file,
)

LayerKind = Literal["sessionFlags", "legacyManagedConfigTomlFromFile", "user", "system"]


@dataclass(frozen=True)
class Layer:
    kind: LayerKind
    file: Path | None
    table: Table

    @property
    def version(self) -> str:
        return table_version(self.table)


def table_version(table: Mapping[str, Any]) -> str:
    canonical = json.dumps(table, sort_keys=True, separators=(",", ":"), default=_toml_scalar)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _toml_scalar(value: object) -> str:
    # Dates and times (the only TOML values JSON lacks) as their TOML text.
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def user_config_path(codex_home: Path) -> Path:
    return codex_home / CONFIG_FILE


def read_layers(codex_home: Path, cli_overrides: Iterable[str] = ()) -> list[Layer]:
    """Every layer, highest precedence first. Blocking (reads the files)."""
    layers: list[Layer] = []
    overrides = overrides_table(parse_override(text) for text in cli_overrides)
    if overrides:
        layers.append(Layer("sessionFlags", None, overrides))
    managed_path = codex_home / MANAGED_CONFIG_FILE
    if managed_path.is_file():
        layers.append(
            Layer("legacyManagedConfigTomlFromFile", managed_path, read_toml(managed_path))
        )
    user_path = user_config_path(codex_home)
    layers.append(Layer("user", user_path, read_toml(user_path)))
    system_path = Path(system_config_file())
    layers.append(Layer("system", system_path, read_toml(system_path)))
    return layers


def merged(layers: Iterable[Layer]) -> Table:
    """The layers' tables merged (``layers`` highest precedence first)."""
    table: Table = {}
    for layer in reversed(list(layers)):
        table = deep_merge(table, layer.table)
    return table


def leaf_paths(table: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every non-table value of ``table`` with its dotted path."""
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from leaf_paths(value, path + ".")
        else:
            yield path, value


def origins(layers: Iterable[Layer]) -> dict[str, Layer]:
    """For each dotted key of the merged table, the layer its value comes from."""
    layers = list(layers)
    found: dict[str, Layer] = {}
    for layer in layers:
        for path, _ in leaf_paths(layer.table):
            found.setdefault(path, layer)
    return {path: found[path] for path, _ in leaf_paths(merged(layers)) if path in found}
