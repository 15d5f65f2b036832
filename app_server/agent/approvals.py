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
from typing import TYPE_CHECKING

import anyio.lowlevel
from pydantic import BaseModel, ValidationError

from app_server_protocol.common import ReviewDecisionKind, TurnAbortReason, plain_decision
from app_server_protocol.events import ApplyPatchApprovalRequestEvent
from app_server_protocol.exec_types import FileChange
from app_server_protocol.tool_requests import ExecApprovalRequestEvent
from app_server_protocol.v1.approvals import (
    ApplyPatchApprovalParams,
    ApplyPatchApprovalResponse,
    ExecCommandApprovalParams,
    ExecCommandApprovalResponse,
)

from ..errors import RpcError
from ..logs import log
from ..outgoing import ClientGone

if TYPE_CHECKING:
    from .turn import TurnScope


async def ask_exec_approval(
    scope: TurnScope,
    call_id: str,
    command: Sequence[str],
    cwd: str,
    reason: str | None = None,
) -> ReviewDecisionKind:
    """The user's decision about running ``command``."""
    from ..tools.parse_command import parse_command

    parsed = parse_command(command)
    await scope.emit(
        ExecApprovalRequestEvent(
            call_id=call_id,
            turn_id=scope.submission_id,
            command=list(command),
            cwd=cwd,
            reason=reason,
            parsed_cmd=parsed,
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
    return await _ask(scope, "execCommandApproval", params, ExecCommandApprovalResponse)


async def ask_patch_approval(
    scope: TurnScope, call_id: str, changes: Mapping[str, FileChange]
) -> ReviewDecisionKind:
    """The user's decision about applying a patch making ``changes``."""
    await scope.emit(
        ApplyPatchApprovalRequestEvent(
            call_id=call_id, turn_id=scope.submission_id, changes=dict(changes)
        )
    )
    params = ApplyPatchApprovalParams(
        conversation_id=scope.conversation.id, call_id=call_id, file_changes=dict(changes)
    )
    return await _ask(scope, "applyPatchApproval", params, ApplyPatchApprovalResponse)


async def _ask(
    scope: TurnScope,
    method: str,
    params: BaseModel,
    response_type: type[ExecCommandApprovalResponse] | type[ApplyPatchApprovalResponse],
) -> ReviewDecisionKind:
    try:
        result = await scope.app.outgoing.request(
            method, params.__pydantic_serializer__.to_json(params)
        )
    except RpcError as error:
        log.warning("the client answered %s with an error (%s); taken as denied", method, error)
        return ReviewDecisionKind.DENIED
    except ClientGone:
        log.warning("the client went away before answering %s; the turn is aborted", method)
        return ReviewDecisionKind.ABORT
    scope.conversation.take_submission_id()
    try:
        return plain_decision(response_type.model_validate(result).decision)
    except ValidationError:
        log.warning("invalid answer to %s: %.200r; taken as denied", method, result)
        return ReviewDecisionKind.DENIED


def is_approved(decision: ReviewDecisionKind) -> bool:
    return decision in (ReviewDecisionKind.APPROVED, ReviewDecisionKind.APPROVED_FOR_SESSION)


async def abort_turn(scope: TurnScope) -> None:
    """End the turn (the user answered ``abort``): the caller is cancelled
    here, and ``turn_aborted`` is sent once the turn has stopped."""
    scope.conversation.abort_turn(TurnAbortReason.INTERRUPTED)
    await anyio.lowlevel.checkpoint()
