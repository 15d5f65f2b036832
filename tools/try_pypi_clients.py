#!/usr/bin/env python3
"""Run the Codex app-server clients published on PyPI against this daemon.

Each client spawns the daemon with its own command line (its binary path
pointed at ``codex-app-server``) and runs its core flow: initialize,
thread/start, turn/start, a command the user is asked to approve (accepted
through the client's own approval API), the agent's streamed answer, and
turn/completed. The model is the local mock of the tests (``tests/
mock_model_server.py``); nothing reaches the network but the package index.

The clients are installed into a venv of their own (``--venv``, created on the
first run; they are not dependencies of this project)::

    .venv/bin/python tools/try_pypi_clients.py
    .venv/bin/python tools/try_pypi_clients.py --only openai-codex

Prints one line per client (``OK`` or ``FAIL`` with what went wrong) and
exits non-zero when one failed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VENV = Path(tempfile.gettempdir()) / "codex-app-server-pypi-clients"
DEFAULT_BIN = Path(sys.executable).parent / "codex-app-server"

#: name on PyPI -> pip arguments (two need Python 3.12 by their metadata but
#: run on 3.11; they are installed without that check, with their dependencies)
CLIENTS: dict[str, list[str]] = {
    "openai-codex": ["openai-codex"],
    "codex-app-server-client": ["codex-app-server-client"],
    "codex-sdk-python": ["codex-sdk-python"],
    "codex-app-server-sdk": ["--ignore-requires-python", "codex-app-server-sdk", "websockets<17"],
    "codex-agent-sdk": ["--ignore-requires-python", "codex-agent-sdk", "anyio"],
}


@dataclass
class Run:
    """One client's run: its mock model, CODEX_HOME and work folder."""

    bin: str
    escalate: bool
    mock: Any = None
    env: dict[str, str] = field(default_factory=dict)
    work: Path = Path()
    approvals: list[str] = field(default_factory=list)

    def __enter__(self) -> Run:
        sys.path.insert(0, str(ROOT))
        from tests.mock_model_server import (
            MockModelServer,
            function_call,
            streamed_message,
            write_mock_config,
        )

        self.mock = MockModelServer().start()
        home = Path(tempfile.mkdtemp(prefix="client-home-"))
        self.work = Path(tempfile.mkdtemp(prefix="client-work-"))
        write_mock_config(
            home, self.mock, approval_policy="untrusted", sandbox_mode="workspace-write"
        )
        arguments: dict[str, Any] = {
            "command": ["touch", str(self.work / "approved.txt")],
            "workdir": str(self.work),
        }
        if self.escalate:  # the client sets approvalPolicy on-request: the model asks
            arguments["sandbox_permissions"] = "require_escalated"
            arguments["justification"] = "the client test asks for it"
        self.mock.enqueue(function_call("shell", arguments))
        self.mock.enqueue(streamed_message(["All ", "done"]))
        self.env = dict(os.environ, CODEX_HOME=str(home))
        return self

    def __exit__(self, *exc: object) -> None:
        self.mock.stop()

    def verdict(self, text: object) -> str | None:
        """What went wrong, or None."""
        if not self.approvals:
            return "no approval request reached the client"
        if not (self.work / "approved.txt").exists():
            return "the approved command did not run"
        if "All done" not in str(text):
            return f"the agent's answer was {text!r}"
        return None


def openai_codex(run: Run) -> str:
    from openai_codex import Codex
    from openai_codex.client import CodexConfig

    with Codex(CodexConfig(codex_bin=run.bin, env=run.env, cwd=str(run.work))) as codex:
        client = codex._client  # the SDK accepts approvals itself; count them
        accept = client._approval_handler

        def counting(method: str, params: Any) -> Any:
            run.approvals.append(method)
            return accept(method, params)

        client._approval_handler = counting
        result = codex.thread_start(cwd=str(run.work)).run("make the file")
    return str(result.final_response)


async def codex_app_server_client(run: Run) -> str:
    from codex_app_server_client import CodexAppServer
    from codex_app_server_client.types.threads import ThreadStartParams

    async def accept(method: str, params: Any) -> dict[str, str]:
        run.approvals.append(method)
        return {"decision": "accept"}

    async with CodexAppServer(codex_bin=run.bin, env=run.env) as codex:
        codex.low_level.on_server_request("item/commandExecution/requestApproval", accept)
        thread = await codex.start_thread(ThreadStartParams(cwd=str(run.work)))
        result = await thread.run("make the file")
    return str(result.final_response)


