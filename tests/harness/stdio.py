"""Drive the real daemon process over stdio, with timeouts everywhere.

A reader thread collects every line the daemon writes; the test thread sends
requests and waits for responses, notifications, events and server requests.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT = 15.0
#: Where the built-in OpenAI provider points in tests: a closed local port.
OFFLINE_BASE_URL = "http://127.0.0.1:9/v1"

#: A loopback port nothing listens on (connections are refused).
UNREACHABLE_URL = "http://127.0.0.1:9"
#: Every daemon starts with these (a test may override them): no test reaches
#: the real identity provider, and login callback servers take a free port.
OFFLINE_ENV = {
    "CODEX_APP_SERVER_LOGIN_ISSUER": UNREACHABLE_URL,
    "CODEX_REFRESH_TOKEN_URL_OVERRIDE": f"{UNREACHABLE_URL}/oauth/token",
    "CODEX_APP_SERVER_LOGIN_PORT": "0",
    # The machine's /etc/codex (system config.toml, requirements) stays out of tests.
    "CODEX_APP_SERVER_SYSTEM_CONFIG_DIR": "/nonexistent/codex-system-config",
}

Message = dict[str, Any]


class ResponseError(AssertionError):
    """The daemon answered a request with an error."""

    def __init__(self, method: str, error: Message) -> None:
        super().__init__(f"{method} failed: {error}")
        self.error = error


class DaemonTimeout(AssertionError):
    pass


def daemon_environ(codex_home: Path, env: dict[str, str | None] | None = None) -> dict[str, str]:
    """A test daemon's environment: this one without Codex or OpenAI settings,
    offline, with ``CODEX_HOME`` and then ``env`` (None removes a variable)."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CODEX_", "OPENAI_")) and k not in ("RUST_LOG",)
    }
    environ["CODEX_HOME"] = str(codex_home)
    environ["NO_COLOR"] = "1"
    # A turn run without a mock provider fails here at once, never online.
    environ["OPENAI_BASE_URL"] = OFFLINE_BASE_URL
    environ.update(OFFLINE_ENV)
    for key, value in (env or {}).items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    return environ


