"""MCP servers on stdio, through the real daemon and the mock model: tools
offered and called, events, results given back to the model, crashes and
restarts, start-up failures, timeouts, tool filters, environment, resources."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.harness.stdio import DaemonClient
from tests.mcp_support import (
    event_msgs,
    run_turn,
    server_table,
    start_conversation,
    stdio_table,
)
from tests.mcp_test_server import DESCRIBE_SCHEMA, PNG_1X1
from tests.mock_model_server import (
    MockModelServer,
    assistant_message,
    function_call,
    write_mock_config,
)

Spawn = Callable[..., DaemonClient]


def tools_offered(mock: MockModelServer) -> dict[str, dict[str, Any]]:
    return {tool.get("name", tool["type"]): tool for tool in mock.model_requests[0].body["tools"]}


def test_tools_are_offered_called_and_reported(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, workdir: Path
) -> None:
    write_mock_config(codex_home, mock_model, extra=stdio_table("test"))
    mock_model.enqueue(function_call("mcp__test__echo", {"text": "hi"}, call_id="c1"))
    mock_model.enqueue(assistant_message("done"))
    client = spawn()
    cid = start_conversation(client, workdir)
    messages = run_turn(client, cid, workdir)

    tools = tools_offered(mock_model)
    names = list(tools)
    assert names[:9] == [
        "exec_command",
        "write_stdin",
        "list_mcp_resources",
        "list_mcp_resource_templates",
        "read_mcp_resource",
        "update_plan",
        "request_user_input",
        "web_search",
        "view_image",
    ]
    mcp_names = [name for name in names if name.startswith("mcp__")]
    assert mcp_names == sorted(mcp_names) and "mcp__test__echo" in mcp_names
    assert tools["mcp__test__echo"] == {
        "type": "function",
        "name": "mcp__test__echo",
        "description": "Echoes the text back.",
        "strict": False,
        "parameters": {
            "type": "object",
            "properties": {"text": {"type": "string", "description": "What to echo."}},
            "required": ["text"],
        },
    }
    assert tools["mcp__test__cwd"]["description"] == ""
    describe = tools["mcp__test__describe"]["parameters"]
    assert describe["required"] == DESCRIBE_SCHEMA["required"]
    # The top level keeps additionalProperties (as 0.107.0), never $schema.
    assert describe["additionalProperties"] is False and "$schema" not in describe

    begin, end = event_msgs(messages)
    invocation = {"server": "test", "tool": "echo", "arguments": {"text": "hi"}}
    assert begin == {"type": "mcp_tool_call_begin", "call_id": "c1", "invocation": invocation}
    assert list(end) == ["type", "call_id", "invocation", "duration", "result"]
    assert end["invocation"] == invocation and set(end["duration"]) == {"secs", "nanos"}
    assert end["result"] == {
        "Ok": {
            "content": [{"text": "echo: hi", "type": "text"}],
            "structuredContent": {"echoed": "hi"},
        }
    }
    assert mock_model.model_requests[1].tool_outputs() == {"c1": '{"echoed":"hi"}'}
    mock_model.assert_all_served()


def test_images_reach_models_that_read_them_and_not_the_others(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, workdir: Path
) -> None:
    write_mock_config(codex_home, mock_model, extra=stdio_table("test", "--tools", "image"))
    client = spawn()
    cid = start_conversation(client, workdir)

    mock_model.enqueue(function_call("mcp__test__image", {}, call_id="img1"))
    mock_model.enqueue(assistant_message("seen"))
    run_turn(client, cid, workdir, model="mock-model")
    request = mock_model.model_requests[-1]
    # As 0.107.0 sends it: the output itself is the list of parts, the image a data URL.
    outputs = {item["call_id"]: item["output"] for item in request.input if "output" in item}
    assert outputs["img1"] == [
        {"type": "input_text", "text": "a red pixel"},
        {"type": "input_image", "image_url": f"data:image/png;base64,{PNG_1X1}"},
    ]
    assert request.input[-1]["type"] == "function_call_output"

    mock_model.enqueue(function_call("mcp__test__image", {}, call_id="img2"))
    mock_model.enqueue(assistant_message("not seen"))
    run_turn(client, cid, workdir, model="gpt-oss-20b")
    request = mock_model.model_requests[-1]
    assert json.loads(request.tool_outputs()["img2"]) == [
        {"text": "a red pixel", "type": "text"},
        {"text": "<image content omitted because you do not support image input>", "type": "text"},
    ]
    assert PNG_1X1 not in json.dumps(request.body["input"][-3:])


def test_a_server_crashing_mid_call_gives_an_error_and_is_restarted(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, workdir: Path
) -> None:
    log = workdir.parent / "server.log"
    write_mock_config(codex_home, mock_model, extra=stdio_table("test", "--log", str(log)))
    mock_model.enqueue(function_call("mcp__test__crash", {}, call_id="boom"))
    mock_model.enqueue(function_call("mcp__test__echo", {"text": "again"}, call_id="after"))
    mock_model.enqueue(assistant_message("done"))
    client = spawn()
    cid = start_conversation(client, workdir)
    messages = run_turn(client, cid, workdir)

    ends = [m for m in event_msgs(messages) if m["type"] == "mcp_tool_call_end"]
    crash, after = ends
    error = crash["result"]["Err"]
    assert error.startswith("tool call error: tool call failed for `test/crash`: ")
    assert "closed the connection (exit status 3)" in error
    assert "crashing on purpose" in error
    assert after["result"]["Ok"]["structuredContent"] == {"echoed": "again"}
    outputs = mock_model.model_requests[-1].tool_outputs()
    assert outputs["boom"] == error and outputs["after"] == '{"echoed":"again"}'
    initializes = [
        line for line in log.read_text().splitlines() if '"method": "initialize"' in line
    ]
    assert len(initializes) == 2


def test_start_up_failures_are_reported_to_the_first_listener(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, workdir: Path
) -> None:
    extra = (
        stdio_table("good", "--tools", "echo")
        + stdio_table("broken", "--fail-start")
        + '[mcp_servers.missing]\ncommand = "/nonexistent/program"\n'
        + stdio_table("slow", "--start-delay", "120", startup_timeout_sec=0.5)
        + '[mcp_servers."bad name"]\ncommand = "x"\n'
    )
    write_mock_config(codex_home, mock_model, extra=extra)
    mock_model.enqueue(function_call("list_mcp_resources", {"server": "broken"}, call_id="c"))
    mock_model.enqueue(assistant_message("done"))
    client = spawn()
    started = time.monotonic()
    result = client.call("newConversation", {"cwd": str(workdir)}, timeout=60)
    # Not kept waiting for the slow server: its 0.5 s timeout ends its start (a
    # bound far from both, so that a busy machine does not fail the test).
    assert time.monotonic() - started < 60
    cid = result["conversationId"]
    mark = client.mark()
    client.call("addConversationListener", {"conversationId": cid})
    errors = wait_errors(client, mark, 4)
    assert all(e["id"] == "" for e in errors)
    messages = [e["msg"]["message"] for e in errors]
    assert messages[0] == (
        "MCP client for `bad name` failed to start: invalid server name 'bad name': "
        "must match pattern ^[a-zA-Z0-9_-]+$"
    )
    assert messages[1].startswith("MCP client for `broken` failed to start: ")
    assert "test server: refusing to start" in messages[1]
    assert messages[2] == (
        "MCP client for `missing` failed to start: cannot run `/nonexistent/program`: "
        "No such file or directory (os error 2)"
    )
    assert messages[3] == (
        "MCP client for `slow` failed to start: timed out after 0.5 seconds. Add or adjust "
        "`startup_timeout_sec` in your config.toml:\n[mcp_servers.slow]\nstartup_timeout_sec = XX"
    )
    # then, as 0.107.0, how the start-up went as a whole
    complete = client.wait_event("mcp_startup_complete", cid, start=mark)
    assert complete["params"]["id"] == ""
    summary = complete["params"]["msg"]
    assert summary["ready"] == ["good"] and summary["cancelled"] == []
    assert [(f["server"], f["error"]) for f in summary["failed"]] == [
        (name, message)
        for name, message in zip(["bad name", "broken", "missing", "slow"], messages, strict=True)
    ]
    run_turn(client, cid, workdir)
    assert [n for n in tools_offered(mock_model) if n.startswith("mcp__")] == ["mcp__good__echo"]
    assert mock_model.model_requests[-1].tool_outputs() == {
        "c": "resources/list failed: unknown MCP server 'broken'"
    }


def test_required_servers_that_fail_make_new_conversation_fail(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, workdir: Path
) -> None:
    extra = (
        stdio_table("good")
        + stdio_table("needed", "--fail-start", required=True)
        + server_table("missing", command="/nonexistent/mcp-server", required=True)
    )
    write_mock_config(codex_home, mock_model, extra=extra)
    client = spawn()
    error = client.call_error("newConversation", {"cwd": str(workdir)}, timeout=60)
    # The reference's text (0.107.0), the reasons of each required server that failed.
    assert error == {
        "code": -32603,
        "message": "error creating conversation: Fatal error: Failed to initialize session: "
        "required MCP servers failed to initialize: missing: No such file or directory (os "
        "error 2); needed: handshaking with MCP server failed: connection closed: initialize "
        "response",
    }
    assert not list((codex_home / "sessions").rglob("*.jsonl"))
    assert client.call("listConversations", {}) == {"items": [], "nextCursor": None}


def test_bad_server_tables_are_refused_with_a_clear_message(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, workdir: Path
) -> None:
    extra = '[mcp_servers.both]\ncommand = "x"\nurl = "http://127.0.0.1:9/mcp"\n'
    write_mock_config(codex_home, mock_model, extra=extra)
    client = spawn()
    error = client.call_error("newConversation", {"cwd": str(workdir)})
    assert error["code"] == -32600
    assert (
        "MCP server `both` mixes transports: `url` cannot be used with `command`"
        in (error["message"])
    )


def test_timeouts_filters_environment_and_cwd(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, workdir: Path, tmp_path: Path
) -> None:
    server_cwd = tmp_path / "server-cwd"
    server_cwd.mkdir()
    extra = stdio_table(
        "test",
        enabled_tools=["sleep", "env", "cwd", "echo", "add"],
        disabled_tools=["add"],
        env={"FROM_CONFIG": "configured"},
        env_vars=["PASSED_THROUGH"],
        cwd=str(server_cwd),
    )
    extra += stdio_table("lazy", "--tools", "sleep", tool_timeout_sec=0.5)
    extra += stdio_table("off", enabled=False)
    write_mock_config(codex_home, mock_model, extra=extra)
    names = ["FROM_CONFIG", "PASSED_THROUGH", "NOT_PASSED", "PATH"]
    mock_model.enqueue(function_call("mcp__lazy__sleep", {"seconds": 3}, call_id="slow"))
    mock_model.enqueue(function_call("mcp__test__env", {"names": names}, call_id="env"))
    mock_model.enqueue(function_call("mcp__test__cwd", {}, call_id="cwd"))
    mock_model.enqueue(function_call("mcp__test__add", {"a": 1, "b": 2}, call_id="add"))
    mock_model.enqueue(assistant_message("done"))
    client = spawn(env={"PASSED_THROUGH": "yes", "NOT_PASSED": "no"})
    cid = start_conversation(client, workdir)
    run_turn(client, cid, workdir)

    offered = [n for n in tools_offered(mock_model) if n.startswith("mcp__")]
    assert offered == [
        "mcp__lazy__sleep",
        "mcp__test__cwd",
        "mcp__test__echo",
        "mcp__test__env",
        "mcp__test__sleep",
    ]
    outputs = mock_model.model_requests[-1].tool_outputs()
    assert outputs["slow"] == (
        "tool call error: tool call failed for `lazy/sleep`: "
        "timed out awaiting tools/call after 0.5s"
    )
    env = json.loads(json.loads(outputs["env"])[0]["text"])
    assert env["FROM_CONFIG"] == "configured" and env["PASSED_THROUGH"] == "yes"
    assert env["NOT_PASSED"] is None and env["PATH"] == os.environ["PATH"]
    assert json.loads(outputs["cwd"])[0]["text"] == str(server_cwd)
    assert outputs["add"] == "unsupported call: mcp__test__add"


def test_resource_tools_with_and_without_servers(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, workdir: Path
) -> None:
    extra = stdio_table("zeta", "--name", "zeta-srv") + stdio_table("alpha", "--name", "alpha-srv")
    write_mock_config(codex_home, mock_model, extra=extra)
    calls: list[tuple[str, str, Any]] = [
        ("all", "list_mcp_resources", {}),
        ("one", "list_mcp_resources", {"server": " zeta "}),
        ("templates", "list_mcp_resource_templates", {}),
        ("read", "read_mcp_resource", {"server": "alpha", "uri": "memo://logo"}),
        ("missing", "read_mcp_resource", {"server": "alpha", "uri": "memo://zzz"}),
        ("bad", "read_mcp_resource", {"server": "alpha"}),
        ("cursor", "list_mcp_resources", {"cursor": "x"}),
        ("empty", "list_mcp_resources", ""),
    ]
    for call_id, tool, arguments in calls:
        mock_model.enqueue(function_call(tool, arguments, call_id=call_id))
    mock_model.enqueue(assistant_message("done"))
    client = spawn()
    cid = start_conversation(client, workdir)
    messages = run_turn(client, cid, workdir)
    outputs = mock_model.model_requests[-1].tool_outputs()

    resources = json.loads(outputs["all"])["resources"]
    assert [(r["server"], r["name"]) for r in resources] == [
        ("alpha", "notes"),
        ("alpha", "logo"),
        ("zeta", "notes"),
        ("zeta", "logo"),
    ]
    assert list(resources[0]) == ["server", "description", "mimeType", "name", "title", "uri"]
    one = json.loads(outputs["one"])
    assert list(one) == ["server", "resources"] and one["server"] == "zeta"
    assert [t["server"] for t in json.loads(outputs["templates"])["resourceTemplates"]] == [
        "alpha",
        "zeta",
    ]
    assert outputs["read"] == json.dumps(
        {
            "server": "alpha",
            "uri": "memo://logo",
            "contents": [{"blob": PNG_1X1, "mimeType": "image/png", "uri": "memo://logo"}],
        },
        separators=(",", ":"),
    )
    assert outputs["missing"] == (
        "resources/read failed: resources/read failed for `alpha` (memo://zzz): "
        "resources/read failed: Mcp error: -32602: unknown resource: memo://zzz"
    )
    assert outputs["bad"] == "failed to parse function arguments: missing field `uri`"
    assert outputs["cursor"] == "cursor can only be used when a server is specified"
    assert json.loads(outputs["empty"]) == {"resources": resources}

    invocations = [m["invocation"] for m in event_msgs(messages, "mcp_tool_call_begin")]
    assert invocations[0] == {"server": "codex", "tool": "list_mcp_resources", "arguments": {}}
    assert invocations[1]["server"] == "zeta"
    assert invocations[-1] == {"server": "codex", "tool": "list_mcp_resources", "arguments": None}
    assert len(invocations) == len(calls) - 1  # unparsable arguments: no events


def test_resource_tools_are_not_there_without_any_server(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, workdir: Path
) -> None:
    # As in Codex 0.107.0: neither offered nor answered without an MCP server.
    write_mock_config(codex_home, mock_model)
    mock_model.enqueue(function_call("list_mcp_resources", {}, call_id="a"))
    mock_model.enqueue(function_call("list_mcp_resource_templates", {}, call_id="b"))
    mock_model.enqueue(function_call("read_mcp_resource", {"server": "x", "uri": "y"}, call_id="c"))
    mock_model.enqueue(assistant_message("done"))
    client = spawn()
    cid = start_conversation(client, workdir)
    run_turn(client, cid, workdir)
    assert "list_mcp_resources" not in tools_offered(mock_model)
    assert mock_model.model_requests[-1].tool_outputs() == {
        "a": "unsupported call: list_mcp_resources",
        "b": "unsupported call: list_mcp_resource_templates",
        "c": "unsupported call: read_mcp_resource",
    }


def test_servers_stop_with_their_conversation(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, workdir: Path, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pid"
    script = (
        "import os, sys; open(sys.argv[1], 'w').write(str(os.getpid())); "
        "os.execv(sys.executable, [sys.executable, sys.argv[2]])"
    )
    from tests.mcp_support import SERVER_SCRIPT, server_table

    extra = server_table(
        "test", command=sys.executable, args=["-c", script, str(pid_file), str(SERVER_SCRIPT)]
    )
    write_mock_config(codex_home, mock_model, extra=extra)
    client = spawn()
    result = client.call("newConversation", {"cwd": str(workdir)}, timeout=60)
    pid = int(pid_file.read_text())
    assert _alive(pid)
    # (a conversation is archived once its first turn has made its rollout)
    mock_model.enqueue(assistant_message("ok"))
    client.call("addConversationListener", {"conversationId": result["conversationId"]})
    run_turn(client, result["conversationId"], workdir)
    client.call(
        "archiveConversation",
        {"conversationId": result["conversationId"], "rolloutPath": result["rolloutPath"]},
    )
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def wait_errors(client: DaemonClient, start: int, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 15
    while True:
        found = [m["params"] for m in client.since(start) if m.get("method") == "codex/event/error"]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead: it is only waiting for its parent.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def test_a_resumed_conversation_starts_its_servers(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, workdir: Path
) -> None:
    write_mock_config(codex_home, mock_model, extra=stdio_table("test", "--tools", "echo"))
    mock_model.enqueue(assistant_message("first"))
    first = spawn()
    cid = start_conversation(first, workdir)
    run_turn(first, cid, workdir)
    path = first.call("listConversations", {})["items"][0]["path"]
    first.kill()

    mock_model.enqueue(function_call("mcp__test__echo", {"text": "resumed"}, call_id="r"))
    mock_model.enqueue(assistant_message("done"))
    second = spawn()
    resumed = second.call("resumeConversation", {"path": path}, timeout=60)
    second.call("addConversationListener", {"conversationId": resumed["conversationId"]})
    run_turn(second, resumed["conversationId"], workdir)
    assert mock_model.model_requests[-1].tool_outputs()["r"] == '{"echoed":"resumed"}'


def test_a_turn_interrupted_during_a_call_leaves_the_server_usable(
    spawn: Spawn, mock_model: MockModelServer, codex_home: Path, workdir: Path
) -> None:
    write_mock_config(codex_home, mock_model, extra=stdio_table("test", "--tools", "sleep,echo"))
    mock_model.enqueue(function_call("mcp__test__sleep", {"seconds": 1}, call_id="long"))
    client = spawn()
    cid = start_conversation(client, workdir)
    mark = client.mark()
    client.call(
        "sendUserMessage",
        {"conversationId": cid, "items": [{"type": "text", "data": {"text": "wait"}}]},
    )
    client.wait_event("mcp_tool_call_begin", cid, start=mark)
    started = time.monotonic()
    assert client.call("interruptConversation", {"conversationId": cid}) == {
        "abortReason": "interrupted"
    }
    assert time.monotonic() - started < 0.9
    mock_model.enqueue(function_call("mcp__test__echo", {"text": "later"}, call_id="later"))
    mock_model.enqueue(assistant_message("done"))
    run_turn(client, cid, workdir)
    outputs = mock_model.model_requests[-1].tool_outputs()
    assert outputs["long"] == "aborted" and outputs["later"] == '{"echoed":"later"}'
