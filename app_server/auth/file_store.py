"""`CredentialStore`, what the `AuthManager` needs from a place credentials
are kept in, and the plain one: `auth.json` in `CODEX_HOME`.

`load`, `save` and `delete` block: the manager calls them from a worker
thread. `signature` must be cheap and must not block: it is called on the
event loop, on every request.
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from pathlib import Path
from typing import Final, Protocol

from ..fsutil import write_private
from .credentials import Credentials

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
