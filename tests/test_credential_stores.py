"""`cli_auth_credentials_store`: the keyring (an in-memory backend here), the
file fallback under ``auto``, and a daemon spawned with a file-backed test
keyring."""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from app_server.auth import AuthManager, Credentials, LoginRestrictions
from app_server.auth.keyring_store import (
    SERVICE,
    AutoCredentialStore,
    KeyringCredentialStore,
    KeyringFailure,
    KeyringUnavailable,
    keyring_account,
)
from app_server.auth.storage import ConfiguredCredentialStore, FileCredentialStore, create_store
from app_server.config.model import CredentialsStore
from app_server_protocol.common import AuthMode
from tests.auth_helpers import chatgpt_auth_json, write_auth_json
from tests.harness.inprocess import in_process_daemon
from tests.harness.stdio import DaemonClient
from tests.keyring_backends import KEYRING_FILE_ENV, MemoryKeyring

from ._reference import REPO

Spawn = Callable[..., DaemonClient]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_account_is_derived_from_the_canonical_codex_home(codex_home: Path) -> None:
    digest = hashlib.sha256(str(codex_home.resolve()).encode()).hexdigest()
    assert keyring_account(codex_home) == f"cli|{digest[:16]}"
    link = codex_home.parent / "link"
    link.symlink_to(codex_home)
    assert keyring_account(link) == keyring_account(codex_home)


def test_create_store(codex_home: Path) -> None:
    assert isinstance(create_store(codex_home, None), FileCredentialStore)
    assert isinstance(create_store(codex_home, CredentialsStore.FILE), FileCredentialStore)
    assert isinstance(create_store(codex_home, CredentialsStore.KEYRING), KeyringCredentialStore)
    assert isinstance(create_store(codex_home, CredentialsStore.AUTO), AutoCredentialStore)


def test_keyring_store(codex_home: Path, memory_keyring: MemoryKeyring) -> None:
    write_auth_json(codex_home, {"OPENAI_API_KEY": "sk-old-file"})
    store = KeyringCredentialStore(codex_home)
    assert store.load() is None  # the keyring store does not read the file
    before = store.signature()
    store.save(Credentials(api_key="sk-in-keyring"))
    assert store.signature() != before
    saved = memory_keyring.password(SERVICE, keyring_account(codex_home))
    assert saved == '{"OPENAI_API_KEY":"sk-in-keyring"}'
    assert not (codex_home / "auth.json").exists()  # no copy left in a file
    loaded = store.load()
    assert loaded is not None and loaded.api_key == "sk-in-keyring"
    assert store.delete() is True
    assert store.load() is None and store.delete() is False


def test_keyring_without_a_backend_is_a_clear_error(codex_home: Path, no_keyring: None) -> None:
    store = KeyringCredentialStore(codex_home)
    with pytest.raises(KeyringUnavailable, match="no keyring backend is available"):
        store.save(Credentials(api_key="sk-nowhere"))
    with pytest.raises(KeyringUnavailable):
        store.load()
    assert not (codex_home / "auth.json").exists()


def test_a_locked_keyring_is_a_clear_error(codex_home: Path, memory_keyring: MemoryKeyring) -> None:
    memory_keyring.locked = True
    with pytest.raises(
        KeyringFailure, match="failed to read the OS keyring: the keyring is locked"
    ):
        KeyringCredentialStore(codex_home).load()


def test_auto_uses_the_keyring_when_there_is_one(
    codex_home: Path, memory_keyring: MemoryKeyring
) -> None:
    store = AutoCredentialStore(codex_home)
    store.save(Credentials(api_key="sk-auto"))
    assert memory_keyring.password(SERVICE, keyring_account(codex_home)) is not None
    assert not (codex_home / "auth.json").exists()
    assert store.description == "the OS keyring (Codex Auth)"
    # A file written by another tool is still found when the keyring has nothing.
    assert store.delete() is True
    write_auth_json(codex_home, {"OPENAI_API_KEY": "sk-file"})
    loaded = store.load()
    assert loaded is not None and loaded.api_key == "sk-file"


def test_auto_falls_back_to_a_private_file(
    codex_home: Path, no_keyring: None, caplog: pytest.LogCaptureFixture
) -> None:
    store = AutoCredentialStore(codex_home)
    store.save(Credentials(api_key="sk-fallback-123"))
    path = codex_home / "auth.json"
    assert json.loads(path.read_text()) == {"OPENAI_API_KEY": "sk-fallback-123"}
    assert _mode(path) == 0o600
    loaded = store.load()
    assert loaded is not None and loaded.api_key == "sk-fallback-123"
    assert store.description == str(path)
    assert any("using" in r.getMessage() and "auth.json" in r.getMessage() for r in caplog.records)
    assert all("sk-fallback" not in r.getMessage() for r in caplog.records)
    assert store.delete() is True and not path.exists()


