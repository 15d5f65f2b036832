"""The `AuthManager`: cached credentials, change detection, atomic private
writes, login restrictions, the refresh hook."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Hashable
from pathlib import Path

import anyio
import pytest

from app_server.auth import (
    AuthManager,
    ChatGptTokens,
    Credentials,
    FileCredentialStore,
    LoginRestrictions,
    RefreshError,
)
from app_server.logs import redact
from app_server_protocol.common import AuthMode, ForcedLoginMethod
from tests.auth_helpers import ACCESS_TOKEN, chatgpt_auth_json, id_token, write_auth_json

pytestmark = pytest.mark.anyio
NO_LIMITS = LoginRestrictions()


class CountingStore(FileCredentialStore):
    def __init__(self, codex_home: Path) -> None:
        super().__init__(codex_home)
        self.loads = 0

    def load(self) -> Credentials | None:
        self.loads += 1
        return super().load()


async def test_the_file_is_read_once_and_again_only_when_it_changes(codex_home: Path) -> None:
    store = CountingStore(codex_home)
    manager = AuthManager(store)
    assert await manager.stored() is None
    write_auth_json(codex_home, {"OPENAI_API_KEY": "sk-first"})
    for _ in range(3):
        credentials = await manager.stored()
        assert credentials is not None and credentials.api_key == "sk-first"
    assert store.loads == 2  # absent, then the new file once
    # Another process signs in with ChatGPT behind the daemon's back.
    write_auth_json(codex_home, chatgpt_auth_json(email="other@example.com"))
    credentials = await manager.stored()
    assert credentials is not None and credentials.email == "other@example.com"
    (codex_home / "auth.json").unlink()
    assert await manager.stored() is None


async def test_login_writes_a_private_file_atomically(codex_home: Path) -> None:
    manager = AuthManager(FileCredentialStore(codex_home))
    path = codex_home / "auth.json"
    path.write_text("{}")
    path.chmod(0o644)
    inode = path.stat().st_ino
    await manager.login_api_key("sk-new-key")
    assert path.read_bytes() == b'{\n  "OPENAI_API_KEY": "sk-new-key"\n}'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_ino != inode  # replaced by rename, not rewritten in place
    assert os.listdir(codex_home) == ["auth.json"]
    assert await manager.mode(NO_LIMITS) is AuthMode.API_KEY


async def test_a_failed_save_keeps_the_old_credentials(
    codex_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_auth_json(codex_home, {"OPENAI_API_KEY": "sk-old"})
    manager = AuthManager(FileCredentialStore(codex_home))

    def fail_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(OSError, match="No space left"):
        await manager.login_api_key("sk-new")
    assert json.loads((codex_home / "auth.json").read_text()) == {"OPENAI_API_KEY": "sk-old"}
    assert os.listdir(codex_home) == ["auth.json"]
    credentials = await manager.stored()
    assert credentials is not None and credentials.api_key == "sk-old"


async def test_logout_removes_the_file(codex_home: Path) -> None:
    write_auth_json(codex_home, {"OPENAI_API_KEY": "sk-x"})
    manager = AuthManager(FileCredentialStore(codex_home))
    assert await manager.stored() is not None
    assert await manager.logout() is True
    assert not (codex_home / "auth.json").exists()
    assert await manager.stored() is None
    assert await manager.logout() is False


async def test_a_broken_file_means_signed_out_and_the_log_quotes_no_secret(
    codex_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    document = chatgpt_auth_json()
    document["tokens"]["id_token"] = "not-a-jwt-but-secret"
    write_auth_json(codex_home, document)
    manager = AuthManager(FileCredentialStore(codex_home))
    with caplog.at_level(logging.DEBUG, logger="app_server"):
        assert await manager.stored() is None
        assert await manager.stored() is None
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1 and "auth.json" in messages[0] and "id_token" in messages[0]
    assert "not-a-jwt-but-secret" not in messages[0] and ACCESS_TOKEN not in messages[0]


async def test_loaded_secrets_are_masked_in_logs(codex_home: Path) -> None:
    write_auth_json(codex_home, {"OPENAI_API_KEY": "plain-key-without-a-known-shape"})
    await AuthManager(FileCredentialStore(codex_home)).stored()
    assert "plain-key" not in redact("the key is plain-key-without-a-known-shape")


async def test_forbidden_credentials_are_not_used_but_kept(
    codex_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_auth_json(codex_home, {"OPENAI_API_KEY": "sk-forbidden"})
    manager = AuthManager(FileCredentialStore(codex_home))
    chatgpt_only = LoginRestrictions(method=ForcedLoginMethod.CHATGPT)
    with caplog.at_level(logging.WARNING, logger="app_server"):
        assert await manager.current(chatgpt_only) is None
        assert await manager.current(chatgpt_only) is None
    assert len(caplog.records) == 1
    assert "API key" in caplog.records[0].getMessage()
    assert "sk-forbidden" not in caplog.records[0].getMessage()
    assert (codex_home / "auth.json").exists()
    assert await manager.mode(NO_LIMITS) is AuthMode.API_KEY

    write_auth_json(codex_home, chatgpt_auth_json(account_id="ws-other"))
    assert await manager.current(LoginRestrictions(workspace_id="ws-mine")) is None
    assert await manager.current(LoginRestrictions(workspace_id="ws-other")) is not None


async def test_request_auth(codex_home: Path) -> None:
    manager = AuthManager(FileCredentialStore(codex_home))
    assert await manager.request_auth(NO_LIMITS) is None
    write_auth_json(codex_home, chatgpt_auth_json(account_id="acct-9"))
    auth = await manager.request_auth(NO_LIMITS)
    assert auth is not None
    assert (auth.mode, auth.bearer_token, auth.account_id) == (
        AuthMode.CHATGPT,
        ACCESS_TOKEN,
        "acct-9",
    )
    await manager.login_api_key("sk-req")
    auth = await manager.request_auth(NO_LIMITS)
    assert auth is not None and (auth.mode, auth.bearer_token, auth.account_id) == (
        AuthMode.API_KEY,
        "sk-req",
        None,
    )


class FakeRefresher:
    def __init__(self) -> None:
        self.calls = 0

    async def refresh(self, tokens: ChatGptTokens) -> ChatGptTokens:
        self.calls += 1
        return ChatGptTokens.create(
            id_token(email="fresh@example.com"), "new-access", "new-refresh", tokens.account_id
        )


async def test_refresh_without_a_refresher_is_a_clear_error(codex_home: Path) -> None:
    manager = AuthManager(FileCredentialStore(codex_home))
    assert await manager.refresh() is False  # signed out: nothing to refresh
    await manager.login_api_key("sk-k")
    assert await manager.refresh() is False  # API keys do not expire
    write_auth_json(codex_home, chatgpt_auth_json())
    with pytest.raises(RefreshError, match="sign in again"):
        await manager.refresh()


async def test_the_refresh_hook_saves_new_tokens(codex_home: Path) -> None:
    write_auth_json(codex_home, chatgpt_auth_json(last_refresh="2020-01-01T00:00:00Z"))
    refresher = FakeRefresher()
    manager = AuthManager(FileCredentialStore(codex_home), refresher)
    auth = await manager.request_auth(NO_LIMITS)  # stale: refreshed first
    assert refresher.calls == 1
    assert auth is not None and auth.bearer_token == "new-access"
    saved = json.loads((codex_home / "auth.json").read_text())
    assert saved["tokens"]["access_token"] == "new-access"
    assert saved["OPENAI_API_KEY"] is None
    assert saved["last_refresh"].startswith("20") and saved["last_refresh"].endswith("Z")
    await manager.request_auth(NO_LIMITS)  # fresh now
    assert refresher.calls == 1


async def test_settle_waits_for_a_login_under_way(codex_home: Path) -> None:
    release = anyio.Event()

    class SlowStore(FileCredentialStore):
        def save(self, credentials: Credentials) -> None:
            anyio.from_thread.run(release.wait)
            super().save(credentials)

    manager = AuthManager(SlowStore(codex_home))
    seen: list[AuthMode | None] = []

    async def read_after_settling() -> None:
        await manager.settle()
        seen.append(await manager.mode(NO_LIMITS))

    async with anyio.create_task_group() as tg:
        tg.start_soon(manager.login_api_key, "sk-slow")
        await anyio.sleep(0.05)
        tg.start_soon(read_after_settling)
        await anyio.sleep(0.05)
        assert seen == []
        release.set()
    assert seen == [AuthMode.API_KEY]


def test_signature_changes_with_every_rewrite(codex_home: Path) -> None:
    store = FileCredentialStore(codex_home)
    assert store.signature() is None
    signatures: set[Hashable] = set()
    for key in ("sk-a", "sk-b", "sk-c"):
        store.save(Credentials(api_key=key))
        signature = store.signature()
        assert signature is not None
        signatures.add(signature)
    assert len(signatures) == 3


async def test_cached_answers_without_io_until_the_store_changes(codex_home: Path) -> None:
    from app_server.auth.manager import NOT_CACHED

    store = CountingStore(codex_home)
    manager = AuthManager(store)
    assert manager.cached() is NOT_CACHED
    assert await manager.stored() is None
    assert manager.cached() is None and store.loads == 1
    write_auth_json(codex_home, {"OPENAI_API_KEY": "sk-cached"})
    assert manager.cached() is NOT_CACHED
    await manager.stored()
    credentials = manager.cached()
    assert isinstance(credentials, Credentials) and credentials.api_key == "sk-cached"
    assert store.loads == 2
