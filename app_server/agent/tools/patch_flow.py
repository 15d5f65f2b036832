"""One patch the model asked to apply (with the `apply_patch` tool, or through
the shell tool): approval, events, and the answer the model reads.

As with the reference:

1. A patch that does not parse, or does not apply to the files as they are,
   changes nothing; the model reads ``apply_patch verification failed: ...``
   and no event is sent.
2. The approval rules (`safety.patch_decision`) apply it at once, refuse it
   (``patch rejected: ...``), or ask the user: ``patch_apply_begin`` (not
   ``auto_approved``) comes first, then ``applyPatchApproval``; ``denied``
   and ``abort`` end it (``patch_apply_end``, declined) with ``patch
   rejected by user``, ``abort`` also ends the turn.
3. ``patch_apply_begin`` (``auto_approved`` when nobody was asked), the
   output as ``exec_command_output_delta``, ``patch_apply_end``, then
   ``turn_diff`` with everything the turn's patches changed so far.
4. Without the user's approval a patch may only write where the sandbox
   policy allows; under ``on-failure`` a patch writing elsewhere makes the
   daemon ask (``execCommandApproval`` for ``["apply_patch"]``, "command
   failed; retry without sandbox?") before writing it anyway.

Unlike the reference, a patch is written all or nothing: one that fails
half-way (a file that cannot be written) leaves every file as it was.
"""

from __future__ import annotations

import base64
import copy
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

import anyio.to_thread

from app_server_protocol.events import (
    ExecCommandOutputDeltaEvent,
    PatchApplyBeginEvent,
    PatchApplyEndEvent,
)
from app_server_protocol.exec_types import ExecOutputStream, FileChange, PatchApplyStatus

from ...tools.apply_patch import (
    VERIFICATION_FAILED,
    PatchApplyError,
    PatchParseError,
    PatchPlan,
    PatchWriteError,
    TurnDiffTracker,
    apply_plan,
    plan_patch,
)
from ...tools.exec_output import (
    EXEC_REJECTED,
    PATCH_REJECTED,
    patch_refused,
    structured_exec_output,
)
from ...tools.safety import (
    RETRY_WITHOUT_SANDBOX_REASON,
    Verdict,
    patch_decision,
    sandbox_denial_message,
)
from ...tools.sandbox import write_roots
from ..approvals import ApprovalFlow
from ..host import CommandApproval, PatchApproval
from .base import ToolResult

if TYPE_CHECKING:
    from ..scope import TurnScope

#: The command shown when asking to write a patch outside the sandbox.
RETRY_COMMAND: Final = ("apply_patch",)


class _Verification(Exception):
    """The patch does not parse or apply; the message is what the model reads."""


async def apply_patch_call(scope: TurnScope, call_id: str, patch: str, cwd: str) -> ToolResult:
    """Apply ``patch`` (paths relative to ``cwd``) for the call ``call_id``."""
    settings = scope.settings
    approval, sandbox = settings.approval_policy, settings.sandbox_policy
    turn_cwd = Path(settings.cwd)
    try:
        plan = await _plan(patch, cwd)
    except _Verification as error:
        return ToolResult(str(error), success=False)
    decision = patch_decision(plan.touched_paths(), approval, sandbox, turn_cwd)
    if decision.verdict is Verdict.REFUSE:
        return ToolResult(patch_refused(decision.reason or ""), success=False)
    if decision.verdict is Verdict.RUN:
        scope.approved_by_config(call_id)
    flow = ApprovalFlow(scope)
    call = _PatchEvents(scope, call_id)
    if decision.verdict is Verdict.ASK:
        # As 0.107: the patch is announced (not auto-approved), then asked about.
        await call.begin(plan, auto_approved=False)

        async def declined() -> ToolResult:
            return await call.refused(PATCH_REJECTED, PatchApplyStatus.DECLINED)

        refusal = await flow.ask(PatchApproval(call_id, plan.changes), rejected=declined)
        if refusal is not None:
            return refusal
        try:
            # The files may have changed while the user was deciding.
            plan = await _plan(patch, cwd)
        except _Verification as error:
            return await call.failed(f"{error}\n")
    else:
        await call.begin(plan, auto_approved=True)
    roots = None if flow.user_approved else write_roots(sandbox, turn_cwd)
    try:
        await anyio.to_thread.run_sync(_write, plan, roots)
    except PatchWriteError as error:
        if not (error.sandbox_denied and roots is not None):
            return await call.failed(f"{error}\n")
        denial = str(error)

        async def report() -> ToolResult:
            return await call.refused(sandbox_denial_message(denial))

        async def rejected() -> ToolResult:
            return await call.refused(EXEC_REJECTED, PatchApplyStatus.DECLINED)

        async def show_error() -> None:
            await call.delta(ExecOutputStream.STDERR, f"{denial}\n")

        refusal = await flow.after_sandbox_denial(
            CommandApproval(call_id, RETRY_COMMAND, settings.cwd, RETRY_WITHOUT_SANDBOX_REASON),
            report=report,
            rejected=rejected,
            before_asking=show_error,
        )
        if refusal is not None:
            return refusal
        try:
            plan = await _plan(patch, cwd)
            await anyio.to_thread.run_sync(_write, plan, None)
        except _Verification as retry_error:
            return await call.failed(f"{retry_error}\n")
        except PatchWriteError as retry_error:
            return await call.failed(f"{retry_error}\n")
    return await call.succeeded(plan)


