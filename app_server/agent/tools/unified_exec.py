"""Unified exec: ``exec_command`` starts a command and waits a while for it;
``write_stdin`` types into a running one and reads what it printed since.

A command that has not ended when the wait is over keeps running as a
session, reused by its ID in later calls (of any turn of the thread); the
output kept between two calls is bounded (128 KiB, `exec_session`). Every
answer reads::

    Chunk ID: 3f9a1c
    Wall time: 0.2503 seconds
    Process exited with code 0            (or: Process running with session ID 4821)
    Original token count: 2
    Output:
    ...

Commands go through the turn's approval policy (`safety.exec_decision`,
`ApprovalFlow`) and sandbox: their writable and readable roots come from the
turn's folder, never from the call's ``workdir``; when the sandbox cannot be
set up nothing runs. Waits are clamped to [`MIN_YIELD_MS`, `MAX_YIELD_MS`].

The events follow Codex 0.107.0: the user is asked *before*
``exec_command_begin``, and a refusal sends no begin or end at all (the model
reads `REJECTED_BY_USER`). Begin and end name the session (``process_id``,
given to every command, even one that ends at once), the turn that started
it and ``source: unified_exec_startup``. A ``write_stdin`` call sends what
the command printed since (``exec_command_output_delta``), then
``terminal_interaction`` with what it typed, then ``exec_command_end`` when
the command has ended; that end carries what the command printed after the
first answer, and the time since it started.
"""

from __future__ import annotations

import base64
import functools
import secrets
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import anyio
import anyio.from_thread
import anyio.lowlevel
from anyio.lowlevel import EventLoopToken
from pydantic import BaseModel, ConfigDict, ValidationError

from app_server_protocol.common import SandboxPolicyDangerFullAccess
from app_server_protocol.events import (
    ExecCommandBeginEvent,
    ExecCommandEndEvent,
    ExecCommandOutputDeltaEvent,
    TerminalInteractionEvent,
)
from app_server_protocol.exec_types import (
    Duration,
    ExecCommandSource,
    ExecCommandStatus,
    ExecOutputStream,
    ParsedCommand,
)

from ...logs import log
from ...tools.environment import command_environment
from ...tools.exec_session import Chunk, ExecSession, StdinClosed
from ...tools.parse_command import parse_command
from ...tools.safety import Verdict, approval_key, exec_decision, runs_sandboxed
from ...tools.sandbox import SandboxUnavailable, confine
from ...tools.shells import shell_for_program, user_shell
from ...tools.truncation import TruncationPolicy, approx_token_count, formatted_truncate_text
from ..approvals import ApprovalFlow
from ..host import CommandApproval
from ..tool_specs import EXEC_COMMAND, WRITE_STDIN
from .base import JsonObject, ToolCall, ToolResult, bad_arguments, describe_arguments_error
from .file_access import Count

if TYPE_CHECKING:
    from ..scope import TurnScope

MIN_YIELD_MS: Final = 250
MAX_YIELD_MS: Final = 30_000
DEFAULT_EXEC_YIELD_MS: Final = 10_000
DEFAULT_WRITE_YIELD_MS: Final = 250
DEFAULT_MAX_OUTPUT_TOKENS: Final = 10_000
#: Sessions kept at most; starting one more ends the oldest.
MAX_SESSIONS: Final = 64
#: What the model reads when the user does not approve a command (0.107.0's
#: words, a Rust debug print of its error).
REJECTED_BY_USER: Final = (
    'exec_command failed: CreateProcess { message: "Rejected(\\"rejected by user\\")" }'
)
#: What the model reads when the policy refuses a command without a reason.
REFUSED: Final = "exec command rejected by user"
#: The output an end event carries at most (the latest is kept).
MAX_REPORTED_BYTES: Final = 1024 * 1024


