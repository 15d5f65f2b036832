"""Approvals through the real daemon: every decision under every approval
policy, for commands and patches, and what happens when the client answers
badly. A command the policy says needs consent never runs without it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.agent_session import (
    TMP_NOT_WRITABLE,
    AgentSession,
    Spawn,
    TurnResult,
    open_session,
    replies_for,
)
from tests.agent_tool_scenarios import freeform_patch, shell
from tests.mock_model_server import MockModelServer
from tests.sandbox_support import needs_sandbox

REJECTED = "exec command rejected by user"
DECISIONS = ("approved", "approved_for_session", "denied", "abort")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the work folder; not writable with `TMP_NOT_WRITABLE`."""
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def _exit_code(output: str) -> int:
    code: int = json.loads(output)["metadata"]["exit_code"]
    return code


def _session(
    spawn: Spawn, codex_home: Path, workdir: Path, mock: MockModelServer, approval: str, **kw: Any
) -> AgentSession:
    needs_sandbox()
    return open_session(
        spawn,
        codex_home,
        workdir,
        mock,
        approval=approval,
        sandbox="workspace-write",
        extra=TMP_NOT_WRITABLE,
        **kw,
    )


def _asking_call(approval: str, workdir: Path, outside: Path, call_id: str) -> dict[str, Any]:
    """A command that ``approval`` asks about, which would create ``made.txt``."""
    if approval == "untrusted":  # not known to be safe
        return shell(call_id, ["touch", str(workdir / "made.txt")])
    if approval == "on-request":  # the model asks to leave the sandbox
        return shell(
            call_id,
            ["touch", str(outside / "made.txt")],
            sandbox_permissions="require_escalated",  # 0.107's form
            justification="it writes outside the workspace",
        )
    # on-failure: the sandbox stops it, then the user is asked
    return shell(call_id, ["touch", str(outside / "made.txt")])


def _made(approval: str, workdir: Path, outside: Path) -> Path:
    return (workdir if approval == "untrusted" else outside) / "made.txt"


def _check_the_question(result: TurnResult, approval: str, call_id: str) -> None:
    (request,) = result.requests()
    assert request["method"] == "execCommandApproval"
    params = request["params"]
    assert params["callId"] == call_id
    (event,) = result.events("exec_approval_request")
    assert event["call_id"] == call_id and event["command"] == params["command"]
    reasons = {
        "untrusted": None,
        "on-request": "it writes outside the workspace",
        "on-failure": "command failed; retry without sandbox?",
    }
    # 0.107 writes the request's nulls, and leaves the event's `reason` out when null
    assert params["reason"] == reasons[approval]
    assert params["approvalId"] is None
    assert ("reason" in event) == (reasons[approval] is not None)
    (started,) = result.events("task_started")
    assert event["turn_id"] == started["turn_id"]
    # announced first: exec_command_begin, then the request event, then the request
    kinds = [m.get("method") for m in result.messages]
    assert kinds.index("codex/event/exec_command_begin") < kinds.index(
        "codex/event/exec_approval_request"
    )
    assert kinds.index("codex/event/exec_approval_request") < kinds.index("execCommandApproval")


@pytest.mark.parametrize("decision", DECISIONS)
@pytest.mark.parametrize("approval", ["untrusted", "on-request", "on-failure"])
def test_every_decision_under_every_asking_policy(
    approval: str,
    decision: str,
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    outside: Path,
    mock_model: MockModelServer,
) -> None:
    session = _session(spawn, codex_home, workdir, mock_model, approval)
    made = _made(approval, workdir, outside)
    calls = [_asking_call(approval, workdir, outside, "c1")]
    if decision == "approved_for_session":
        calls.append(_asking_call(approval, workdir, outside, "c2"))
    result = session.turn(calls, [decision])

    if decision == "approved_for_session":
        assert len(result.requests()) == 1, "the same command is not asked about twice"
        assert made.exists()
        assert [_exit_code(result.outputs[c]) for c in ("c1", "c2")] == [0, 0]
        return
    _check_the_question(result, approval, "c1")
    if decision == "approved":
        assert made.exists()
        assert _exit_code(result.outputs["c1"]) == 0
        assert result.ended == "task_complete"
    elif decision == "denied":
        assert not made.exists()
        assert result.outputs["c1"] == REJECTED
        (end,) = result.events("exec_command_end")
        assert (end["exit_code"], end["stderr"]) == (-1, REJECTED)
        assert result.ended == "task_complete"
    else:  # abort: the turn ends, the model is not asked again
        assert not made.exists()
        assert result.ended == "turn_aborted"
        assert result.events("task_complete") == []
        assert session.model_requests_after(0.5) == 1


