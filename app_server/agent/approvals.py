"""The one approval flow of the tools that act on the machine (shell
commands, patches): ask the user, go on or stop as they answer, and decide
what follows when the sandbox stopped the call.

- `ApprovalFlow.ask`: the question goes to the client through the thread
  (`TurnHost.ask_approval`). ``denied`` ends the call with the caller's
  rejection result; ``abort`` also ends the turn (once that result's events
  are out); ``approved_for_session`` spares the commands the caller names
  any later question in the thread.
- `ApprovalFlow.after_sandbox_denial`: the approval policy decides whether
  the call is reported to the model as stopped by the sandbox, the user is
  asked whether to run it again without the sandbox ("command failed;
  retry without sandbox?"), or it runs again at once (the user approved it
  already).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING

import anyio.lowlevel

from app_server_protocol.common import ReviewDecisionKind, TurnAbortReason

from ..tools.safety import AfterSandboxDenial, after_sandbox_denial

if TYPE_CHECKING:
    from .host import ApprovalQuestion, CommandApproval
    from .scope import TurnScope
    from .tools.base import ToolResult

#: Makes the result the model reads when the user says no (sending the call's
#: last events first, if it has any).
Rejection = Callable[[], Awaitable["ToolResult"]]


def is_approved(decision: ReviewDecisionKind) -> bool:
    return decision in (ReviewDecisionKind.APPROVED, ReviewDecisionKind.APPROVED_FOR_SESSION)


async def abort_turn(scope: TurnScope) -> None:
    """End the turn (the user answered ``abort``): the caller is cancelled
    here, and ``turn_aborted`` is sent once the turn has stopped."""
    scope.host.abort_turn(TurnAbortReason.INTERRUPTED)
    await anyio.lowlevel.checkpoint()


class ApprovalFlow:
    """The approvals of one call."""

    def __init__(self, scope: TurnScope, *, user_approved: bool = False) -> None:
        self.scope = scope
        self.user_approved = user_approved
        """The user approved the call (now, or for the session before)."""

    async def ask(
        self,
        question: ApprovalQuestion,
        *,
        rejected: Rejection,
        remember: Iterable[tuple[str, ...]] = (),
    ) -> ToolResult | None:
        """Ask the user: None when the call may go on, else the result the
        model reads (the turn is aborted after it when the user said so).
        ``remember``: the commands an ``approved_for_session`` answer covers."""
        answer = await self.scope.ask_approval(question)
        if not is_approved(answer):
            result = await rejected()
            if answer is ReviewDecisionKind.ABORT:
                await abort_turn(self.scope)
            return result
        self.user_approved = True
        if answer is ReviewDecisionKind.APPROVED_FOR_SESSION:
            self.scope.approved_commands.update(remember)
        return None

    async def after_sandbox_denial(
        self,
        retry: CommandApproval,
        *,
        report: Rejection,
        rejected: Rejection,
        remember: Iterable[tuple[str, ...]] = (),
        before_asking: Callable[[], Awaitable[None]] | None = None,
    ) -> ToolResult | None:
        """The sandbox stopped the call: None when it may run again without
        the sandbox, else the result the model reads (``report``: the call
        as the sandbox stopped it; ``rejected``: the user said no to
        ``retry``). ``before_asking`` runs before the user is asked."""
        policy = self.scope.settings.approval_policy
        match after_sandbox_denial(policy, user_approved=self.user_approved):
            case AfterSandboxDenial.REPORT:
                return await report()
            case AfterSandboxDenial.ASK_TO_RETRY:
                if before_asking is not None:
                    await before_asking()
                return await self.ask(retry, rejected=rejected, remember=remember)
            case AfterSandboxDenial.RETRY:
                return None