class ExecCommandArguments(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    cmd: str
    workdir: str | None = None
    shell: str | None = None
    login: bool = True
    tty: bool = False
    yield_time_ms: Count | None = None
    max_output_tokens: Count | None = None
    sandbox_permissions: Literal["use_default", "require_escalated"] = "use_default"
    justification: str | None = None


class WriteStdinArguments(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    session_id: Count
    chars: str = ""
    yield_time_ms: Count | None = None
    max_output_tokens: Count | None = None


@dataclass
class RunningCommand:
    """A command started by ``exec_command``, as its events name it."""

    call_id: str
    process_id: str
    turn_id: str
    command: list[str]
    cwd: str
    parsed_cmd: list[ParsedCommand]
    session: ExecSession | None = None
    output: bytearray = field(default_factory=bytearray)
    """What its end reports (the latest `MAX_REPORTED_BYTES`): all it
    printed when it ended before its first answer, else what it printed
    after that answer (0.107.0 leaves out what the model read first)."""

    def printed(self, data: bytes) -> None:
        self.output += data
        excess = len(self.output) - MAX_REPORTED_BYTES
        if excess > 0:
            del self.output[:excess]

    def end_event(
        self,
        *,
        stdout: str,
        stderr: str,
        exit_code: int,
        duration: Duration,
        status: ExecCommandStatus,
    ) -> ExecCommandEndEvent:
        return ExecCommandEndEvent(
            call_id=self.call_id,
            process_id=self.process_id,
            turn_id=self.turn_id,
            command=self.command,
            cwd=self.cwd,
            parsed_cmd=self.parsed_cmd,
            source=ExecCommandSource.UNIFIED_EXEC_STARTUP,
            stdout=stdout,
            stderr=stderr,
            aggregated_output=stdout + stderr,
            exit_code=exit_code,
            duration=duration,
            formatted_output=stdout + stderr,
            status=status,
        )


class UnifiedExecSessions:
    """The running sessions of a thread, by ID."""

    def __init__(self) -> None:
        self._sessions: dict[int, RunningCommand] = {}

    def new_id(self) -> int:
        """An ID no running session has (every command gets one, even one
        that ends before its first answer)."""
        while True:
            session_id = 1000 + secrets.randbelow(99_000)
            if session_id not in self._sessions:
                return session_id

    def add(self, session_id: int, running: RunningCommand) -> None:
        while len(self._sessions) >= MAX_SESSIONS:
            oldest = next(iter(self._sessions))
            dropped = self._sessions.pop(oldest).session
            if dropped is not None:
                dropped.kill()
        self._sessions[session_id] = running

    def get(self, session_id: int) -> RunningCommand | None:
        return self._sessions.get(session_id)

    def remove(self, session_id: int) -> None:
        self._sessions.pop(session_id, None)

    def kill_all(self) -> None:
        for running in self._sessions.values():
            if running.session is not None:
                running.session.kill()
        self._sessions.clear()


def _clamp_yield(value: int | None, default: int) -> float:
    chosen = default if value is None else value
    return min(max(chosen, MIN_YIELD_MS), MAX_YIELD_MS) / 1000


def _answer(chunk: Chunk, wall: float, session_id: int | None, max_tokens: int | None) -> str:
    text = chunk.output.decode("utf-8", errors="replace")
    if chunk.dropped:
        text = f"[{chunk.dropped} earlier bytes dropped]\n{text}"
    budget = TruncationPolicy(
        "tokens", DEFAULT_MAX_OUTPUT_TOKENS if max_tokens is None else max_tokens
    )
    shown, tokens = formatted_truncate_text(text, budget), approx_token_count(text)
    status = (
        f"Process exited with code {chunk.exit_code}"
        if chunk.exit_code is not None
        else f"Process running with session ID {session_id}"
    )
    return (
        f"Chunk ID: {secrets.token_hex(3)}\n"
        f"Wall time: {wall:.4f} seconds\n"
        f"{status}\n"
        f"Original token count: {tokens}\n"
        f"Output:\n{shown}"
    )


async def _ended(scope: TurnScope, running: RunningCommand, exit_code: int, wall: float) -> None:
    text = running.output.decode("utf-8", errors="replace")
    await scope.emit(
        running.end_event(
            stdout=text,
            stderr="",
            exit_code=exit_code,
            duration=Duration.from_seconds(wall),
            status=ExecCommandStatus.COMPLETED if exit_code == 0 else ExecCommandStatus.FAILED,
        )
    )


class ExecCommandTool:
    name = "exec_command"

    def __init__(self, sessions: UnifiedExecSessions) -> None:
        self.sessions = sessions

    def spec(self, scope: TurnScope) -> JsonObject:
        return EXEC_COMMAND

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        try:
            args = ExecCommandArguments.model_validate_json(call.arguments or "null")
        except ValidationError as exc:
            return bad_arguments(describe_arguments_error(exc))
        settings = scope.settings
        turn_cwd = Path(settings.cwd)
        cwd = turn_cwd / args.workdir if args.workdir else turn_cwd
        shell = shell_for_program(args.shell) if args.shell else user_shell()
        argv = shell.script_argv(args.cmd, login=args.login)
        escalated = args.sandbox_permissions == "require_escalated"
        key = approval_key(argv, str(cwd), escalated=escalated)
        flow = ApprovalFlow(scope, user_approved=key in scope.approved_commands)
        decision = exec_decision(
            argv,
            settings.approval_policy,
            settings.sandbox_policy,
            approved_for_session=flow.user_approved,
            with_escalated_permissions=escalated,
        )
        if decision.verdict is Verdict.REFUSE:
            return ToolResult(decision.reason or REFUSED, success=False)
        if decision.verdict is Verdict.RUN:
            scope.approved_by_config(call.call_id)
        else:

            async def rejected() -> ToolResult:
                return ToolResult(REJECTED_BY_USER, success=False)

            question = CommandApproval(call.call_id, argv, str(cwd), args.justification)
            # (what may run outside the sandbox may run inside it too)
            remember = (key, approval_key(argv, str(cwd), escalated=False))
            refusal = await flow.ask(question, rejected=rejected, remember=remember)
            if refusal is not None:
                return refusal
        session_id = self.sessions.new_id()
        running = RunningCommand(
            call_id=call.call_id,
            process_id=str(session_id),
            turn_id=scope.submission_id,
            command=argv,
            cwd=str(cwd),
            parsed_cmd=parse_command(argv),
        )
        await scope.emit(
            ExecCommandBeginEvent(
                call_id=call.call_id,
                process_id=running.process_id,
                turn_id=running.turn_id,
                command=argv,
                cwd=running.cwd,
                parsed_cmd=running.parsed_cmd,
                source=ExecCommandSource.UNIFIED_EXEC_STARTUP,
            )
        )
        policy = settings.sandbox_policy
        if not runs_sandboxed(policy, with_escalated_permissions=escalated):
            policy = SandboxPolicyDangerFullAccess()
        env = command_environment(
            scope.config.toml.shell_environment_policy,
            network_disabled=not policy.has_network,
        )
        try:
            confinement = await anyio.to_thread.run_sync(
                functools.partial(confine, argv, policy, cwd, sandbox_cwd=turn_cwd)
            )
        except SandboxUnavailable as error:
            return await _failed(scope, running, f"exec_command failed: {error}")
        try:
            session = await anyio.to_thread.run_sync(
                functools.partial(
                    ExecSession,
                    confinement.argv,
                    cwd=cwd,
                    env=env,
                    tty=args.tty,
                    pass_fds=confinement.pass_fds,
                )
            )
        except OSError as error:
            return await _failed(scope, running, f"exec_command failed: {error}")
        finally:
            confinement.close()
        running.session = session
        wait = _clamp_yield(args.yield_time_ms, DEFAULT_EXEC_YIELD_MS)
        # From here on a running command's output and end are sent as they
        # come, in or between turns; its end reports what it printed after this.
        streamer = _Streamer(scope, running, anyio.lowlevel.current_token())
        chunk = await anyio.to_thread.run_sync(
            functools.partial(session.read, wait, then_watch=streamer)
        )
        wall = time.monotonic() - session.started
        if chunk.exit_code is None:
            self.sessions.add(session_id, running)
            answer = _answer(chunk, wall, session_id, args.max_output_tokens)
        else:
            running.printed(chunk.output)
            await _ended(scope, running, chunk.exit_code, wall)
            answer = _answer(chunk, wall, None, args.max_output_tokens)
        return ToolResult(answer, success=True)


class _Streamer:
    """Sends what a running session prints (``exec_command_output_delta``)
    and its end, from the session's thread, in the order they happen."""

    def __init__(self, scope: TurnScope, running: RunningCommand, token: EventLoopToken) -> None:
        self.scope = scope
        self.running = running
        self.token = token

    def printed(self, data: bytes) -> None:
        self.running.printed(data)
        delta = ExecCommandOutputDeltaEvent(
            call_id=self.running.call_id,
            stream=ExecOutputStream.STDOUT,
            chunk=base64.b64encode(data).decode("ascii"),
        )
        self._send(functools.partial(self.scope.emit, delta))

    def exited(self, exit_code: int) -> None:
        session = self.running.session
        wall = 0.0 if session is None else time.monotonic() - session.started
        self._send(functools.partial(_ended, self.scope, self.running, exit_code, wall))

    def _send(self, emit: Callable[[], Coroutine[Any, Any, None]]) -> None:
        try:
            anyio.from_thread.run(emit, token=self.token)
        except Exception as error:  # the daemon is closing, or the client has gone
            log.debug("unified exec event not sent: %s", error)


async def _failed(scope: TurnScope, running: RunningCommand, message: str) -> ToolResult:
    """The command could not start: its end says why, as the model reads it."""
    await scope.emit(
        running.end_event(
            stdout="",
            stderr=message,
            exit_code=-1,
            duration=Duration(secs=0, nanos=0),
            status=ExecCommandStatus.FAILED,
        )
    )
    return ToolResult(message, success=False)


class WriteStdinTool:
    name = "write_stdin"

    def __init__(self, sessions: UnifiedExecSessions) -> None:
        self.sessions = sessions

    def spec(self, scope: TurnScope) -> JsonObject:
        return WRITE_STDIN

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        try:
            args = WriteStdinArguments.model_validate_json(call.arguments or "null")
        except ValidationError as exc:
            return bad_arguments(describe_arguments_error(exc))
        started = time.monotonic()
        found = self.sessions.get(args.session_id)
        if found is None:
            return ToolResult(
                f"write_stdin failed: Unknown process id {args.session_id}", success=False
            )
        session = found.session
        assert session is not None  # (only started commands are kept)
        if args.chars:
            try:
                await anyio.to_thread.run_sync(session.write, args.chars.encode("utf-8"))
            except StdinClosed:
                return ToolResult(
                    "write_stdin failed: stdin is closed for this session; rerun exec_command "
                    "with tty=true to keep stdin open",
                    success=False,
                )
            except OSError:
                pass  # it has just ended: the read below says so
        wait = _clamp_yield(args.yield_time_ms, DEFAULT_WRITE_YIELD_MS)
        chunk = await anyio.to_thread.run_sync(session.read, wait)
        wall = time.monotonic() - started
        # (its output and end were sent by its `_Streamer` as they came)
        await scope.emit(
            TerminalInteractionEvent(
                call_id=found.call_id, process_id=found.process_id, stdin=args.chars
            )
        )
        if chunk.exit_code is not None:
            self.sessions.remove(args.session_id)
        answer = _answer(chunk, wall, args.session_id, args.max_output_tokens)
        return ToolResult(answer, success=True)
