"""Asking the user whether a command may run or a patch may be applied.

Each request is announced to the conversation's listeners first
(``exec_approval_request`` / ``apply_patch_approval_request``), then sent to
the client as a server request (``execCommandApproval`` /
``applyPatchApproval``) whose answer is awaited. As with the reference, the
client's answer uses up a submission id of the conversation, and an answer
that is not a valid decision counts as ``denied``.

Where the reference never finishes the turn, the daemon decides: an error
answer counts as ``denied`` (the model is told, nothing runs) and a client
that went away as ``abort``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

import anyio.lowlevel
from pydantic import ValidationError

from app_server_protocol import methods
from app_server_protocol.common import ReviewDecision, TurnAbortReason
from app_server_protocol.events import ApplyPatchApprovalRequestEvent, ExecApprovalRequestEvent
from app_server_protocol.exec_types import FileChange
from app_server_protocol.methods import ServerMethod
from app_server_protocol.v1.approvals import ApplyPatchApprovalParams, ExecCommandApprovalParams

from ..errors import RpcError
from ..logs import log
from ..outgoing import ClientGone

if TYPE_CHECKING:
    from .turn import TurnScope


class _Decision(Protocol):
    @property
    def decision(self) -> ReviewDecision: ...


P = TypeVar("P")
A = TypeVar("A", bound=_Decision)


async def ask_exec_approval(
    scope: TurnScope,
    call_id: str,
    command: Sequence[str],
    cwd: str,
    reason: str | None = None,
) -> ReviewDecision:
    """The user's decision about running ``command``."""
    from ..tools.parse_command import parse_command

    parsed = parse_command(command)
    await scope.emit(
        ExecApprovalRequestEvent(
            call_id=call_id, command=list(command), cwd=cwd, reason=reason, parsed_cmd=parsed
        )
    )
    params = ExecCommandApprovalParams(
        conversation_id=scope.conversation.id,
        call_id=call_id,
        command=list(command),
        cwd=cwd,
        reason=reason,
        parsed_cmd=parsed,
    )
    return await _ask(scope, methods.EXEC_COMMAND_APPROVAL, params)


async def ask_patch_approval(
    scope: TurnScope, call_id: str, changes: Mapping[str, FileChange]
) -> ReviewDecision:
    """The user's decision about applying a patch making ``changes``."""
    await scope.emit(ApplyPatchApprovalRequestEvent(call_id=call_id, changes=dict(changes)))
    params = ApplyPatchApprovalParams(
        conversation_id=scope.conversation.id, call_id=call_id, file_changes=dict(changes)
    )
    return await _ask(scope, methods.APPLY_PATCH_APPROVAL, params)


async def _ask(scope: TurnScope, row: ServerMethod[P, A], params: P) -> ReviewDecision:
    method = row.method
    try:
        answer = await scope.app.outgoing.request(row, params)
    except RpcError as error:
        log.warning("the client answered %s with an error (%s); taken as denied", method, error)
        return ReviewDecision.DENIED
    except ClientGone:
        log.warning("the client went away before answering %s; the turn is aborted", method)
        return ReviewDecision.ABORT
    except ValidationError as error:
        # An answer all the same: it uses up a submission id too.
        scope.conversation.take_submission_id()
        log.warning("invalid answer to %s (%s); taken as denied", method, error)
        return ReviewDecision.DENIED
    scope.conversation.take_submission_id()
    return answer.decision


def is_approved(decision: ReviewDecision) -> bool:
    return decision in (ReviewDecision.APPROVED, ReviewDecision.APPROVED_FOR_SESSION)


async def abort_turn(scope: TurnScope) -> None:
    """End the turn (the user answered ``abort``): the caller is cancelled
    here, and ``turn_aborted`` is sent once the turn has stopped."""
    scope.conversation.abort_turn(TurnAbortReason.INTERRUPTED)
    await anyio.lowlevel.checkpoint()
