"""A conversation with the real daemon whose model makes the tool calls a
test scripts, for the shell / apply_patch / approval tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.agent_tool_scenarios import play_until_end
from tests.harness.stdio import DaemonClient, Message
from tests.mock_model_server import (
    MockModelServer,
    assistant_message,
    output_item_done,
    responses_reply,
    write_mock_config,
)

Json = dict[str, Any]
Spawn = Callable[..., DaemonClient]

#: Keeps /tmp (where the tests' folders are) out of the writable roots.
TMP_NOT_WRITABLE = (
    "[sandbox_workspace_write]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true\n"
)


def replies_for(calls: Sequence[Json]) -> list[Any]:
    """The model's replies for a turn: ``calls`` in one response, then "done"."""
    return [responses_reply(*(output_item_done(c) for c in calls)), assistant_message("done")]


@dataclass
class TurnResult:
    messages: list[Message]
    outputs: dict[str, str]
    """What the model read for each call id."""

    def events(self, kind: str) -> list[Json]:
        return [
            m["params"]["msg"]
            for m in self.messages
            if m.get("method") == f"codex/event/{kind}" and "id" not in m
        ]

    def requests(self, method: str | None = None) -> list[Message]:
        return [
            m
            for m in self.messages
            if "id" in m and m.get("method") and (method is None or m["method"] == method)
        ]

    @property
    def ended(self) -> str:
        kinds = [m.get("method", "") for m in self.messages]
        if "codex/event/turn_aborted" in kinds:
            return "turn_aborted"
        return "task_complete"


@dataclass
class AgentSession:
    client: DaemonClient
    mock: MockModelServer
    cid: str
    work: Path

    def turn(
        self,
        calls: Sequence[Json],
        decisions: Sequence[str] = (),
        *,
        timeout: float = 30.0,
    ) -> TurnResult:
        """One user turn whose first model reply makes ``calls``; approval
        requests are answered with ``decisions`` (then ``denied``)."""
        before = len(self.mock.model_requests)
        self.mock.enqueue(*replies_for(calls))
        start = self.client.mark()
        self.send("go")
        messages = play_until_end(self.client, start, list(decisions), timeout)
        outputs: dict[str, str] = {}
        for request in self.mock.model_requests[before + 1 :]:
            outputs.update(request.tool_outputs())
        return TurnResult(messages, outputs)

    def turn_with_policy(self, sandbox_policy: Json, calls: Sequence[Json]) -> TurnResult:
        """One ``sendUserTurn`` under ``sandbox_policy`` (v1 shape, approval
        ``never``) whose first model reply makes ``calls``."""
        before = len(self.mock.model_requests)
        self.mock.enqueue(*replies_for(calls))
        start = self.client.mark()
        self.client.call(
            "sendUserTurn",
            {
                "conversationId": self.cid,
                "items": [{"type": "text", "data": {"text": "go"}}],
                "cwd": str(self.work),
                "approvalPolicy": "never",
                "sandboxPolicy": sandbox_policy,
                "model": "mock-model",
                "summary": "auto",
            },
        )
        messages = play_until_end(self.client, start, [])
        outputs: dict[str, str] = {}
        for request in self.mock.model_requests[before + 1 :]:
            outputs.update(request.tool_outputs())
        return TurnResult(messages, outputs)

    def send(self, text: str) -> None:
        self.client.call(
            "sendUserMessage",
            {"conversationId": self.cid, "items": [{"type": "text", "data": {"text": text}}]},
        )

    def model_requests_after(self, seconds: float) -> int:
        time.sleep(seconds)
        return len(self.mock.model_requests)


def open_session(
    spawn: Spawn,
    codex_home: Path,
    work: Path,
    mock: MockModelServer,
    *,
    approval: str = "never",
    sandbox: str = "danger-full-access",
    extra: str = "",
    include_apply_patch_tool: bool = False,
    model: str = "mock-model",
) -> AgentSession:
    write_mock_config(
        codex_home, mock, approval_policy=approval, sandbox_mode=sandbox, extra=extra, model=model
    )
    client = spawn(cwd=work)
    params: Json = {"cwd": str(work)}
    if include_apply_patch_tool:
        params["includeApplyPatchTool"] = True
    cid = client.call("newConversation", params)["conversationId"]
    client.call("addConversationListener", {"conversationId": cid})
    return AgentSession(client, mock, cid, work)
