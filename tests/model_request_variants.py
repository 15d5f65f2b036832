"""The models and configurations whose model requests are compared with
Codex 0.107.0's, and how a request is made and kept: captured by
`tools/refresh_model_request_references.py` into
`tests/fixtures/model_requests_0.107.0.json`, and checked by
`tests/test_model_request_tools.py`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.harness.stdio import DaemonClient
from tests.mcp_support import stdio_table

Json = Any

#: Fields whose text is the reference's own (kept out of the fixture).
ELIDED = ("input", "instructions")

MODELS = (
    "mock-model",
    "gpt-5",
    "gpt-5-codex",
    "gpt-5.1",
    "gpt-5.1-codex",
    "gpt-5.1-codex-mini",
    "gpt-5.1-codex-max",
    "gpt-5.2",
    "gpt-5.2-codex",
    "gpt-5.3-codex",
    "gpt-oss-20b",
    "o3",
    "codex-mini-latest",
)
V1_MODELS = ("mock-model", "gpt-5.1-codex")
#: Other configurations: name -> (model, extra config.toml lines, sandbox mode).
VARIANTS: dict[str, tuple[str, str, str]] = {
    "mock-model workspace-write": ("mock-model", "", "workspace-write"),
    "mock-model read-only": ("mock-model", "", "read-only"),
    "mock-model web_search disabled": (
        "mock-model",
        'web_search = "disabled"',
        "danger-full-access",
    ),
    "mock-model web_search cached": ("mock-model", 'web_search = "cached"', "danger-full-access"),
    "mock-model no unified_exec": (
        "mock-model",
        "[features]\nunified_exec = false",
        "danger-full-access",
    ),
    **{
        f"{model} no unified_exec": (
            model,
            "[features]\nunified_exec = false",
            "danger-full-access",
        )
        for model in MODELS
        if model != "mock-model"
    },
    "mock-model mcp server": ("mock-model", stdio_table("test"), "danger-full-access"),
    "gpt-5 include_apply_patch_tool": (
        "gpt-5",
        "include_apply_patch_tool = true",
        "danger-full-access",
    ),
    "gpt-5.1 verbosity high effort low": (
        "gpt-5.1",
        'model_verbosity = "high"\nmodel_reasoning_effort = "low"',
        "danger-full-access",
    ),
}


def initialize(client: DaemonClient) -> DaemonClient:
    """The handshake of a client that asks for the experimental API."""
    client.call(
        "initialize",
        {
            "clientInfo": {"name": "tools", "title": None, "version": "1.0"},
            "capabilities": {"experimentalApi": True},
        },
    )
    client.notify("initialized")
    return client


def run_v2_turn(client: DaemonClient, cwd: Path, model: str | None = None) -> Json:
    """A new thread's one turn, "hello"; its ``turn/completed``."""
    params: Json = {"cwd": str(cwd)}
    if model is not None:
        params["model"] = model
    thread_id = client.call("thread/start", params)["thread"]["id"]
    mark = client.mark()
    text = {"type": "text", "text": "hello", "text_elements": []}
    turn = client.call("turn/start", {"threadId": thread_id, "input": [text]})["turn"]
    return client.wait_for(
        lambda m: m.get("method") == "turn/completed" and m["params"]["turn"]["id"] == turn["id"],
        60,
        "turn/completed",
        mark,
    )


def run_v1_turn(client: DaemonClient, cwd: Path, model: str | None = None) -> None:
    """A new v1 conversation's one turn, "hello"."""
    params: Json = {"cwd": str(cwd)}
    if model is not None:
        params["model"] = model
    cid = client.call("newConversation", params)["conversationId"]
    client.call("addConversationListener", {"conversationId": cid})
    mark = client.mark()
    items = [{"type": "text", "data": {"text": "hello"}}]
    client.call("sendUserMessage", {"conversationId": cid, "items": items})
    client.wait_event("task_complete", cid, timeout=60, start=mark)


def kept_fields(body: Json) -> Json:
    """A model request's body as the fixture keeps it: the reference's own
    texts left out (and named), the thread's id replaced."""
    kept = {key: value for key, value in body.items() if key not in ELIDED}
    kept["elided"] = [key for key in ELIDED if key in body]
    kept["prompt_cache_key"] = "<thread id>" if body.get("prompt_cache_key") else None
    return kept
