"""Where the OAuth tokens of MCP servers are kept: the system keyring, or
``CODEX_HOME/.credentials.json`` (readable by its owner only) when there is
no keyring or the configuration asks for the file.

Both places use the reference's formats and keys, so that tokens saved by
one program are found by the other: an entry is keyed by the server's name
and a hash of its URL (``docs|1a2b3c4d5e6f7a8b``); the keyring service is
``Codex MCP Credentials`` and holds a JSON document per entry; the file is
one JSON object of entries.

Every method blocks (keyring, files): call them from a worker thread.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ...auth.keyring_store import Keyring, keyring_backend
from ...config.mcp import McpCredentialsStore
from ...fsutil import write_private
from ...logs import log, register_secret

KEYRING_SERVICE: Final = "Codex MCP Credentials"
FALLBACK_FILE: Final = ".credentials.json"
#: Tokens are refreshed this long before they expire.
REFRESH_MARGIN_SECONDS: Final = 30.0


class TokenStoreError(Exception):
    """The tokens cannot be read or saved (the message says where and why)."""


@dataclass
class StoredTokens:
    """The OAuth tokens of one MCP server."""

    server_name: str
    url: str
    client_id: str
    access_token: str
    refresh_token: str | None = None
    expires_at: int | None = None
    """When the access token expires: milliseconds since the epoch (None: unknown)."""
    scopes: list[str] = field(default_factory=list)
    client_secret: str | None = None
    """Kept in the keyring only (the file format has no place for it)."""

    def __post_init__(self) -> None:
        for secret in (self.access_token, self.refresh_token, self.client_secret):
            if secret:
                register_secret(secret)

    def needs_refresh(
        self, now: float | None = None, margin: float = REFRESH_MARGIN_SECONDS
    ) -> bool:
        """The access token has expired, or will within ``margin`` seconds."""
        if self.expires_at is None:
            return False
        now = time.time() if now is None else now
        return (now + margin) * 1000 >= self.expires_at

    @staticmethod
    def expiry_from(expires_in: float | None, now: float | None = None) -> int | None:
        if expires_in is None:
            return None
        now = time.time() if now is None else now
        return int((now + expires_in) * 1000)

    # -- the keyring's document -------------------------------------------

    def to_keyring(self) -> str:
        response: dict[str, Any] = {"access_token": self.access_token, "token_type": "bearer"}
        if self.expires_at is not None:
            response["expires_in"] = max(0, int(self.expires_at / 1000 - time.time()))
        if self.refresh_token is not None:
            response["refresh_token"] = self.refresh_token
        if self.scopes:
            response["scope"] = " ".join(self.scopes)
        document: dict[str, Any] = {
            "server_name": self.server_name,
            "url": self.url,
            "client_id": self.client_id,
            "token_response": response,
            "expires_at": self.expires_at,
        }
        if self.client_secret is not None:
            document["client_secret"] = self.client_secret
        return json.dumps(document)

    @classmethod
    def from_keyring(cls, text: str) -> StoredTokens:
        data = json.loads(text)
        response = data["token_response"]
        scope = response.get("scope")
        return cls(
            server_name=str(data["server_name"]),
            url=str(data["url"]),
            client_id=str(data["client_id"]),
            access_token=str(response["access_token"]),
            refresh_token=response.get("refresh_token"),
            expires_at=data.get("expires_at"),
            scopes=scope.split() if isinstance(scope, str) else [],
            client_secret=data.get("client_secret"),
        )

    # -- the file's entry ---------------------------------------------------

    def to_file_entry(self) -> dict[str, Any]:
        return {
            "server_name": self.server_name,
            "server_url": self.url,
            "client_id": self.client_id,
            "access_token": self.access_token,
            "expires_at": self.expires_at,
            "refresh_token": self.refresh_token,
            "scopes": list(self.scopes),
        }

    @classmethod
    def from_file_entry(cls, entry: dict[str, Any]) -> StoredTokens:
        return cls(
            server_name=str(entry["server_name"]),
            url=str(entry["server_url"]),
            client_id=str(entry["client_id"]),
            access_token=str(entry["access_token"]),
            refresh_token=entry.get("refresh_token"),
            expires_at=entry.get("expires_at"),
            scopes=[str(scope) for scope in entry.get("scopes") or []],
        )


def store_key(server_name: str, url: str) -> str:
    """The entry's key: the server's name and a hash of its URL."""
    payload = json.dumps({"type": "http", "url": url, "headers": {}}, separators=(",", ":"))
    return f"{server_name}|{hashlib.sha256(payload.encode()).hexdigest()[:16]}"


class TokenStore:
    """The tokens of every MCP server, in the place the configuration chose."""

    def __init__(
        self,
        codex_home: Path,
        mode: McpCredentialsStore = McpCredentialsStore.AUTO,
        keyring: Keyring | None = None,
    ) -> None:
        self.mode = mode
        self.file = codex_home / FALLBACK_FILE
        self._keyring = keyring

    @property
    def keyring(self) -> Keyring:
        if self._keyring is None:
            self._keyring = keyring_backend()
        return self._keyring

    def load(self, server_name: str, url: str) -> StoredTokens | None:
        key = store_key(server_name, url)
        if self.mode is McpCredentialsStore.FILE:
            return self._load_file(key)
        try:
            tokens = self._load_keyring(key)
        except TokenStoreError as exc:
            if self.mode is McpCredentialsStore.KEYRING:
                raise
            log.info("no usable keyring for MCP OAuth tokens (%s); using %s", exc, self.file)
            return self._load_file(key)
        if tokens is None and self.mode is McpCredentialsStore.AUTO:
            return self._load_file(key)
        return tokens

    def save(self, tokens: StoredTokens) -> str:
        """Save ``tokens``; returns where they went (for messages)."""
        key = store_key(tokens.server_name, tokens.url)
        if self.mode is not McpCredentialsStore.FILE:
            try:
                self._save_keyring(key, tokens)
            except TokenStoreError as exc:
                if self.mode is McpCredentialsStore.KEYRING:
                    raise
                log.info("cannot save MCP OAuth tokens in a keyring (%s); using %s", exc, self.file)
            else:
                self._delete_file_entry(key)
                return "the system keyring"
        self._save_file(key, tokens)
        return str(self.file)

    def delete(self, server_name: str, url: str) -> bool:
        """Forget the server's tokens; whether there were any."""
        key = store_key(server_name, url)
        removed = False
        if self.mode is not McpCredentialsStore.FILE:
            try:
                removed = self._delete_keyring(key)
            except TokenStoreError:
                if self.mode is McpCredentialsStore.KEYRING:
                    raise
        return self._delete_file_entry(key) or removed

    # -- keyring --------------------------------------------------------------

    def _load_keyring(self, key: str) -> StoredTokens | None:
        try:
            text = self.keyring.get_password(KEYRING_SERVICE, key)
        except Exception as exc:
            raise TokenStoreError(f"cannot read the keyring: {_keyring_error(exc)}") from None
        if text is None:
            return None
        try:
            return StoredTokens.from_keyring(text)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise TokenStoreError(f"the keyring entry {key} is not valid: {exc}") from None

    def _save_keyring(self, key: str, tokens: StoredTokens) -> None:
        try:
            self.keyring.set_password(KEYRING_SERVICE, key, tokens.to_keyring())
        except Exception as exc:
            raise TokenStoreError(f"cannot write to the keyring: {_keyring_error(exc)}") from None

    def _delete_keyring(self, key: str) -> bool:
        try:
            if self.keyring.get_password(KEYRING_SERVICE, key) is None:
                return False
            self.keyring.delete_password(KEYRING_SERVICE, key)
        except Exception as exc:
            raise TokenStoreError(
                f"cannot delete from the keyring: {_keyring_error(exc)}"
            ) from None
        return True

    # -- file -----------------------------------------------------------------

    def _read_file(self) -> dict[str, Any]:
        try:
            text = self.file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise TokenStoreError(f"cannot read {self.file}: {exc.strerror}") from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise TokenStoreError(f"{self.file} is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise TokenStoreError(f"{self.file} does not hold a JSON object")
        return data

    def _load_file(self, key: str) -> StoredTokens | None:
        entry = self._read_file().get(key)
        if entry is None:
            return None
        try:
            return StoredTokens.from_file_entry(entry)
        except (KeyError, TypeError, AttributeError) as exc:
            raise TokenStoreError(f"the entry {key} of {self.file} is not valid: {exc}") from None

    def _save_file(self, key: str, tokens: StoredTokens) -> None:
        data = self._read_file()
        data[key] = tokens.to_file_entry()
        self._write_file(data)

    def _delete_file_entry(self, key: str) -> bool:
        try:
            data = self._read_file()
        except TokenStoreError as exc:
            log.warning("%s", exc)
            return False
        if data.pop(key, None) is None:
            return False
        self._write_file(data)
        return True

    def _write_file(self, data: dict[str, Any]) -> None:
        try:
            if not data:
                self.file.unlink(missing_ok=True)
                return
            write_private(self.file, json.dumps(data, separators=(",", ":")).encode())
        except OSError as exc:
            raise TokenStoreError(f"cannot write {self.file}: {exc.strerror}") from None


def _keyring_error(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
