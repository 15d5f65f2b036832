"""Keyring backends for tests.

`MemoryKeyring` is selected in-process with ``keyring.set_keyring(...)``;
`FileKeyring` is selected in a spawned daemon with
``PYTHON_KEYRING_BACKEND=tests.keyring_backends.FileKeyring`` and keeps its
entries in the JSON file named by ``TEST_KEYRING_FILE`` (so that the test can
look inside). Neither is picked by keyring's auto-detection in the test
process (their priority says they are not viable there).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

KEYRING_FILE_ENV = "TEST_KEYRING_FILE"


class _TestBackend(KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("only used when a test selects it")

    def __str__(self) -> str:
        return type(self).__name__

    def _load(self) -> dict[str, str]:
        raise NotImplementedError

    def _store(self, entries: dict[str, str]) -> None:
        raise NotImplementedError

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._load()
        entries[f"{service}\0{username}"] = password
        self._store(entries)

    def delete_password(self, service: str, username: str) -> None:
        entries = self._load()
        if entries.pop(f"{service}\0{username}", None) is None:
            raise PasswordDeleteError("no such password")
        self._store(entries)


class MemoryKeyring(_TestBackend):
    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[str, str] = {}
        self.locked = False

    def _load(self) -> dict[str, str]:
        if self.locked:
            raise KeyringLocked("the keyring is locked")
        return dict(self.entries)

    def _store(self, entries: dict[str, str]) -> None:
        self.entries = entries

    def password(self, service: str, username: str) -> str | None:
        return self.entries.get(f"{service}\0{username}")


class FileKeyring(_TestBackend):
    @properties.classproperty
    def priority(cls) -> float:
        # keyring checks the priority of a backend named in PYTHON_KEYRING_BACKEND.
        if KEYRING_FILE_ENV not in os.environ:
            raise RuntimeError(f"{KEYRING_FILE_ENV} is not set")
        return 1

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.path = Path(os.environ[KEYRING_FILE_ENV])

    def _load(self) -> dict[str, str]:
        try:
            entries: dict[str, str] = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        return entries

    def _store(self, entries: dict[str, str]) -> None:
        self.path.write_text(json.dumps(entries))
