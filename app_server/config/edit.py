"""Editing `config.toml` in place (`setDefaultModel`).

The file is edited as a document, not regenerated: comments, blank lines,
other tables and the order of keys stay as they are. A key that exists is
replaced where it is (its trailing comment is kept); a new key goes right
after the last key of its table, before the first sub-table, as the
reference places it; a key set to None is removed. With an active profile
the keys are those of ``[profiles.<name>]`` (created when missing), as the
reference does. The new file replaces the old one atomically.

tomlkit is imported here only, when the file is first edited.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..fsutil import atomic_write
from .layers import CONFIG_FILE, ConfigError

if TYPE_CHECKING:
    from tomlkit.container import Container
    from tomlkit.items import Item

MODEL_KEY: Final = "model"
EFFORT_KEY: Final = "model_reasoning_effort"
#: Mode of a `config.toml` created here (the reference's, too); an existing
#: file keeps its own.
NEW_FILE_MODE: Final = 0o600


def set_keys(
    codex_home: Path, values: Mapping[str, str | None], profile: str | None = None
) -> bool:
    """Set (or, for None, remove) root keys of `config.toml`, or the keys of
    ``[profiles.<profile>]``; returns whether the file changed. Blocking."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    path = codex_home / CONFIG_FILE
    if path.is_symlink():
        path = path.resolve()
    try:
        # Universal newlines: CRLF files come out with LF, as the reference writes them.
        text: str | None = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {os_reason(exc)}") from None
    if text is None and all(value is None for value in values.values()):
        return False
    try:
        document = tomlkit.parse(text or "")
    except TOMLKitError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: tables or arrays nested too deeply") from None

    table = document if profile is None else _profile_table(document, profile)
    changed = False
    for key, value in values.items():
        if value is None:
            if key in table:
                table.remove(key)
                changed = True
        else:
            place_key(table, key, _string(value))
            changed = True
    if not changed:
        return False
    mode = NEW_FILE_MODE
    if text is not None:
        with contextlib.suppress(OSError):
            mode = stat.S_IMODE(os.stat(path).st_mode)
    try:
        atomic_write(path, document.as_string().encode("utf-8"), mode=mode)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {os_reason(exc)}") from None
    return True


def os_reason(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def _string(value: str) -> Item:
    """A TOML string for ``value``: a literal ('...') string when that saves
    escaping quotes or backslashes, as the reference writes it."""
    import tomlkit

    literal = (
        ('"' in value or "\\" in value)
        and "'" not in value
        and not any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value)
    )
    return tomlkit.string(value, literal=literal)


def place_key(table: Any, key: str, item: Item) -> None:
    """Replace ``key`` where it is, or add it after the table's last key."""
    container = _container(table)
    if key in table or container is None:
        table[key] = item
        return
    body = container.body
    index = _after_last_key(container)
    if index < len(body):
        # tomlkit has no public "insert at"; this keeps its index in step.
        container._insert_at(index, key, item)
    else:
        container.append(key, item)


def _container(table: Any) -> Container | None:
    from tomlkit.container import Container
    from tomlkit.items import Table

    if isinstance(table, Container):
        return table
    if isinstance(table, Table):
        return table.value
    return None


def _after_last_key(container: Container) -> int:
    """Where a new key goes: after the last key/value before the first
    sub-table; comments and blank lines that follow it stay with what comes
    next. 0 when the table has no key yet."""
    from tomlkit.items import AoT, Comment, Null, Table, Whitespace

    position = 0
    for index, (key, item) in enumerate(container.body):
        if isinstance(item, AoT) or (
            isinstance(item, Table) and not (key is not None and key.is_dotted())
        ):
            break
        if key is not None and not isinstance(item, Comment | Whitespace | Null):
            position = index + 1
    return position


def _profile_table(document: Any, name: str) -> Any:
    """``[profiles.<name>]``, created (or made a table) when needed."""
    import tomlkit

    profiles = document.get("profiles")
    if not isinstance(profiles, Mapping):
        if "profiles" in document:
            document.remove("profiles")
        profiles = tomlkit.table(is_super_table=True)
        document.append("profiles", profiles)
        profiles = document["profiles"]
    profile = profiles.get(name)
    if not isinstance(profile, Mapping):
        if name in profiles:
            profiles.remove(name)
        profiles.append(name, tomlkit.table())
        profile = profiles[name]
    return profile
