"""Credentials in the OS keyring, through the `keyring` package.

The layout is the one later reference versions use, so that both find the
same entry: service ``Codex Auth``, account ``cli|<first 16 hex digits of
SHA-256(canonical CODEX_HOME)>``, and the `auth.json` document (compact JSON)
as the password. Saving to the keyring removes `auth.json`, so that no copy
of the secrets is left in a file.

`keyring` is imported at the first call, and every call blocks (it may talk
to a D-Bus service): the `AuthManager` makes them from a worker thread. The
backend is whatever `keyring` selects (``PYTHON_KEYRING_BACKEND`` and the
keyring config file are honoured); when it has none, `KeyringUnavailable`
is raised, and the ``auto`` store falls back to the file.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Hashable
from pathlib import Path
from typing import Final, Protocol

from ..logs import log
from .credentials import Credentials
from .file_store import FileCredentialStore

SERVICE: Final = "Codex Auth"


class KeyringFailure(OSError):
    """The keyring could not be used; the message says why (never a secret)."""


class KeyringUnavailable(KeyringFailure):
    """No keyring backend is available on this machine."""


def keyring_account(codex_home: Path) -> str:
    """The account name the credentials of ``codex_home`` are saved under."""
    try:
        canonical = codex_home.resolve(strict=True)
    except OSError:
        canonical = codex_home
    digest = hashlib.sha256(str(canonical).encode("utf-8", errors="surrogateescape"))
    return f"cli|{digest.hexdigest()[:16]}"


class Keyring(Protocol):
    """What is used of a keyring backend (the `keyring` package's API)."""

    def get_password(self, service_name: str, username: str) -> str | None: ...

    def set_password(self, service_name: str, username: str, password: str) -> None: ...

    def delete_password(self, service_name: str, username: str) -> None: ...


def keyring_backend() -> Keyring:
    """The selected keyring backend (ChatGPT credentials and MCP tokens both
    use it); raises `KeyringUnavailable`."""
    try:
        import keyring
        from keyring.backends import chainer, fail

        backend: Keyring = keyring.get_keyring()
    except Exception as exc:  # a broken PYTHON_KEYRING_BACKEND or keyring config
        raise KeyringUnavailable(f"cannot load the keyring backend: {exc}") from None
    if isinstance(backend, fail.Keyring) or (
        isinstance(backend, chainer.ChainerBackend) and not backend.backends
    ):
        raise KeyringUnavailable("no keyring backend is available")
    return backend


def _failure(action: str, exc: Exception) -> KeyringFailure:
    import keyring.errors

    if isinstance(exc, keyring.errors.NoKeyringError):
        return KeyringUnavailable(f"failed to {action} the OS keyring: no backend is available")
    reason = str(exc) or type(exc).__name__
    return KeyringFailure(f"failed to {action} the OS keyring: {reason}")


class KeyringCredentialStore:
    """`cli_auth_credentials_store = "keyring"`."""

    def __init__(self, codex_home: Path) -> None:
        self.codex_home = codex_home
        self._file = FileCredentialStore(codex_home)
        self._account: str | None = None
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        return f"the OS keyring ({SERVICE})"

    @property
    def account(self) -> str:
        if self._account is None:
            self._account = keyring_account(self.codex_home)
        return self._account

    def signature(self) -> Hashable | None:
        # Reading the keyring to find out would block: only the daemon's own
        # changes are seen (the reference also reads credentials once).
        return ("keyring", self._generation)

    def load(self) -> Credentials | None:
        import keyring.errors

        backend = keyring_backend()
        try:
            value = backend.get_password(SERVICE, self.account)
        except keyring.errors.KeyringError as exc:
            raise _failure("read", exc) from None
        if value is None:
            return None
        return Credentials.from_json(value.encode("utf-8"))

    def save(self, credentials: Credentials) -> None:
        import keyring.errors

        backend = keyring_backend()
        value = credentials.to_json(compact=True).decode()
        with self._lock:
            try:
                backend.set_password(SERVICE, self.account, value)
            except keyring.errors.KeyringError as exc:
                raise _failure("write to", exc) from None
            finally:
                self._generation += 1
        self._remove_file()

    def delete(self) -> bool:
        import keyring.errors

        backend = keyring_backend()
        with self._lock:
            try:
                backend.delete_password(SERVICE, self.account)
                removed = True
            except keyring.errors.PasswordDeleteError:
                removed = False
            except keyring.errors.KeyringError as exc:
                raise _failure("delete from", exc) from None
            finally:
                self._generation += 1
        return self._remove_file() or removed

    def _remove_file(self) -> bool:
        try:
            return self._file.delete()
        except OSError as exc:
            log.warning("cannot remove %s: %s", self._file.description, exc.strerror or exc)
            return False


class AutoCredentialStore:
    """`cli_auth_credentials_store = "auto"`: the keyring when it works, else
    `auth.json`. Saved credentials are looked for in the keyring first, then
    in the file."""

    def __init__(self, codex_home: Path) -> None:
        self.keyring = KeyringCredentialStore(codex_home)
        self.file = FileCredentialStore(codex_home)
        self._using_file = False

    @property
    def description(self) -> str:
        return self.file.description if self._using_file else self.keyring.description

    def signature(self) -> Hashable | None:
        return (self.keyring.signature(), self.file.signature())

    def _fall_back(self, exc: KeyringFailure) -> None:
        if not self._using_file:
            log.warning("%s; using %s instead", exc, self.file.description)
        self._using_file = True

    def load(self) -> Credentials | None:
        try:
            found = self.keyring.load()
        except KeyringFailure as exc:
            self._fall_back(exc)
            return self.file.load()
        return found if found is not None else self.file.load()

    def save(self, credentials: Credentials) -> None:
        try:
            self.keyring.save(credentials)
        except KeyringFailure as exc:
            self._fall_back(exc)
            self.file.save(credentials)
        else:
            self._using_file = False

    def delete(self) -> bool:
        try:
            return self.keyring.delete()  # removes the file as well
        except KeyringFailure as exc:
            self._fall_back(exc)
            return self.file.delete()