def test_never_asks_and_the_sandbox_refuses(
    spawn: Spawn, codex_home: Path, workdir: Path, outside: Path, mock_model: MockModelServer
) -> None:
    session = _session(spawn, codex_home, workdir, mock_model, "never")
    result = session.turn([_asking_call("on-failure", workdir, outside, "c1")], ["approved"])
    assert result.requests() == []
    assert not (outside / "made.txt").exists()
    assert result.outputs["c1"].startswith("failed in sandbox")


@pytest.mark.parametrize("approval", ["untrusted", "on-failure", "never"])
def test_escalation_is_refused_outside_on_request(
    approval: str,
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    outside: Path,
    mock_model: MockModelServer,
) -> None:
    session = _session(spawn, codex_home, workdir, mock_model, approval)
    call = _asking_call("on-request", workdir, outside, "c1")
    result = session.turn([call], ["approved"])
    assert result.requests() == []
    assert result.events("exec_command_begin") == []
    assert not (outside / "made.txt").exists()
    assert "you should not ask for escalated permissions" in result.outputs["c1"]


def test_known_safe_commands_run_without_asking_under_untrusted(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    (workdir / "notes.txt").write_text("seen\n")
    session = _session(spawn, codex_home, workdir, mock_model, "untrusted")
    result = session.turn(
        [shell("c1", ["cat", "notes.txt"]), shell("c2", ["bash", "-lc", "ls && pwd"])]
    )
    assert result.requests() == []
    assert json.loads(result.outputs["c1"])["output"] == "seen\n"
    assert _exit_code(result.outputs["c2"]) == 0


def test_approved_for_session_lasts_for_the_conversation(
    spawn: Spawn, codex_home: Path, workdir: Path, outside: Path, mock_model: MockModelServer
) -> None:
    session = _session(spawn, codex_home, workdir, mock_model, "untrusted")
    first = session.turn([shell("c1", ["touch", "one.txt"])], ["approved_for_session"])
    assert len(first.requests()) == 1
    second = session.turn([shell("c2", ["touch", "one.txt"]), shell("c3", ["touch", "two.txt"])])
    # the same command again: not asked; another one: asked (and denied here)
    assert [r["params"]["command"] for r in second.requests()] == [["touch", "two.txt"]]
    assert (workdir / "one.txt").exists() and not (workdir / "two.txt").exists()


def test_a_session_approval_inside_the_sandbox_does_not_cover_escalation(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    """Stricter than the reference, which runs the escalated one unasked."""
    (workdir / "x").write_text("x")
    session = _session(spawn, codex_home, workdir, mock_model, "on-request")
    remove = ["rm", "-f", "x"]  # destructive-looking: asked about under on-request
    first = session.turn([shell("c1", remove)], ["approved_for_session"])
    assert len(first.requests()) == 1
    second = session.turn(
        [shell("c2", remove), shell("c3", remove, with_escalated_permissions=True)]
    )
    assert [r["params"]["callId"] for r in second.requests()] == ["c3"]


def test_turn_ids_are_uuids_whatever_was_answered(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = _session(spawn, codex_home, workdir, mock_model, "untrusted")
    first = session.turn([shell("c1", ["touch", "x"])], ["approved"])
    second = session.turn([])
    ids = []
    for turn in (first, second):
        (started,) = [m for m in turn.messages if m.get("method") == "codex/event/task_started"]
        assert started["params"]["id"] == started["params"]["msg"]["turn_id"]
        ids.append(started["params"]["id"])
    # as 0.107 makes them: UUIDv7s, not "0", "2"
    assert all(uuid.UUID(turn_id).version == 7 for turn_id in ids) and ids[0] != ids[1]


@pytest.mark.parametrize(
    ("answer", "ended"), [({"decision": "maybe"}, "task_complete"), (None, "task_complete")]
)
def test_a_bad_answer_counts_as_denied(
    answer: dict[str, Any] | None,
    ended: str,
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    mock_model: MockModelServer,
) -> None:
    """An invalid decision (as the reference) or an error answer (where the
    reference would wait forever) denies the command."""
    session = _session(spawn, codex_home, workdir, mock_model, "untrusted")
    client = session.client
    session.mock.enqueue(*replies_for([shell("c1", ["touch", str(workdir / "made.txt")])]))
    start = client.mark()
    session.send("go")
    request = client.wait_server_request("execCommandApproval", start=start)
    if answer is None:
        client.send({"id": request["id"], "error": {"code": -32000, "message": "no UI"}})
    else:
        client.respond(request["id"], answer)
    client.wait_event(ended, start=start)
    assert not (workdir / "made.txt").exists()
    assert session.mock.model_requests[-1].tool_outputs()["c1"] == REJECTED


def test_the_first_of_two_answers_decides(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    """`denied` then `approved` in one write: the command does not run."""
    session = _session(spawn, codex_home, workdir, mock_model, "untrusted")
    client = session.client
    session.mock.enqueue(*replies_for([shell("c1", ["touch", str(workdir / "made.txt")])]))
    start = client.mark()
    session.send("go")
    request = client.wait_server_request("execCommandApproval", start=start)
    answers = [
        {"id": request["id"], "result": {"decision": decision}}
        for decision in ("denied", "approved")
    ]
    client.send_raw(b"".join(json.dumps(a).encode() + b"\n" for a in answers))
    client.wait_event("task_complete", start=start)
    assert not (workdir / "made.txt").exists()
    assert session.mock.model_requests[-1].tool_outputs()["c1"] == REJECTED


def test_an_answer_with_two_ids_is_dropped(
    spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = _session(spawn, codex_home, workdir, mock_model, "untrusted")
    client = session.client
    session.mock.enqueue(*replies_for([shell("c1", ["touch", str(workdir / "made.txt")])]))
    start = client.mark()
    session.send("go")
    request = client.wait_server_request("execCommandApproval", start=start)
    rid = json.dumps(request["id"]).encode()
    client.send_raw(b'{"id":' + rid + b',"result":{"decision":"approved"},"id":' + rid + b"}\n")
    client.respond(request["id"], {"decision": "denied"})
    client.wait_event("task_complete", start=start)
    assert not (workdir / "made.txt").exists()
    assert session.mock.model_requests[-1].tool_outputs()["c1"] == REJECTED


# -- patches ---------------------------------------------------------------------------

ADD = "*** Begin Patch\n*** Add File: made.txt\n+made\n*** End Patch"


@pytest.mark.parametrize("decision", DECISIONS)
def test_patch_decisions_under_untrusted(
    decision: str,
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    mock_model: MockModelServer,
) -> None:
    session = _session(
        spawn, codex_home, workdir, mock_model, "untrusted", include_apply_patch_tool=True
    )
    result = session.turn([freeform_patch("c1", ADD)], [decision])
    (request,) = result.requests()
    assert request["method"] == "applyPatchApproval"
    assert list(request["params"]) == [
        "conversationId",
        "callId",
        "fileChanges",
        "reason",
        "grantRoot",
    ]
    assert request["params"]["fileChanges"] == {
        str(workdir / "made.txt"): {"type": "add", "content": "made\n"}
    }
    assert len(result.events("apply_patch_approval_request")) == 1
    made = workdir / "made.txt"
    # As 0.107: the patch is announced (not auto-approved) before it is asked about.
    (begin,) = result.events("patch_apply_begin")
    assert begin["auto_approved"] is False
    kinds = [m.get("method") for m in result.messages]
    assert kinds.index("codex/event/patch_apply_begin") < kinds.index("applyPatchApproval")
    (end,) = result.events("patch_apply_end")
    if decision in ("approved", "approved_for_session"):
        assert made.read_text() == "made\n"
        assert end["status"] == "completed"
        assert result.outputs["c1"].startswith("Exit code: 0\n")
    else:
        assert not made.exists()
        assert (end["status"], end["stderr"]) == ("declined", "patch rejected by user")
        if decision == "denied":
            assert result.outputs["c1"] == "patch rejected by user"
        else:
            assert result.ended == "turn_aborted"


@pytest.mark.parametrize("approval", ["on-request", "on-failure", "never"])
def test_patches_inside_the_writable_roots_are_applied_without_asking(
    approval: str, spawn: Spawn, codex_home: Path, workdir: Path, mock_model: MockModelServer
) -> None:
    session = _session(spawn, codex_home, workdir, mock_model, approval)
    result = session.turn([shell("c1", ["apply_patch", ADD])])
    assert result.requests() == []
    assert (workdir / "made.txt").read_text() == "made\n"
    (begin,) = result.events("patch_apply_begin")
    assert begin["auto_approved"] is True


@pytest.mark.parametrize(
    ("approval", "decision", "asked", "written"),
    [
        ("never", "approved", None, False),
        ("on-request", "approved", "applyPatchApproval", True),
        ("on-request", "denied", "applyPatchApproval", False),
        ("on-failure", "approved", "execCommandApproval", True),
        ("on-failure", "denied", "execCommandApproval", False),
    ],
)
def test_patches_outside_the_writable_roots(
    approval: str,
    decision: str,
    asked: str | None,
    written: bool,
    spawn: Spawn,
    codex_home: Path,
    workdir: Path,
    outside: Path,
    mock_model: MockModelServer,
) -> None:
    session = _session(spawn, codex_home, workdir, mock_model, approval)
    target = outside / "far.txt"
    patch = f"*** Begin Patch\n*** Add File: {target}\n+far\n*** End Patch"
    result = session.turn([shell("c1", ["apply_patch", patch])], [decision])
    assert [r["method"] for r in result.requests()] == ([asked] if asked else [])
    assert target.exists() == written
    if approval == "never":
        assert result.outputs["c1"] == (
            "patch rejected: writing outside of the project; rejected by user approval settings"
        )
    if asked == "execCommandApproval":
        params = result.requests()[0]["params"]
        assert params["command"] == ["apply_patch"]
        assert params["reason"] == "command failed; retry without sandbox?"
