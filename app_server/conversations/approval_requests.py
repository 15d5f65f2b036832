"""Asking the client whether a command may run or a patch may be applied,
as v1 clients are asked.

Each question is announced to the conversation's listeners first
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

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from app_server_protocol.common import ReviewDecision
from app_server_protocol.events import (
    ApplyPatchApprovalRequestEvent,
    EventMsg,
    ExecApprovalRequestEvent,
)
from app_server_protocol.v1.approvals import (
    ApplyPatchApprovalParams,
    ApplyPatchApprovalResponse,
    ExecCommandApprovalParams,
    ExecCommandApprovalResponse,
)

from ..agent.host import ApprovalQuestion, CommandApproval
from ..errors import RpcError
from ..logs import log
from ..outgoing import ClientGone

if TYPE_CHECKING:
    from uuid import UUID

    from ..outgoing import Outgoing


async def ask_client(
    question: ApprovalQuestion,
    *,
    conversation_id: UUID,
    outgoing: Outgoing,
    announce: Callable[[EventMsg], Awaitable[None]],
    answered: Callable[[], object],
) -> ReviewDecision:
    """The user's decision. ``announce`` sends the conversation's event;
    ``answered`` is called when the client has answered (not with an error)."""
    params: BaseModel
    response_type: type[ExecCommandApprovalResponse] | type[ApplyPatchApprovalResponse]
    if isinstance(question, CommandApproval):
        from ..tools.parse_command import parse_command

        command = list(question.command)
        parsed = parse_command(command)
        await announce(
            ExecApprovalRequestEvent(
                call_id=question.call_id,
                command=command,
                cwd=question.cwd,
                reason=question.reason,
                parsed_cmd=parsed,
            )
        )
        method = "execCommandApproval"
        params = ExecCommandApprovalParams(
            conversation_id=conversation_id,
            call_id=question.call_id,
            command=command,
            cwd=question.cwd,
            reason=question.reason,
            parsed_cmd=parsed,
        )
        response_type = ExecCommandApprovalResponse
    else:
        changes = dict(question.changes)
        await announce(ApplyPatchApprovalRequestEvent(call_id=question.call_id, changes=changes))
        method = "applyPatchApproval"
        params = ApplyPatchApprovalParams(
            conversation_id=conversation_id, call_id=question.call_id, file_changes=changes
        )
        response_type = ApplyPatchApprovalResponse
    try:
        result = await outgoing.request(method, params.__pydantic_serializer__.to_json(params))
    except RpcError as error:
        log.warning("the client answered %s with an error (%s); taken as denied", method, error)
        return ReviewDecision.DENIED
    except ClientGone:
        log.warning("the client went away before answering %s; the turn is aborted", method)
        return ReviewDecision.ABORT
    answered()
    try:
        return response_type.model_validate(result).decision
    except ValidationError:
        log.warning("invalid answer to %s: %.200r; taken as denied", method, result)
        return ReviewDecision.DENIED
