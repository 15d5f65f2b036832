"""Where credentials are kept (`cli_auth_credentials_store`).

`CredentialStore` is what the `AuthManager` needs from a backend:

* ``file``: `auth.json` in `CODEX_HOME`, readable by its owner only;
* ``keyring``: the OS keyring (`keyring_store`), the file removed;
* ``auto``: the keyring when a backend is available, else the file.

`load`, `save` and `delete` block: the manager calls them from a worker
thread. `signature` must be cheap and must not block: it is called on the
event loop, on every request.
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

from ..fsutil import write_private
from ..logs import log
from .credentials import Credentials

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..config.model import CredentialsStore

AUTH_FILE: Final = "auth.json"


class CredentialStore(Protocol):
    """A place credentials are saved in."""

    @property
    def description(self) -> str:
        """Names the place in messages (never a secret)."""
        ...

    def signature(self) -> Hashable | None:
        """A cheap value that changes whenever the saved credentials change.
        The file store also sees changes made behind the daemon's back; the
        keyring store only sees the daemon's own (reading the keyring is
        not cheap)."""
        ...

    def load(self) -> Credentials | None:
        """The saved credentials, None when there are none.

        Raises `InvalidCredentials` when they cannot be used and `OSError`
        when they cannot be read."""
        ...

    def save(self, credentials: Credentials) -> None:
        """Replace the saved credentials, atomically."""
        ...

    def delete(self) -> bool:
        """Remove the saved credentials; whether there were any."""
        ...


class FileCredentialStore:
    """`auth.json` in `CODEX_HOME`, readable by its owner only."""

    def __init__(self, codex_home: Path) -> None:
        self.path = codex_home / AUTH_FILE

    @property
    def description(self) -> str:
        return str(self.path)

    def signature(self) -> Hashable | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            # Unreadable: a value of its own, so that a later fix is noticed.
            return ("error", exc.errno)
        return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    def load(self) -> Credentials | None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        return Credentials.from_json(data)

    def save(self, credentials: Credentials) -> None:
        write_private(self.path, credentials.to_json())

    def delete(self) -> bool:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True


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
