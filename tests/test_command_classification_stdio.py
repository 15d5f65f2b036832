"""How commands are classified, through the real daemon, as 0.107.0 did for the
same model calls (observed on the binary with the conformance mock model,
``approval_policy = "on-request"``, ``danger-full-access``):

- ``commandActions`` of v2 items: ``head a.txt`` is a read now, the
  ``| wc -l`` after it is dropped;
- ``git reset`` is no longer asked about; a forced ``rm`` inside a plain
  script still is, and the approval carries the actions of each command.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.agent_session import replies_for
from tests.agent_tool_scenarios import shell
from tests.harness.stdio import DaemonClient
from tests.mock_model_server import MockModelServer, write_mock_config

Spawn = Callable[..., DaemonClient]
Json = dict[str, Any]

APPROVAL = "item/commandExecution/requestApproval"


def test_v2_actions_and_on_request_approvals_follow_0107(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    (workdir / "a.txt").write_text("one\ntwo\n")
    (workdir / "keep.txt").write_text("kept\n")
    mock_model.enqueue(
        *replies_for(
            [
                shell("head", ["bash", "-lc", "head a.txt | wc -l"]),
                shell("reset", ["bash", "-lc", "git reset --quiet"]),
                shell("rm", ["bash", "-lc", "ls && rm -f keep.txt"]),
            ]
        )
    )
    write_mock_config(
        codex_home, mock_model, approval_policy="on-request", sandbox_mode="danger-full-access"
    )
    client = spawn()
    thread_id = client.call("thread/start", {"cwd": str(workdir)})["thread"]["id"]
    messages = client.run_v2_turn_answering(thread_id, "decline")

    completed = {
        m["params"]["item"]["id"]: m["params"]["item"]
        for m in messages
        if m.get("method") == "item/completed" and m["params"]["item"]["type"] == "commandExecution"
    }
    assert completed["head"]["commandActions"] == [
        {"type": "read", "command": "head a.txt", "name": "a.txt", "path": "a.txt"}
    ]
    assert completed["reset"]["commandActions"] == [
        {"type": "unknown", "command": "git reset --quiet"}
    ]
    approvals = {
        m["params"]["itemId"]: m["params"] for m in messages if m.get("method") == APPROVAL
    }
    assert set(approvals) == {"rm"}
    assert approvals["rm"]["commandActions"] == [
        {"type": "listFiles", "command": "ls", "path": None},
        {"type": "unknown", "command": "rm -f keep.txt"},
    ]
    assert completed["rm"]["status"] == "declined"
    assert (workdir / "keep.txt").exists()