async def _plan(patch: str, cwd: str) -> PatchPlan:
    try:
        return await anyio.to_thread.run_sync(plan_patch, patch, cwd)
    except (PatchParseError, PatchApplyError) as error:
        raise _Verification(f"{VERIFICATION_FAILED}{error}") from None


def _write(plan: PatchPlan, roots: list[Path] | None) -> None:
    apply_plan(plan, writable_roots=roots)


class _PatchEvents:
    """The events of one patch and the results the model reads."""

    def __init__(self, scope: TurnScope, call_id: str) -> None:
        self.scope = scope
        self.call_id = call_id
        self.started = time.monotonic()
        self._tracked_before: TurnDiffTracker | None = None
        self._changes: dict[str, FileChange] = {}

    async def begin(self, plan: PatchPlan, *, auto_approved: bool) -> None:
        scope = self.scope
        if scope.turn_diff is None:
            scope.turn_diff = TurnDiffTracker()
        # The tracker follows moves as if the patch succeeded; a patch that
        # fails changes nothing, so the tracker goes back to this copy.
        self._tracked_before = copy.deepcopy(scope.turn_diff)
        await anyio.to_thread.run_sync(scope.turn_diff.on_patch_begin, plan.changes)
        self.started = time.monotonic()
        self._changes = dict(plan.changes)
        await scope.emit(
            PatchApplyBeginEvent(
                call_id=self.call_id,
                turn_id=scope.submission_id,
                auto_approved=auto_approved,
                changes=plan.changes,
            )
        )

    async def delta(self, stream: ExecOutputStream, text: str) -> None:
        chunk = base64.b64encode(text.encode("utf-8")).decode("ascii")
        await self.scope.emit(
            ExecCommandOutputDeltaEvent(call_id=self.call_id, stream=stream, chunk=chunk)
        )

    async def succeeded(self, plan: PatchPlan) -> ToolResult:
        summary = plan.summary()
        await self.delta(ExecOutputStream.STDOUT, summary)
        await self._end(stdout=summary, stderr="", status=PatchApplyStatus.COMPLETED)
        return ToolResult(self._model_output(summary, 0), success=True)

    async def failed(self, stderr: str) -> ToolResult:
        """The patch could not be written (nothing was)."""
        self.scope.turn_diff = self._tracked_before
        await self.delta(ExecOutputStream.STDERR, stderr)
        await self._end(stdout="", stderr=stderr, status=PatchApplyStatus.FAILED)
        return ToolResult(self._model_output(stderr, 1), success=False)

    async def refused(
        self, message: str, status: PatchApplyStatus = PatchApplyStatus.FAILED
    ) -> ToolResult:
        """The patch was not written, by the sandbox (failed) or the user (declined)."""
        self.scope.turn_diff = self._tracked_before
        await self._end(stdout="", stderr=message, status=status)
        return ToolResult(message, success=False)

    async def _end(self, *, stdout: str, stderr: str, status: PatchApplyStatus) -> None:
        await self.scope.emit(
            PatchApplyEndEvent(
                call_id=self.call_id,
                turn_id=self.scope.submission_id,
                stdout=stdout,
                stderr=stderr,
                success=status is PatchApplyStatus.COMPLETED,
                changes=self._changes,
                status=status,
            )
        )
        await self.scope.report_turn_diff()

    def _model_output(self, output: str, exit_code: int) -> str:
        duration = time.monotonic() - self.started
        return structured_exec_output(output, exit_code, duration, self.scope.truncation_policy)
