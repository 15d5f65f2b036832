"""One command the model asked the shell tool to run: approval, sandbox,
events, and the answer the model reads.

The steps and their events follow the reference:

1. The approval rules (`safety.exec_decision`) may refuse the call outright
   (escalated permissions asked for under a policy that does not allow it):
   the model is told why and no event is sent.
2. ``exec_command_begin``, then, when the rules say so, the user is asked
   (``execCommandApproval``). ``denied`` ends the call (the model reads
   ``exec command rejected by user``); ``abort`` also ends the turn;
   ``approved_for_session`` spares the same command (in the same folder;
   see `safety.approval_key`) any later question in the conversation.
3. The command runs, inside the sandbox unless the policy has none or the
   user approved escalated permissions, with ``exec_command_output_delta``
   events as it prints.
4. When the sandbox seems to have stopped it, the policy decides: report it
   to the model (``failed in sandbox...``), ask the user whether to run it
   again without the sandbox, or do so at once when the user already
   approved it.
5. ``exec_command_end``. A command that did not run (refused, not startable,
   killed by a signal) ends with exit code -1, no duration, and the reason
   as its stderr; the model reads the same text.

Nothing runs without the approval the policy requires, and a sandboxed
policy never runs a command unconfined without the user's consent: when the
sandbox cannot be set up, the command fails with the reason.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from app_server_protocol.common import SandboxPolicy, SandboxPolicyDangerFullAccess
from app_server_protocol.events import (
    ExecCommandBeginEvent,
    ExecCommandEndEvent,
    ExecCommandOutputDeltaEvent,
)
from app_server_protocol.exec_types import Duration, ExecCommandStatus, ExecOutputStream

from ...tools.exec_output import (
    EXEC_REJECTED,
    format_exec_output_str,
    freeform_exec_output,
    killed_by_signal,
    start_failed,
    structured_exec_output,
)
from ...tools.parse_command import parse_command
from ...tools.process import ProcessResult
from ...tools.run import run_command
from ...tools.safety import (
    RETRY_WITHOUT_SANDBOX_REASON,
    Verdict,
    approval_key,
    exec_decision,
    is_likely_sandbox_denial,
    runs_sandboxed,
    sandbox_denial_message,
)
from ...tools.sandbox import SandboxUnavailable
from ..approvals import ApprovalFlow
from ..host import CommandApproval
from .base import ToolResult

if TYPE_CHECKING:
    from ..scope import TurnScope

#: How long a command may run when the model does not say (the reference's default).
DEFAULT_TIMEOUT_MS: Final = 10_000
#: What the model is told about an empty command.
EMPTY_COMMAND: Final = "command args are empty"

_UNCONFINED: Final = SandboxPolicyDangerFullAccess()


@dataclass(frozen=True)
class ExecRequest:
    call_id: str
    command: list[str]
    cwd: str
    """Absolute: the turn's folder, or the call's ``workdir`` resolved against it."""
    timeout_ms: int | None = None
    escalated: bool = False
    """The model asked to run the command outside the sandbox."""
    justification: str | None = None
    freeform: bool = False
    """Answer the model in text (``shell_command``), not JSON (``shell``)."""


class _Failed(Exception):
    """The command did not run, or did not finish; the message says why."""


async def run_exec(scope: TurnScope, request: ExecRequest) -> ToolResult:
    settings = scope.settings
    approval, sandbox = settings.approval_policy, settings.sandbox_policy
    key = approval_key(request.command, request.cwd, escalated=request.escalated)
    # A command approved for the session is not asked about again, not even
    # to run it again outside the sandbox when the sandbox stopped it.
    flow = ApprovalFlow(scope, user_approved=key in scope.approved_commands)
    decision = exec_decision(
        request.command,
        approval,
        sandbox,
        approved_for_session=flow.user_approved,
        with_escalated_permissions=request.escalated,
    )
    if decision.verdict is Verdict.REFUSE:
        return ToolResult(decision.reason or EXEC_REJECTED, success=False)
    if decision.verdict is Verdict.RUN:
        scope.approved_by_config(request.call_id)
    call = _CallEvents(scope, request)
    await scope.emit(
        ExecCommandBeginEvent(
            call_id=request.call_id,
            turn_id=scope.submission_id,
            command=call.command,
            cwd=request.cwd,
            parsed_cmd=call.parsed_cmd,
        )
    )
    if not request.command:
        return await call.failed(EMPTY_COMMAND)
    if decision.verdict is Verdict.ASK:
        refusal = await flow.ask(
            _question(request, request.justification),
            rejected=call.rejected,
            # (what may run outside the sandbox may run inside it too)
            remember=(key, approval_key(request.command, request.cwd, escalated=False)),
        )
        if refusal is not None:
            return refusal
    sandboxed = runs_sandboxed(sandbox, with_escalated_permissions=request.escalated)
    try:
        result = await call.run(request, sandbox if sandboxed else _UNCONFINED)
        if sandboxed and _stopped_by_sandbox(result):
            stopped = result

            async def report() -> ToolResult:
                return await call.failed(sandbox_denial_message(*_texts(stopped)))

            refusal = await flow.after_sandbox_denial(
                _question(request, RETRY_WITHOUT_SANDBOX_REASON),
                report=report,
                rejected=call.rejected,
                remember=(key,),
            )
            if refusal is not None:
                return refusal
            result = await call.run(request, _UNCONFINED)
    except _Failed as failure:
        return await call.failed(str(failure))
    return await call.ended(result)


def _question(request: ExecRequest, reason: str | None) -> CommandApproval:
    return CommandApproval(request.call_id, request.command, request.cwd, reason)


def _texts(result: ProcessResult) -> tuple[str, str, str]:
    return result.stdout.text(), result.stderr.text(), result.aggregated.text()


def _stopped_by_sandbox(result: ProcessResult) -> bool:
    if result.timed_out:
        return False
    return is_likely_sandbox_denial(True, result.exit_code, *_texts(result))


class _CallEvents:
    """The events of one call and the results the model reads."""

    def __init__(self, scope: TurnScope, request: ExecRequest) -> None:
        self.scope = scope
        self.call_id = request.call_id
        self.command = list(request.command)
        self.cwd = request.cwd
        self.parsed_cmd = parse_command(request.command)
        self.freeform = request.freeform

    async def run(self, request: ExecRequest, policy: SandboxPolicy) -> ProcessResult:
        """Run the command once under ``policy``; `_Failed` when it could not
        start or was killed by a signal."""
        timeout_ms = DEFAULT_TIMEOUT_MS if request.timeout_ms is None else request.timeout_ms
        try:
            result = await run_command(
                request.command,
                cwd=Path(request.cwd),
                # The turn's folder: the call's `workdir` must not widen the sandbox.
                sandbox_cwd=Path(self.scope.settings.cwd),
                sandbox_policy=policy,
                timeout=max(timeout_ms, 0) / 1000,
                environment_policy=self.scope.config.toml.shell_environment_policy,
                on_output=self._delta,
            )
        except SandboxUnavailable as error:
            raise _Failed(str(error)) from None
        except OSError as error:
            raise _Failed(start_failed(error)) from None
        if result.signal is not None:
            raise _Failed(killed_by_signal(result.signal))
        return result

    async def _delta(self, stream: ExecOutputStream, chunk: bytes) -> None:
        encoded = base64.b64encode(chunk).decode("ascii")
        await self.scope.emit(
            ExecCommandOutputDeltaEvent(call_id=self.call_id, stream=stream, chunk=encoded)
        )

    async def ended(self, result: ProcessResult) -> ToolResult:
        content = result.model_content()
        policy = self.scope.truncation_policy
        formatted = format_exec_output_str(content, policy)
        await self.scope.emit(
            self._end_event(
                stdout=result.stdout.text(),
                stderr=result.stderr.text(),
                aggregated_output=result.output_text(),
                exit_code=result.exit_code,
                duration=Duration.from_seconds(result.duration),
                formatted_output=formatted,
                status=ExecCommandStatus.COMPLETED
                if result.exit_code == 0
                else ExecCommandStatus.FAILED,
            )
        )
        answer = freeform_exec_output if self.freeform else structured_exec_output
        output = answer(content, result.exit_code, result.duration, policy)
        return ToolResult(output, success=result.exit_code == 0)

    async def failed(
        self, message: str, status: ExecCommandStatus = ExecCommandStatus.FAILED
    ) -> ToolResult:
        await self.scope.emit(
            self._end_event(
                stdout="",
                stderr=message,
                aggregated_output=message,
                exit_code=-1,
                duration=Duration(secs=0, nanos=0),
                formatted_output=message,
                status=status,
            )
        )
        return ToolResult(message, success=False)

    async def rejected(self) -> ToolResult:
        """The user did not approve the command."""
        return await self.failed(EXEC_REJECTED, ExecCommandStatus.DECLINED)

    def _end_event(
        self,
        *,
        stdout: str,
        stderr: str,
        aggregated_output: str,
        exit_code: int,
        duration: Duration,
        formatted_output: str,
        status: ExecCommandStatus,
    ) -> ExecCommandEndEvent:
        return ExecCommandEndEvent(
            call_id=self.call_id,
            turn_id=self.scope.submission_id,
            command=self.command,
            cwd=self.cwd,
            parsed_cmd=self.parsed_cmd,
            stdout=stdout,
            stderr=stderr,
            aggregated_output=aggregated_output,
            exit_code=exit_code,
            duration=duration,
            formatted_output=formatted_output,
            status=status,
        )
