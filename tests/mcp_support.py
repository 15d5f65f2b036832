"""Helpers for the MCP tests: config tables for the test servers, a turn
driven through a daemon, the MCP events it sent, and the scenario whose
events are compared with the reference's (`tests/data/mcp_events_reference.json`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.harness.stdio import DaemonClient
from tests.mock_model_server import MockModelServer, assistant_message, function_call

SERVER_SCRIPT = Path(__file__).resolve().parent / "mcp_test_server.py"
REFERENCE_EVENTS = Path(__file__).resolve().parent / "data" / "mcp_events_reference.json"
MCP_EVENT_TYPES = ("mcp_tool_call_begin", "mcp_tool_call_end")

Json = dict[str, Any]


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping):
        return (
            "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
        )
    if isinstance(value, Sequence):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(value)


def server_table(name: str, **fields: Any) -> str:
    """A ``[mcp_servers.NAME]`` table."""
    lines = [f"[mcp_servers.{name}]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in fields.items()]
    return "\n".join(lines) + "\n"


def stdio_table(name: str, *server_args: str, python: str | None = None, **fields: Any) -> str:
    """A stdio server running the test server with ``server_args``."""
    return server_table(
        name,
        command=python or sys.executable,
        args=[str(SERVER_SCRIPT), *server_args],
        **fields,
    )


def start_conversation(client: DaemonClient, workdir: Path, **params: Any) -> str:
    result = client.call("newConversation", {"cwd": str(workdir), **params}, timeout=60)
    cid: str = result["conversationId"]
    client.call("addConversationListener", {"conversationId": cid})
    return cid


def run_turn(
    client: DaemonClient,
    cid: str,
    workdir: Path,
    text: str = "go",
    model: str = "mock-model",
    timeout: float = 60,
) -> list[Json]:
    """Send a user turn, wait for its end; the messages it produced."""
    start = client.mark()
    client.call(
        "sendUserTurn",
        {
            "conversationId": cid,
            "items": [{"type": "text", "data": {"text": text}}],
            "cwd": str(workdir),
            "approvalPolicy": "never",
            "sandboxPolicy": {"mode": "danger-full-access"},
            "model": model,
            "effort": None,
            "summary": "auto",
        },
    )
    client.wait_event("task_complete", cid, timeout=timeout, start=start)
    return client.since(start)


def event_msgs(messages: Sequence[Json], *types: str) -> list[Json]:
    """The ``msg`` of each ``codex/event/*`` of these types, in order."""
    wanted = types or MCP_EVENT_TYPES
    return [
        m["params"]["msg"]
        for m in messages
        if m.get("method", "").startswith("codex/event/") and m["params"]["msg"]["type"] in wanted
    ]


# -- the scenario compared with the reference ------------------------------------

#: (call id, tool, arguments) the mock model calls, one model request each.
SCENARIO_CALLS: list[tuple[str, str, Json]] = [
    ("call_echo", "mcp__test__echo", {"text": "hi"}),
    ("call_add", "mcp__test__add", {"a": 1, "b": 2}),
    ("call_image", "mcp__test__image", {}),
    ("call_fail", "mcp__test__fail", {}),
    ("call_list", "list_mcp_resources", {}),
    ("call_templates", "list_mcp_resource_templates", {"server": "test"}),
    ("call_read", "read_mcp_resource", {"server": "test", "uri": "memo://notes"}),
    ("call_unknown_server", "list_mcp_resources", {"server": "nope"}),
    ("call_crash", "mcp__test__crash", {}),
]


def scenario_config() -> str:
    return stdio_table("test", python="python3")


def run_scenario(client: DaemonClient, mock: MockModelServer, workdir: Path) -> dict[str, Any]:
    """Drive the scenario through ``client``'s daemon: the MCP events, and the
    tool outputs the model was given, by call id."""
    for call_id, tool, arguments in SCENARIO_CALLS:
        mock.enqueue(function_call(tool, arguments, call_id=call_id))
    mock.enqueue(assistant_message("done"))
    cid = start_conversation(client, workdir)
    messages = run_turn(client, cid, workdir)
    outputs = mock.model_requests[-1].tool_outputs()
    return {"events": event_msgs(messages), "outputs": outputs}