@pytest.mark.anyio
async def test_the_manager_reads_the_keyring_off_the_loop(
    codex_home: Path, memory_keyring: MemoryKeyring
) -> None:
    import threading

    main = threading.get_ident()
    threads: list[int] = []
    original = memory_keyring.get_password

    def recording_get(service: str, username: str) -> str | None:
        threads.append(threading.get_ident())
        return original(service, username)

    memory_keyring.get_password = recording_get  # type: ignore[method-assign]
    store = ConfiguredCredentialStore(codex_home, lambda: CredentialsStore.KEYRING)
    manager = AuthManager(store)
    await manager.login_api_key("sk-via-manager")
    manager2 = AuthManager(ConfiguredCredentialStore(codex_home, lambda: CredentialsStore.KEYRING))
    assert await manager2.mode(LoginRestrictions()) is AuthMode.API_KEY
    assert threads and main not in threads


# -- through the daemon -------------------------------------------------------------


@pytest.mark.anyio
async def test_daemon_with_the_keyring(codex_home: Path, memory_keyring: MemoryKeyring) -> None:
    (codex_home / "config.toml").write_text('cli_auth_credentials_store = "keyring"\n')
    account = keyring_account(codex_home)
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        assert await client.call("loginApiKey", {"apiKey": "sk-kept-in-keyring"}) == {}
        assert json.loads(memory_keyring.password(SERVICE, account) or "") == {
            "OPENAI_API_KEY": "sk-kept-in-keyring"
        }
        assert not (codex_home / "auth.json").exists()
        status = await client.call("getAuthStatus", {"includeToken": True})
        assert status["authMethod"] == "apikey" and status["authToken"] == "sk-kept-in-keyring"
        assert await client.call("logoutChatGpt") == {}
        assert memory_keyring.password(SERVICE, account) is None
        # No backend at all: the login fails clearly and nothing is written.
        keyring.set_keyring(keyring.backends.fail.Keyring())
        error = await client.call_error("loginApiKey", {"apiKey": "sk-lost-key"})
        assert error["code"] == -32603
        assert "keyring" in error["message"] and "sk-lost" not in error["message"]
        assert not (codex_home / "auth.json").exists()


@pytest.mark.anyio
async def test_daemon_with_auto_and_no_keyring(codex_home: Path, no_keyring: None) -> None:
    (codex_home / "config.toml").write_text('cli_auth_credentials_store = "auto"\n')
    async with in_process_daemon(codex_home) as client:
        await client.initialize()
        assert await client.call("loginApiKey", {"apiKey": "sk-auto-file"}) == {}
        path = codex_home / "auth.json"
        assert json.loads(path.read_text()) == {"OPENAI_API_KEY": "sk-auto-file"}
        assert _mode(path) == 0o600


def test_spawned_daemon_with_a_keyring_backend(
    spawn: Spawn, codex_home: Path, tmp_path: Path
) -> None:
    keyring_file = tmp_path / "keyring.json"
    (codex_home / "config.toml").write_text('cli_auth_credentials_store = "auto"\n')
    env = {
        "PYTHON_KEYRING_BACKEND": "tests.keyring_backends.FileKeyring",
        KEYRING_FILE_ENV: str(keyring_file),
        "PYTHONPATH": str(REPO),
    }
    client = spawn(env=env)
    write_auth_json(codex_home, chatgpt_auth_json(email="from-file@example.com"))
    assert client.call("userInfo") == {"allegedUserEmail": "from-file@example.com"}
    assert client.call("loginApiKey", {"apiKey": "sk-spawned-keyring"}) == {}
    entries = json.loads(keyring_file.read_text())
    assert entries == {
        f"{SERVICE}\0{keyring_account(codex_home)}": '{"OPENAI_API_KEY":"sk-spawned-keyring"}'
    }
    assert not (codex_home / "auth.json").exists()
    client.kill()
    # A new daemon finds the key in the keyring.
    again = spawn(env=env)
    status = again.call("getAuthStatus", {"includeToken": True})
    assert status["authToken"] == "sk-spawned-keyring"


def test_spawned_daemon_without_a_keyring_backend(spawn: Spawn, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('cli_auth_credentials_store = "auto"\n')
    client = spawn(env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert client.call("loginApiKey", {"apiKey": "sk-spawned-file"}) == {}
    path = codex_home / "auth.json"
    assert json.loads(path.read_text()) == {"OPENAI_API_KEY": "sk-spawned-file"}
    assert _mode(path) == 0o600