async def codex_app_server_sdk(run: Run) -> str:
    from codex_app_server_sdk import CodexClient

    async def accept(request: Any) -> str:
        run.approvals.append(type(request).__name__)
        return "accept"

    command = [run.bin, "app-server"]
    async with CodexClient.connect_stdio(command=command, env=run.env, cwd=str(run.work)) as c:
        c.set_approval_handler(accept)
        result = await c.chat_once("make the file")
    return str(result.final_text)


async def codex_app_server_sdk_websocket(run: Run) -> str:
    """The same client over a WebSocket: the daemon started with ``--listen``."""
    from codex_app_server_sdk import CodexClient

    async def accept(request: Any) -> str:
        run.approvals.append(type(request).__name__)
        return "accept"

    daemon = await asyncio.create_subprocess_exec(
        run.bin,
        "app-server",
        "--listen",
        "ws://127.0.0.1:0",
        env=run.env,
        cwd=str(run.work),
        stdin=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        url = await _listening_url(daemon)
        async with CodexClient.connect_websocket(url=url) as client:
            client.set_approval_handler(accept)
            result = await client.chat_once("make the file")
        return str(result.final_text)
    finally:
        daemon.terminate()
        await daemon.wait()


async def _listening_url(daemon: asyncio.subprocess.Process) -> str:
    """The address in the daemon's start-up banner (``listening on: ws://...``)."""
    assert daemon.stderr is not None
    while line := (await daemon.stderr.readline()).decode():
        if "listening on:" in line:
            return line.split("listening on:", 1)[1].strip()
    raise RuntimeError("the daemon ended without listening")


async def codex_sdk_python(run: Run) -> str:
    from codex_sdk.app_server import ApprovalDecisions, AppServerClient, AppServerOptions

    options = AppServerOptions(codex_path_override=run.bin, env=run.env)
    text = ""
    async with AppServerClient(options) as client:
        started = await client.thread_start(cwd=str(run.work))
        session = await client.turn_session(
            started["thread"]["id"],
            [{"type": "text", "text": "make the file"}],
            approvals=ApprovalDecisions(command_execution="accept"),
        )
        async for note in session.notifications():
            params = note.params or {}
            if note.method == "serverRequest/resolved":  # answered by the SDK
                run.approvals.append(note.method)
            item = params.get("item") or {}
            if note.method == "item/completed" and item.get("type") == "agentMessage":
                text = item["text"]
        await session.wait()
    return text


async def codex_agent_sdk(run: Run) -> str:
    from codex_agent_sdk import Agent

    os.environ["CODEX_HOME"] = run.env["CODEX_HOME"]  # it passes its own environment on
    agent = Agent(model="mock-model", codex_path=run.bin, cwd=str(run.work))

    @agent.on_command_approval
    async def accept(request: Any) -> str:
        run.approvals.append(type(request).__name__)
        return "accept"

    return str(await agent.run("make the file").text())


DRIVERS: dict[str, Callable[[Run], str | Awaitable[str]]] = {
    "openai-codex": openai_codex,
    "codex-app-server-client": codex_app_server_client,
    "codex-app-server-sdk": codex_app_server_sdk,
    "codex-app-server-sdk-websocket": codex_app_server_sdk_websocket,
    "codex-sdk-python": codex_sdk_python,
    "codex-agent-sdk": codex_agent_sdk,
}


def drive(name: str, bin: str) -> str | None:
    with Run(bin, escalate=name == "openai-codex") as run:
        outcome = DRIVERS[name](run)
        if asyncio.iscoroutine(outcome):
            outcome = asyncio.run(asyncio.wait_for(outcome, 60))
        return run.verdict(outcome)


def install(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        for args in CLIENTS.values():
            subprocess.run([str(python), "-m", "pip", "install", "-q", *args], check=True)
    return python


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--bin", default=str(DEFAULT_BIN), help="the daemon's executable")
    parser.add_argument("--only", action="append", choices=sorted(DRIVERS))
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = args.only or list(DRIVERS)
    if not args.inside:
        python = install(args.venv)
        only = [f"--only={name}" for name in names]
        command = [str(python), __file__, "--inside", f"--bin={args.bin}", *only]
        return subprocess.run(command).returncode
    failed = 0
    for name in names:
        try:
            problem = drive(name, args.bin)
        except Exception:
            problem = "raised:\n" + traceback.format_exc(limit=4)
        failed += problem is not None
        print(f"{name}: {'OK' if problem is None else 'FAIL: ' + problem}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
