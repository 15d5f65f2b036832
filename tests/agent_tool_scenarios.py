"""One model turn making machine tool calls, played against a daemon and
reduced to what must match the reference.

`run_scenario` drives a daemon (ours, or the reference binary through
``tools/refresh_agent_tool_references.py``) with the mock model: the model
makes the scenario's calls in one response, then answers "done"; every
approval request is answered with the scenario's next decision. The
result keeps, with paths, ids and timings replaced by placeholders:

- ``calls``: each call's events in order (output deltas of one stream
  merged, as their chunking depends on timing);
- ``requests``: the approval requests (method and params);
- ``outputs``: what the model read for each call;
- ``turn_diffs``: the ``turn_diff`` events;
- ``end``: ``task_complete`` or ``turn_aborted``; ``files``: the work tree after.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.harness.stdio import DaemonClient, Message
from tests.mock_model_server import (
    MockModelServer,
    assistant_message,
    custom_tool_call_item,
    function_call_item,
    output_item_done,
    responses_reply,
    write_mock_config,
)

Json = dict[str, Any]
Items = Callable[[Path, Path], list[Json]]
"""The calls, given the work folder and a folder outside the writable roots."""

PATCH_ADD_UPDATE = (
    "*** Begin Patch\n*** Add File: new.txt\n+fresh\n"
    "*** Update File: a.txt\n@@\n hello\n-world\n+there\n*** End Patch"
)


def shell(call_id: str, command: list[str], **arguments: Any) -> Json:
    return function_call_item("shell", {"command": command, **arguments}, call_id)


def freeform_patch(call_id: str, patch: str) -> Json:
    return custom_tool_call_item("apply_patch", patch, call_id)


@dataclass(frozen=True)
class Scenario:
    name: str
    calls: Items
    approval: str = "never"
    sandbox: str = "danger-full-access"
    decisions: tuple[str, ...] = ()
    include_apply_patch_tool: bool = False
    extra_config: str = ""
    loose: frozenset[str] = field(default_factory=frozenset)
    """What may differ from the reference: ``deltas`` (their text depends on the
    sandbox's mechanism), ``end_event`` (the reference sometimes sends no
    ``exec_command_end`` for an aborted call: a race on its side),
    ``stream_order`` (stdout and stderr are two pipes: which one is read
    first is the scheduler's choice, for the reference and for us),
    ``patch_begin_first`` (0.107 announces a patch it asks about before
    asking, and ends it declined when refused; the 0.50 capture announces it
    once approved, and not at all when refused)."""


def _outside_config() -> str:
    # Keep /tmp (where tests live) out of the writable roots.
    return "[sandbox_workspace_write]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true\n"


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "exec",
        lambda work, out: [shell("c1", ["bash", "-c", "echo hi; echo err >&2"])],
        loose=frozenset({"stream_order"}),
    ),
    Scenario(
        "exec_denied",
        lambda work, out: [shell("c1", ["touch", "made.txt"])],
        approval="untrusted",
        decisions=("denied",),
    ),
    Scenario(
        "exec_escalated_approved",
        lambda work, out: [
            shell(
                "c1",
                ["touch", "made.txt"],
                with_escalated_permissions=True,
                justification="to make a file",
            )
        ],
        approval="on-request",
        sandbox="workspace-write",
        decisions=("approved",),
    ),
    Scenario(
        "exec_abort",
        lambda work, out: [shell("c1", ["touch", "made.txt"])],
        approval="untrusted",
        decisions=("abort",),
        loose=frozenset({"end_event"}),
    ),
    Scenario(
        "patch_freeform",
        lambda work, out: [freeform_patch("c1", PATCH_ADD_UPDATE)],
        include_apply_patch_tool=True,
    ),
    Scenario(
        "patch_through_shell",
        lambda work, out: [shell("c1", ["apply_patch", PATCH_ADD_UPDATE])],
    ),
    Scenario(
        "patch_approved",
        lambda work, out: [freeform_patch("c1", PATCH_ADD_UPDATE)],
        approval="untrusted",
        sandbox="workspace-write",
        decisions=("approved",),
        include_apply_patch_tool=True,
        loose=frozenset({"patch_begin_first"}),
    ),
    Scenario(
        "patch_denied",
        lambda work, out: [shell("c1", ["apply_patch", PATCH_ADD_UPDATE])],
        approval="untrusted",
        sandbox="workspace-write",
        decisions=("denied",),
        loose=frozenset({"patch_begin_first"}),
    ),
    Scenario(
        "patch_outside_retried",
        lambda work, out: [
            freeform_patch(
                "c1", f"*** Begin Patch\n*** Add File: {out}/far.txt\n+far\n*** End Patch"
            )
        ],
        approval="on-failure",
        sandbox="workspace-write",
        decisions=("approved",),
        include_apply_patch_tool=True,
        extra_config=_outside_config(),
        loose=frozenset({"deltas"}),
    ),
    Scenario(
        "patch_does_not_apply",
        lambda work, out: [
            freeform_patch(
                "c1", "*** Begin Patch\n*** Update File: a.txt\n@@\n-missing\n+x\n*** End Patch"
            )
        ],
        include_apply_patch_tool=True,
    ),
)


def scenario(name: str) -> Scenario:
    return next(s for s in SCENARIOS if s.name == name)


def prepare(root: Path) -> tuple[Path, Path, Path]:
    """codex home, work folder (with ``a.txt``) and an outside folder, under ``root``."""
    home, work, outside = root / "home", root / "work", root / "outside"
    for folder in (home, work, outside):
        folder.mkdir(parents=True)
    (work / "a.txt").write_text("hello\nworld\n")
    return home, work, outside


def run_scenario(
    case: Scenario,
    root: Path,
    mock: MockModelServer,
    command: list[str] | None = None,
    timeout: float = 30.0,
) -> Json:
    home, work, outside = prepare(root)
    write_mock_config(
        home,
        mock,
        approval_policy=case.approval,
        sandbox_mode=case.sandbox,
        extra=case.extra_config,
    )
    calls = case.calls(work, outside)
    mock.enqueue(
        responses_reply(*(output_item_done(item) for item in calls)), assistant_message("done")
    )
    client = DaemonClient(home, cwd=work, command=command)
    try:
        client.initialize()
        params: Json = {"cwd": str(work)}
        if case.include_apply_patch_tool:
            params["includeApplyPatchTool"] = True
        cid = client.call("newConversation", params)["conversationId"]
        client.call("addConversationListener", {"conversationId": cid})
        start = client.mark()
        client.call(
            "sendUserMessage",
            {"conversationId": cid, "items": [{"type": "text", "data": {"text": "go"}}]},
        )
        messages = play_until_end(client, start, list(case.decisions), timeout)
    finally:
        client.kill()
    outputs: dict[str, str] = {}
    for request in mock.model_requests[1:]:
        outputs.update(request.tool_outputs())
    replacements = {str(work): "<work>", str(outside): "<outside>", cid: "<cid>"}
    return normalize(messages, outputs, replacements, [work, outside], case.loose)


def play_until_end(
    client: DaemonClient, start: int, decisions: list[str], timeout: float = 30.0
) -> list[Message]:
    """Answer approval requests with ``decisions`` (then ``denied``) until the
    turn ends; every message since ``start``."""
    deadline = time.monotonic() + timeout
    index = start
    while True:
        message = client.wait_for(
            lambda m: True, max(deadline - time.monotonic(), 0.01), "the turn's end", index
        )
        index = client.messages.index(message, index) + 1
        method = message.get("method", "")
        if "id" in message and method in ("execCommandApproval", "applyPatchApproval"):
            decision = decisions.pop(0) if decisions else "denied"
            client.respond(message["id"], {"decision": decision})
        if method in ("codex/event/task_complete", "codex/event/turn_aborted"):
            time.sleep(0.3)  # anything sent after the end
            return client.since(start)


_ELAPSED = re.compile(r'("duration_seconds":)[0-9.]+|(Wall time: )[0-9.]+( seconds)')


def _replace(value: Any, replacements: dict[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in replacements.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_replace(v, replacements) for v in value]
    if isinstance(value, dict):
        return {_replace(k, replacements): _replace(v, replacements) for k, v in value.items()}
    return value


def _elapsed(text: str) -> str:
    return _ELAPSED.sub(lambda m: (m[1] or m[2]) + "<s>" + (m[3] or ""), text)


def normalize(
    messages: list[Message],
    outputs: dict[str, str],
    replacements: dict[str, str],
    folders: list[Path],
    loose: frozenset[str] = frozenset(),
) -> Json:
    calls: dict[str, list[Json]] = {}
    requests: list[Json] = []
    turn_diffs: list[str] = []
    end = None
    for message in messages:
        method = message.get("method", "")
        if "id" in message and method:
            requests.append({"method": method, "params": message["params"]})
            continue
        if not method.startswith("codex/event/"):
            continue
        msg = dict(message["params"]["msg"])
        kind = msg["type"]
        if kind in ("task_complete", "turn_aborted"):
            end = kind
        if kind == "turn_diff":
            turn_diffs.append(msg["unified_diff"])
        if "call_id" not in msg:
            continue
        events = calls.setdefault(msg["call_id"], [])
        if kind == "exec_command_output_delta":
            text = base64.b64decode(msg.pop("chunk")).decode("utf-8", errors="replace")
            if "deltas" in loose:
                text = "<text>"
            last = events[-1] if events else None
            if last and last["type"] == kind and last["stream"] == msg["stream"]:
                if "deltas" not in loose:
                    last["text"] += text
                continue
            msg["text"] = text
        if isinstance(msg.get("duration"), dict) and msg["duration"] != {"secs": 0, "nanos": 0}:
            msg["duration"] = "<elapsed>"
        events.append(msg)
    files = sorted(str(p) for folder in folders for p in folder.rglob("*") if p.is_file())
    result = {
        "calls": calls,
        "requests": requests,
        "outputs": {k: _elapsed(v) for k, v in outputs.items()},
        "turn_diffs": turn_diffs,
        "end": end,
        "files": files,
    }
    normalized: Json = _replace(result, replacements)
    return normalized


def dumps(value: Json) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
