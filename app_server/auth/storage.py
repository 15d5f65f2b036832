"""Where credentials are kept (`cli_auth_credentials_store`).

`CredentialStore` is what the `AuthManager` needs from a backend:

* ``file``: `auth.json` in `CODEX_HOME`, readable by its owner only;
* ``keyring``: the OS keyring (`keyring_store`), the file removed;
* ``auto``: the keyring when a backend is available, else the file.

The protocol and the file store are in `file_store` (the keyring stores
build on the file store).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..logs import log
from .file_store import CredentialStore as CredentialStore
from .file_store import FileCredentialStore as FileCredentialStore

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

    from ..config.model import CredentialsStore
    from .credentials import Credentials


def create_store(codex_home: Path, mode: CredentialsStore | None) -> CredentialStore:
    """The store for ``cli_auth_credentials_store = mode`` (None: the file)."""
    from ..config.model import CredentialsStore

    if mode is None or mode is CredentialsStore.FILE:
        return FileCredentialStore(codex_home)
    from .keyring_store import AutoCredentialStore, KeyringCredentialStore

    if mode is CredentialsStore.KEYRING:
        return KeyringCredentialStore(codex_home)
    return AutoCredentialStore(codex_home)


class ConfiguredCredentialStore:
    """The store the configuration asks for, chosen at first use and kept for
    the life of the process (as the reference reads the setting at start-up).

    ``mode`` reads `cli_auth_credentials_store`; when it fails (a broken
    config file), the file store is used for that call and the choice is
    made again on the next one."""

    def __init__(self, codex_home: Path, mode: Callable[[], CredentialsStore | None]) -> None:
        self.codex_home = codex_home
        self._mode = mode
        self._chosen: CredentialStore | None = None

    @property
    def chosen(self) -> CredentialStore:
        if self._chosen is not None:
            return self._chosen
        try:
            mode = self._mode()
        except Exception as exc:
            log.error("cannot read cli_auth_credentials_store, using auth.json: %s", exc)
            return FileCredentialStore(self.codex_home)
        self._chosen = create_store(self.codex_home, mode)
        return self._chosen

    @property
    def description(self) -> str:
        return self.chosen.description

    def signature(self) -> Hashable | None:
        return self.chosen.signature()

    def load(self) -> Credentials | None:
        return self.chosen.load()

    def save(self, credentials: Credentials) -> None:
        self.chosen.save(credentials)

    def delete(self) -> bool:
        return self.chosen.delete()