class DaemonClient:
    """One spawned daemon and the test's end of its stdio."""

    def __init__(
        self,
        codex_home: Path,
        *,
        cwd: Path | None = None,
        env: dict[str, str | None] | None = None,
        args: list[str] | None = None,
        command: list[str] | None = None,
    ) -> None:
        """``command``: another daemon to drive (the reference binary, for
        instance) instead of ``python -m app_server``."""
        environ = daemon_environ(codex_home, env)
        self.codex_home = codex_home
        self.stderr_path = codex_home.parent / f"daemon-{id(self)}.stderr"
        self._stderr = self.stderr_path.open("wb")
        self.proc = subprocess.Popen(
            [*(command or [sys.executable, "-m", "app_server"]), *(args or [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=str(cwd or codex_home.parent),
            env=environ,
        )
        self.messages: list[Message] = []
        self.raw_lines: list[bytes] = []
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._eof = False
        self._reading = threading.Event()
        self._reading.set()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.auto_approve: str | None = None
        """When set, server approval requests are answered with this decision."""

    # -- plumbing -----------------------------------------------------------
    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self._reading.wait()
            line = raw.rstrip(b"\n")
            try:
                message = json.loads(line)
            except ValueError:
                message = {"__unparsable__": line.decode(errors="replace")}
            with self._cond:
                self.raw_lines.append(line)
                self.messages.append(message)
                self._cond.notify_all()
            if self.auto_approve and message.get("method") in (
                "execCommandApproval",
                "applyPatchApproval",
            ):
                self.respond(message["id"], {"decision": self.auto_approve})
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def pause_reading(self) -> None:
        """Stop reading the daemon's stdout (after the line being read, if
        any), as a client that stalls."""
        self._reading.clear()

    def resume_reading(self) -> None:
        self._reading.set()

    def send_raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: Message) -> None:
        self.send_raw(json.dumps(message).encode() + b"\n")

    def wait_for(
        self, predicate: Callable[[Message], bool], timeout: float, what: str, start: int = 0
    ) -> Message:
        deadline = time.monotonic() + timeout
        with self._cond:
            index = start
            while True:
                while index < len(self.messages):
                    message = self.messages[index]
                    index += 1
                    if predicate(message):
                        return message
                if self._eof:
                    raise DaemonTimeout(f"daemon exited while waiting for {what}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DaemonTimeout(f"timed out after {timeout}s waiting for {what}")
                self._cond.wait(left)

    def mark(self) -> int:
        with self._cond:
            return len(self.messages)

    def since(self, mark: int) -> list[Message]:
        with self._cond:
            return list(self.messages[mark:])

    # -- requests -------------------------------------------------------------
    def request(
        self,
        method: str,
        params: Any = None,
        *,
        omit_params: bool = False,
        request_id: Any = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Message:
        """Send a request; return the whole response message."""
        rid = next(self._ids) if request_id is None else request_id
        message: Message = {"id": rid, "method": method}
        if not omit_params:
            message["params"] = params
        start = self.mark()
        self.send(message)
        return self.wait_for(
            lambda m: m.get("id") == rid and ("result" in m or "error" in m) and "method" not in m,
            timeout,
            f"the response to {method}",
            start,
        )

    def call(self, method: str, params: Any = None, **kw: Any) -> Any:
        """Send a request; return its result, or raise `ResponseError`."""
        if params is None and "omit_params" not in kw:
            kw["omit_params"] = True
        response = self.request(method, params, **kw)
        if "error" in response:
            raise ResponseError(method, response["error"])
        return response["result"]

    def call_error(self, method: str, params: Any = None, **kw: Any) -> Message:
        """Send a request that must fail; return its error object."""
        response = self.request(method, params, **kw)
        if "error" not in response:
            raise AssertionError(f"{method} should have failed: {response}")
        error: Message = response["error"]
        return error

    def notify(self, method: str, params: Any = None) -> None:
        message: Message = {"method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def respond(self, request_id: Any, result: Any) -> None:
        self.send({"id": request_id, "result": result})

    def initialize(self, name: str = "tests", version: str = "0.0.0") -> Any:
        result = self.call(
            "initialize", {"clientInfo": {"name": name, "title": None, "version": version}}
        )
        self.notify("initialized")
        return result

    # -- waiting for what the daemon sends -------------------------------------
    def wait_notification(
        self, method: str, timeout: float = DEFAULT_TIMEOUT, start: int = 0
    ) -> Message:
        return self.wait_for(
            lambda m: m.get("method") == method and "id" not in m,
            timeout,
            f"notification {method}",
            start,
        )

    def wait_event(
        self,
        event_type: str,
        conversation_id: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        start: int = 0,
    ) -> Message:
        method = f"codex/event/{event_type}"
        return self.wait_for(
            lambda m: (
                m.get("method") == method
                and "id" not in m
                and (
                    conversation_id is None or m["params"].get("conversationId") == conversation_id
                )
            ),
            timeout,
            f"event {event_type}",
            start,
        )

    def wait_server_request(
        self, method: str, timeout: float = DEFAULT_TIMEOUT, start: int = 0
    ) -> Message:
        return self.wait_for(
            lambda m: m.get("method") == method and "id" in m,
            timeout,
            f"server request {method}",
            start,
        )

    def run_v2_turn_answering(
        self, thread_id: str, decision: str, text: str = "go", timeout: float = 30
    ) -> list[Message]:
        """One v2 turn, every command approval it asks answered with
        ``decision``; the messages it brought."""
        approval = "item/commandExecution/requestApproval"
        mark = self.mark()
        turn = self.call(
            "turn/start",
            {"threadId": thread_id, "input": [{"type": "text", "text": text, "text_elements": []}]},
        )
        turn_id = turn["turn"]["id"]
        answered: set[Any] = set()
        while True:
            message = self.wait_for(
                lambda m: (
                    (m.get("method") == approval and m["id"] not in answered)
                    or (
                        m.get("method") == "turn/completed" and m["params"]["turn"]["id"] == turn_id
                    )
                ),
                timeout,
                "an approval or turn/completed",
                mark,
            )
            if message["method"] == "turn/completed":
                return self.since(mark)
            answered.add(message["id"])
            self.respond(message["id"], {"decision": decision})

    # -- process ----------------------------------------------------------------
    def close_stdin(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()

    def wait_exit(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        return self.proc.wait(timeout)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stderr_text(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._reader.join(5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        self._stderr.close()
