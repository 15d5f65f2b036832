"""Writing values into the user's `config.toml` (`config/value/write`,
`config/batchWrite`).

The file is edited as a tomlkit document, so comments, blank lines and the
order of keys survive. Edits are all applied or none: the new table must
still be a valid configuration and, when the client names the version it
read, the file must still have it. A refused write leaves the file as it was;
an accepted one replaces it atomically.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from pydantic import ValidationError

from ..fsutil import atomic_write
from .edit import NEW_FILE_MODE, os_reason, place_key
from .layer_view import table_version, user_config_path
from .layers import ConfigError, Table, split_dotted
from .model import ConfigToml

if TYPE_CHECKING:
    from tomlkit.items import Item
    from tomlkit.toml_document import TOMLDocument

LAYER_READONLY: Final = "configLayerReadonly"
VERSION_CONFLICT: Final = "configVersionConflict"
VALIDATION_ERROR: Final = "configValidationError"
PATH_NOT_FOUND: Final = "configPathNotFound"


class ConfigWriteError(Exception):
    """A write refused; ``code`` is the reference's `config_write_error_code`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ValueEdit:
    key_path: str
    value: Any
    """A JSON value; None removes the key."""
    upsert: bool
    """Merge a table into the table already there instead of replacing it."""


@dataclass(frozen=True)
class WriteResult:
    path: Path
    version: str
    table: Table


def write_user_config(
    codex_home: Path,
    edits: Sequence[ValueEdit],
    file_path: str | None,
    expected_version: str | None,
) -> WriteResult:
    """Apply ``edits`` to the user's `config.toml`. Blocking.

    Raises `ConfigWriteError` for a refused write, `ConfigError` when the
    file cannot be read or written."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    path = user_config_path(codex_home)
    if file_path is not None and not _same_file(Path(file_path), path):
        raise ConfigWriteError(LAYER_READONLY, "Only writes to the user config are allowed")
    target = path.resolve() if path.is_symlink() else path
    try:
        text: str | None = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {os_reason(exc)}") from None
    try:
        current = tomllib.loads(text or "")
        document = tomlkit.parse(text or "")
    except (tomllib.TOMLDecodeError, TOMLKitError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if expected_version is not None and expected_version != table_version(current):
        raise ConfigWriteError(
            VERSION_CONFLICT,
            "Configuration was modified since last read. Fetch latest version and retry.",
        )
    for edit in edits:
        _apply(document, edit)
    table: Table = document.unwrap()
    _validate(table)
    mode = NEW_FILE_MODE
    if text is not None:
        with contextlib.suppress(OSError):
            mode = stat.S_IMODE(os.stat(target).st_mode)
    try:
        atomic_write(target, document.as_string().encode("utf-8"), mode=mode)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {os_reason(exc)}") from None
    return WriteResult(path=path, version=table_version(table), table=table)


def _same_file(given: Path, user: Path) -> bool:
    if not given.is_absolute():
        return False
    return given.resolve() == user.resolve()


def _apply(document: TOMLDocument, edit: ValueEdit) -> None:
    import tomlkit

    if not edit.key_path.strip():
        raise ConfigWriteError(VALIDATION_ERROR, "keyPath must not be empty")
    try:
        *parents, leaf = split_dotted(edit.key_path)
    except ConfigError as exc:
        raise ConfigWriteError(VALIDATION_ERROR, str(exc)) from None
    node: Any = document
    for part in parents:
        if part not in node:
            if edit.value is None:
                raise ConfigWriteError(PATH_NOT_FOUND, "Path not found")
            node[part] = tomlkit.table()
        node = node[part]
        if not isinstance(node, Mapping):
            raise ConfigWriteError(VALIDATION_ERROR, "cannot set value on non-table parent")
    if edit.value is None:
        if leaf in node:
            del node[leaf]
        return
    _check_value(edit.value)
    existing = node.get(leaf)
    if edit.upsert and isinstance(edit.value, Mapping) and isinstance(existing, Mapping):
        _merge_into(existing, edit.value)
    else:
        _put(node, leaf, edit.value)


def _merge_into(table: Any, values: Mapping[str, Any]) -> None:
    for key, value in values.items():
        existing = table.get(key)
        if isinstance(value, Mapping) and isinstance(existing, Mapping):
            _merge_into(existing, value)
        else:
            _put(table, key, value)


def _put(table: Any, key: str, value: Any) -> None:
    """A value where it was; a new key after the table's keys, a new
    sub-table at the end (as the reference places them)."""
    if isinstance(value, Mapping) and key not in table:
        table[key] = _item(value)
    else:
        place_key(table, key, _item(value))


def _check_value(value: Any) -> None:
    if value is None:
        raise ConfigWriteError(
            VALIDATION_ERROR, "invalid value: invalid type: null, expected any valid TOML value"
        )
    if isinstance(value, Mapping):
        for item in value.values():
            _check_value(item)
    elif isinstance(value, list):
        for item in value:
            _check_value(item)


def _item(value: Any) -> Item:
    import tomlkit

    item: Item = tomlkit.item(value)
    return item


def _validate(table: Table) -> None:
    try:
        ConfigToml.model_validate(table)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigWriteError(
            VALIDATION_ERROR, f"Invalid configuration: {first['msg']}\nin `{where}`\n"
        ) from None
