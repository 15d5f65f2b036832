"""Capture a v2 session with the reference (0.107.0) into
`tests/data/v2_reference_session.jsonl`, for `tests/test_v2_models.py`.

    .venv/bin/python tests/data/capture_v2_reference.py

One thread runs a turn against the mock model (reasoning, a plan, a command
and a patch that both need approval, a web search, a streamed answer), then is
read, renamed, forked, rolled back, compacted, archived and brought back;
around it the config, model, feature, MCP and account methods are called.
Every message either way is kept except the `codex/event/*` notifications and
the handshake. Needs the reference binary (`../shared/tools/reference-codex`
installs it, or set CODEX_BIN).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.harness.stdio import DaemonClient, Message  # noqa: E402
from tests.mock_model_server import (  # noqa: E402
    MockModelServer,
    assistant_message,
    function_call_item,
    output_item_done,
    reasoning_item,
    reasoning_summary_delta,
    reasoning_summary_part_added,
    responses_reply,
    streamed_message,
    write_mock_config,
)

OUT = Path(__file__).with_name("v2_reference_session.jsonl")


def reference_binary() -> str:
    binary = os.environ.get("CODEX_BIN")
    if binary:
        return binary
    tool = REPO.parent / "shared" / "tools" / "reference-codex"
    return subprocess.check_output([str(tool)], text=True).strip()


class RecordingClient(DaemonClient):
    """A client that also keeps what it sends."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sent: list[tuple[int, Message]] = []
        super().__init__(*args, **kwargs)

    def send(self, message: Message) -> None:
        self.sent.append((self.mark(), message))
        super().send(message)

    def transcript(self) -> list[dict[str, Any]]:
        """Both directions in order (a sent message before what came after it)."""
        records: list[dict[str, Any]] = []
        received = self.since(0)
        sent = list(self.sent)
        for index, message in enumerate(received):
            while sent and sent[0][0] <= index:
                records.append({"dir": "c2s", "msg": sent.pop(0)[1]})
            records.append({"dir": "s2c", "msg": message})
        records.extend({"dir": "c2s", "msg": message} for _, message in sent)
        return records


def first_turn_replies(outside: Path) -> list[Any]:
    patch = (
        f"*** Begin Patch\n*** Add File: {outside / 'notes.txt'}\n+outside the root\n*** End Patch"
    )
    plan = {
        "explanation": "Two steps",
        "plan": [
            {"step": "create the file", "status": "in_progress"},
            {"step": "report", "status": "pending"},
        ],
    }
    web_search = {
        "type": "web_search_call",
        "id": "ws_probe",
        "status": "completed",
        "action": {"type": "open_page", "url": "https://example.com/"},
    }
    first = responses_reply(
        reasoning_summary_part_added(),
        reasoning_summary_delta("**Planning** the change"),
        output_item_done(reasoning_item(["**Planning** the change"])),
        output_item_done(function_call_item("update_plan", plan, "call_plan")),
        output_item_done(web_search),
        output_item_done(
            function_call_item("shell", {"command": ["touch", "made.txt"]}, "call_shell")
        ),
        output_item_done(
            function_call_item("shell", {"command": ["apply_patch", patch]}, "call_patch")
        ),
    )
    return [first, streamed_message(["All ", "done."])]


APPROVALS = ("item/commandExecution/requestApproval", "item/fileChange/requestApproval")


def finish_turn(client: RecordingClient, mark: int) -> None:
    """Accept every approval request until the turn completes."""
    while True:
        message = client.wait_for(
            lambda m: m.get("method") in (*APPROVALS, "turn/completed"),
            60,
            "an approval request or turn/completed",
            mark,
        )
        mark = client.messages.index(message) + 1
        if message.get("method") == "turn/completed":
            return
        client.respond(message["id"], {"decision": "accept"})


def run(client: RecordingClient, mock: MockModelServer, work: Path, outside: Path) -> None:
    client.initialize("capture", "1.0.0")
    started = client.call(
        "thread/start",
        {"cwd": str(work), "approvalPolicy": "untrusted", "sandbox": "workspace-write"},
    )
    thread_id = started["thread"]["id"]
    mock.enqueue(*first_turn_replies(outside))
    mark = client.mark()
    client.call(
        "turn/start",
        {"threadId": thread_id, "input": [{"type": "text", "text": "make the file"}]},
    )
    finish_turn(client, mark)

    client.call("thread/read", {"threadId": thread_id, "includeTurns": True})
    client.call("thread/name/set", {"threadId": thread_id, "name": "Capture"})
    forked = client.call("thread/fork", {"threadId": thread_id})
    client.call("thread/rollback", {"threadId": forked["thread"]["id"], "numTurns": 1})
    mock.enqueue(assistant_message("Summary of the thread so far."))
    mark = client.mark()
    client.call("thread/compact/start", {"threadId": thread_id})
    client.wait_notification("turn/completed", timeout=60, start=mark)
    client.call("thread/loaded/list", {})
    client.call("thread/unsubscribe", {"threadId": forked["thread"]["id"]})
    client.call("thread/archive", {"threadId": forked["thread"]["id"]})
    client.call("thread/unarchive", {"threadId": forked["thread"]["id"]})
    client.call("thread/resume", {"threadId": forked["thread"]["id"]})
    client.call("thread/list", {"limit": 5, "sortKey": "updated_at"})

    client.call("config/read", {"includeLayers": True, "cwd": str(work)})
    client.call(
        "config/value/write",
        {"keyPath": "model_verbosity", "value": "low", "mergeStrategy": "replace"},
    )
    client.call(
        "config/batchWrite",
        {
            "edits": [
                {"keyPath": "profiles.fast.model", "value": "gpt-5", "mergeStrategy": "upsert"}
            ]
        },
    )
    client.call("configRequirements/read")
    client.call("experimentalFeature/list", {"limit": 3})
    client.call("model/list", {"limit": 2, "includeHidden": True})
    client.call("mcpServerStatus/list", {})
    client.call("config/mcpServer/reload")
    client.call(
        "command/exec",
        {"command": ["sh", "-c", "echo out; echo err >&2; exit 3"], "cwd": str(work)},
    )
    client.call("account/read", {"refreshToken": False})
    mark = client.mark()
    client.call("account/login/start", {"type": "apiKey", "apiKey": "sk-capture-not-a-key"})
    client.wait_notification("account/updated", start=mark)
    client.call("account/read", {})
    mark = client.mark()
    client.call("account/logout")
    client.wait_notification("account/updated", start=mark)


def main() -> None:
    binary = reference_binary()
    with tempfile.TemporaryDirectory() as tmp, MockModelServer() as mock:
        home, work, outside = Path(tmp) / "codex_home", Path(tmp) / "work", Path(tmp) / "outside"
        for folder in (home, work, outside):
            folder.mkdir()
        write_mock_config(
            home, mock, extra='[profiles.fast]\nmodel = "mock-model"\nnotify_extra = 3'
        )
        client = RecordingClient(home, cwd=work, command=[binary, "app-server"])
        try:
            run(client, mock, work, outside)
        finally:
            client.kill()
        records = [
            record
            for record in client.transcript()
            if not str(record["msg"].get("method", "")).startswith("codex/event/")
        ][3:]  # initialize, its answer, initialized
        text = "".join(json.dumps(record) + "\n" for record in records)
        OUT.write_text(text.replace(tmp, "/tmp/capture"), encoding="utf-8")
    print(f"wrote {OUT} ({len(records)} messages)")


if __name__ == "__main__":
    main()
