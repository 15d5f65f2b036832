"""Reading the config files and layering them.

Layers, lowest first: `config.toml`, `managed_config.toml` (an
administrator's settings), the daemon's ``-c key=value`` overrides, then a
request's own overrides. Tables merge recursively; scalars and arrays replace.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .files import CONFIG_FILE as CONFIG_FILE
from .files import MANAGED_CONFIG_FILE as MANAGED_CONFIG_FILE
from .files import SYSTEM_CONFIG_DIR as SYSTEM_CONFIG_DIR
from .files import SYSTEM_CONFIG_DIR_VARIABLE as SYSTEM_CONFIG_DIR_VARIABLE
from .files import system_config_dir as system_config_dir
from .files import system_config_file as system_config_file

if TYPE_CHECKING:
    from pathlib import Path


Table = dict[str, Any]


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and why."""


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def toml_syntax_error(exc: tomllib.TOMLDecodeError) -> tuple[str, int | None, int | None]:
    """tomllib's message without its position, and the line and column (from 1)."""
    message = str(exc)
    position = _TOML_POSITION.search(message)
    if position is None:
        return message, None, None
    return message[: position.start()].lower(), int(position[1]), int(position[2])


def read_toml(path: str | os.PathLike[str]) -> Table:
    """The file's table, ``{}`` when it does not exist."""
    try:
        with open(path, "rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        message, line, column = toml_syntax_error(exc)
        where = f"{path}:{line}:{column}" if line is not None else str(path)
        raise ConfigError(f"{where}: {message}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid UTF-8 (at byte {exc.start})") from None
    except RecursionError:
        raise ConfigError(f"{path}: tables or arrays nested too deeply") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None


def deep_merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> Table:
    """``overlay`` over ``base``: tables merge recursively, anything else replaces."""
    merged: Table = dict(base)
    for key, value in overlay.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged


def split_dotted(key: str) -> list[str]:
    """``a.b."c.d"`` -> ``["a", "b", "c.d"]`` (quoted parts may hold dots)."""
    parts = [m.group(1) or m.group(2) for m in re.finditer(r'"([^"]*)"|([^.]+)', key)]
    if not parts or any(not part.strip() for part in parts):
        raise ConfigError(f"invalid config key `{key}`")
    return [part.strip() for part in parts]


def set_dotted(table: Table, key: str, value: Any) -> None:
    """Set ``a.b.c = value`` in ``table``, creating (or replacing) tables on the way."""
    *parents, leaf = split_dotted(key)
    node = table
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[leaf] = value


def parse_override(text: str) -> tuple[str, Any]:
    """A ``-c key=value`` override: the value is TOML when it parses (as for
    Codex: ``{a = 1}``, ``'o3'``), else JSON (``null``, ``{"a": 1}``), else
    the string as written."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"invalid override `{text}`: expected key=value")
    raw = raw.strip()
    value: Any
    try:
        value = tomllib.loads(f"value = {raw}")["value"]
    except (tomllib.TOMLDecodeError, RecursionError):
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            value = raw
    return key.strip(), value


def overrides_table(pairs: Iterable[tuple[str, Any]]) -> Table:
    table: Table = {}
    for key, value in pairs:
        set_dotted(table, key, value)
    return table


def load_layers(codex_home: Path, cli_overrides: Iterable[str] = ()) -> Table:
    """The system's `config.toml` < the user's < `managed_config.toml` < ``-c``
    overrides, merged."""
    table = deep_merge(read_toml(system_config_file()), read_toml(codex_home / CONFIG_FILE))
    managed = read_toml(codex_home / MANAGED_CONFIG_FILE)
    if managed:
        table = deep_merge(table, managed)
    overrides = overrides_table(parse_override(text) for text in cli_overrides)
    if overrides:
        table = deep_merge(table, overrides)
    return table


def locate_key(path: Path, dotted: list[str]) -> int | None:
    """Best effort: the line (1-based) of ``dotted`` in a TOML file, for error messages."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    table: list[str] = []
    header = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    for number, line in enumerate(lines, start=1):
        match = header.match(line)
        if match:
            try:
                table = split_dotted(match.group(1))
            except ConfigError:
                table = []
            continue
        key, sep, _ = line.partition("=")
        if not sep or line.lstrip().startswith("#"):
            continue
        try:
            full = table + split_dotted(key.strip())
        except ConfigError:
            continue
        if full == dotted[: len(full)]:
            return number
    return None
