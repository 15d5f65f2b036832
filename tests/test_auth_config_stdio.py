"""Auth and config requests against the real process over stdio."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

from tests.auth_helpers import ACCESS_TOKEN, REFRESH_TOKEN, chatgpt_auth_json, write_auth_json
from tests.harness.stdio import DaemonClient

Spawn = Callable[..., DaemonClient]

#: Shaped like nothing the log redactor knows: only registration masks it.
PLAIN_KEY = "plainvalue-0f3e9a7c51d24b86"


def test_login_writes_a_private_auth_json_and_notifies_after_the_reply(
    spawn: Spawn, codex_home: Path
) -> None:
    client = spawn(env={"OPENAI_API_KEY": "sk-env-is-ignored"})
    start = client.mark()
    assert client.call("loginApiKey", {"apiKey": "sk-stdio"}) == {}
    note = client.wait_notification("authStatusChange", start=start)
    assert note["params"] == {"authMethod": "apikey"}
    lines = client.raw_lines[start:]
    assert lines[0].startswith(b'{"id":') and b'"result":{}' in lines[0]
    assert lines[1] == b'{"method":"authStatusChange","params":{"authMethod":"apikey"}}'

    path = codex_home / "auth.json"
    assert path.read_bytes() == b'{\n  "OPENAI_API_KEY": "sk-stdio"\n}'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in codex_home.iterdir()) == ["auth.json"]

    start = client.mark()
    assert client.call("logoutChatGpt") == {}
    client.wait_notification("authStatusChange", start=start)
    assert (
        client.raw_lines[start + 1] == b'{"method":"authStatusChange","params":{"authMethod":null}}'
    )
    assert not path.exists()


def test_credentials_changed_behind_the_daemons_back_are_seen(
    spawn: Spawn, codex_home: Path
) -> None:
    client = spawn()
    assert client.call("userInfo") == {"allegedUserEmail": None}
    write_auth_json(codex_home, chatgpt_auth_json(email="someone@example.com"))
    assert client.call("userInfo") == {"allegedUserEmail": "someone@example.com"}
    status = client.call("getAuthStatus", {"includeToken": True})
    assert status == {
        "authMethod": "chatgpt",
        "authToken": ACCESS_TOKEN,
        "requiresOpenaiAuth": True,
    }


def test_no_secret_reaches_stderr_even_at_debug_level(spawn: Spawn, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('forced_login_method = "api"\n')
    write_auth_json(codex_home, chatgpt_auth_json())
    client = spawn(env={"RUST_LOG": "debug"})
    # The saved ChatGPT login is forbidden here: the log says so, without tokens.
    assert client.call("getAuthStatus", {"includeToken": True}) == {
        "authMethod": None,
        "authToken": None,
        "requiresOpenaiAuth": True,
    }
    assert client.call("loginApiKey", {"apiKey": PLAIN_KEY}) == {}
    assert client.call("getAuthStatus", {"includeToken": True})["authToken"] == PLAIN_KEY
    # Unusable credentials, a failing write, bad params: all logged or answered
    # without the secret.
    broken = chatgpt_auth_json()
    broken["tokens"]["id_token"] = "broken-id-token-" + PLAIN_KEY
    write_auth_json(codex_home, broken)
    assert client.call("userInfo") == {"allegedUserEmail": None}
    (codex_home / "auth.json").unlink()
    (codex_home / "auth.json").mkdir()  # the next save cannot replace it
    error = client.call_error("loginApiKey", {"apiKey": PLAIN_KEY})
    assert error["code"] == -32603 and PLAIN_KEY not in error["message"]
    error = client.call_error("loginApiKey", {"apiKey": 5, "x": PLAIN_KEY})
    assert PLAIN_KEY not in json.dumps(error)
    client.close_stdin()
    assert client.wait_exit() == 0
    stderr = client.stderr_text()
    assert "not using the saved credentials" in stderr
    assert "auth.json" in stderr
    for secret in (PLAIN_KEY, ACCESS_TOKEN, REFRESH_TOKEN, broken["tokens"]["id_token"]):
        assert secret not in stderr


def test_forced_login_method_refuses_api_keys(spawn: Spawn, codex_home: Path) -> None:
    (codex_home / "config.toml").write_text('forced_login_method = "chatgpt"\n')
    client = spawn()
    error = client.call_error("loginApiKey", {"apiKey": "sk-no"})
    assert error == {
        "code": -32600,
        "message": "API key login is disabled. Use ChatGPT login instead.",
    }
    assert not (codex_home / "auth.json").exists()


def test_set_default_model_keeps_the_file_as_the_user_wrote_it(
    spawn: Spawn, codex_home: Path
) -> None:
    config = codex_home / "config.toml"
    config.write_text(
        "# My settings\n\n"
        'approval_policy = "never"  # no prompts\n'
        'model = "gpt-5"\n\n'
        "# The mock\n"
        '[model_providers.mock]\nname = "Mock"\nbase_url = "http://127.0.0.1:9/v1"\n'
    )
    client = spawn()
    assert client.call("setDefaultModel", {"model": "o3", "reasoningEffort": "high"}) == {}
    assert config.read_text() == (
        "# My settings\n\n"
        'approval_policy = "never"  # no prompts\n'
        'model = "o3"\n'
        'model_reasoning_effort = "high"\n\n'
        "# The mock\n"
        '[model_providers.mock]\nname = "Mock"\nbase_url = "http://127.0.0.1:9/v1"\n'
    )
    assert client.call("setDefaultModel", {}) == {}
    assert config.read_text() == (
        "# My settings\n\n"
        'approval_policy = "never"  # no prompts\n\n'
        "# The mock\n"
        '[model_providers.mock]\nname = "Mock"\nbase_url = "http://127.0.0.1:9/v1"\n'
    )
    assert sorted(p.name for p in codex_home.iterdir()) == ["config.toml"]


def test_a_config_broken_while_running_is_an_error_not_a_crash(
    spawn: Spawn, codex_home: Path
) -> None:
    config = codex_home / "config.toml"
    config.write_text('model = "a"\n')
    client = spawn()
    config.write_text('model = "a"\nsandbox_mode = [\n')
    for method, params in (("getUserSavedConfig", None), ("getAuthStatus", {})):
        error = client.call_error(method, params, omit_params=params is None)
        assert error["code"] == -32603
        assert str(config) in error["message"]
        assert "Traceback" not in error["message"]
    assert client.alive()
    assert client.call("userInfo") == {"allegedUserEmail": None}
    config.write_text('model = "b"\n')
    assert client.call("getUserSavedConfig")["config"]["model"] == "b"
    assert "Traceback" not in client.stderr_text()
