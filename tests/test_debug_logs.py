"""Logs one can debug with: a line per request and per notification at
``debug``, the messages themselves at ``trace`` (credentials masked), and
the real delay of each retry when the model endpoint refuses connections."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from app_server.logs import level_from_env, mask_message
from tests.harness.stdio import UNREACHABLE_URL, DaemonClient

Spawn = Callable[..., DaemonClient]
SECRET = "plain-looking-credential-4242"
STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def test_the_level_comes_from_the_option_then_the_environment() -> None:
    assert level_from_env({"CODEX_APP_SERVER_LOG": "debug"}) == 10
    assert level_from_env({"RUST_LOG": "codex_core=trace,info"}) == 5
    assert level_from_env({"CODEX_APP_SERVER_LOG": "error"}, override="trace") == 5
    assert level_from_env({}) == 30


def test_messages_are_masked_by_member_name_and_by_shape() -> None:
    line = (
        b'{"method":"loginApiKey","params":{"apiKey":"' + SECRET.encode() + b'"},'
        b'"env":{"OPENAI_API_KEY":"x\\"y","note":"Bearer abcdefghijkl"},'
        b'"tokens":{"access_token":"a","id_token":"b"},"totalTokens":3}\n'
    )
    masked = mask_message(line)
    assert SECRET not in masked and "abcdefghijkl" not in masked
    assert '"apiKey":"[REDACTED]"' in masked and '"OPENAI_API_KEY":"[REDACTED]"' in masked
    assert '"access_token":"[REDACTED]"' in masked and '"id_token":"[REDACTED]"' in masked
    assert '"totalTokens":3' in masked and not masked.endswith("\n")


def test_debug_has_a_line_per_request_and_per_notification(spawn: Spawn) -> None:
    client = spawn(args=["app-server", "--log-level", "debug"])
    client.call("loginApiKey", {"apiKey": SECRET})
    client.wait_notification("authStatusChange")
    client.call_error("no/suchMethod", {})
    client.close_stdin()
    client.wait_exit()
    log = client.stderr_text()
    assert re.search(
        rf"^{STAMP} DEBUG app_server: request loginApiKey id=\d+ ok in [\d.]+ms$", log, re.M
    )
    assert re.search(r"request no/suchMethod id=\d+ error -32600 in [\d.]+ms$", log, re.M)
    assert re.search(r"DEBUG app_server: notification authStatusChange sent$", log, re.M)
    assert SECRET not in log


def test_trace_has_the_messages_with_credentials_masked(spawn: Spawn) -> None:
    client = spawn(env={"CODEX_APP_SERVER_LOG": "trace"})
    client.call("loginApiKey", {"apiKey": SECRET})
    client.wait_notification("authStatusChange")
    client.close_stdin()
    client.wait_exit()
    log = client.stderr_text()
    assert SECRET not in log
    incoming = re.search(r"TRACE app_server: <- (.*loginApiKey.*)$", log, re.M)
    assert incoming and re.search(r'"apiKey":\s*"\[REDACTED\]"', incoming.group(1))
    assert re.search(r'TRACE app_server: -> \{"method":"authStatusChange"', log, re.M)


def test_a_refused_model_endpoint_fails_the_turn_after_the_retries(
    spawn: Spawn, codex_home: Path, workdir: Path
) -> None:
    (codex_home / "config.toml").write_text(
        'model = "m"\nmodel_provider = "down"\napproval_policy = "never"\n\n'
        "[model_providers.down]\n"
        f'name = "Down"\nbase_url = "{UNREACHABLE_URL}/v1"\nwire_api = "responses"\n'
        "request_max_retries = 2\nstream_max_retries = 0\n",
        encoding="utf-8",
    )
    client = spawn(args=["app-server", "--log-level", "debug"])
    cid = client.call("newConversation", {"cwd": str(workdir)})["conversationId"]
    client.call("addConversationListener", {"conversationId": cid})
    start = client.mark()
    client.call(
        "sendUserMessage",
        {"conversationId": cid, "items": [{"type": "text", "data": {"text": "hi"}}]},
    )
    error = client.wait_event("error", cid, start=start)
    assert error["params"]["msg"]["message"]
    client.wait_event("task_complete", cid, start=start)
    log = client.stderr_text()
    delays = [
        (int(n), float(s))
        for n, s in re.findall(
            rf"WARNING app_server thread={cid}: model request failed - retrying "
            r"\((\d)/2 in ([\d.]+)s\)",
            log,
        )
    ]
    # The exponential backoff with its jitter (0.2 s, then 0.4 s, each +-10%).
    assert [n for n, _ in delays] == [1, 2]
    assert 0.18 <= delays[0][1] <= 0.22 and 0.36 <= delays[1][1] <= 0.44
    assert len(re.findall(rf"thread={cid}: POST .* \(attempt \d\)", log)) == 3
