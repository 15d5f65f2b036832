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
from typing import TYPE_CHECKING, Protocol, TypeVar

from pydantic import ValidationError

from app_server_protocol import methods
from app_server_protocol.common import ReviewDecision, ReviewDecisionKind, plain_decision
from app_server_protocol.events import ApplyPatchApprovalRequestEvent, EventMsg
from app_server_protocol.methods import ServerMethod
from app_server_protocol.tool_requests import ExecApprovalRequestEvent
from app_server_protocol.v1.approvals import ApplyPatchApprovalParams, ExecCommandApprovalParams

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
    turn_id: str,
    outgoing: Outgoing,
    announce: Callable[[EventMsg], Awaitable[None]],
    answered: Callable[[], object],
) -> ReviewDecisionKind:
    """The user's decision. ``announce`` sends the conversation's event;
    ``answered`` is called when the client has answered (not with an error)."""
    if isinstance(question, CommandApproval):
        from ..tools.parse_command import parse_command

        command = list(question.command)
        parsed = parse_command(command)
        await announce(
            ExecApprovalRequestEvent(
                call_id=question.call_id,
                turn_id=turn_id,
                command=command,
                cwd=question.cwd,
                reason=question.reason,
                parsed_cmd=parsed,
            )
        )
        exec_params = ExecCommandApprovalParams(
            conversation_id=conversation_id,
            call_id=question.call_id,
            command=command,
            cwd=question.cwd,
            reason=question.reason,
            parsed_cmd=parsed,
        )
        return await _ask(outgoing, methods.EXEC_COMMAND_APPROVAL, exec_params, answered)
    changes = dict(question.changes)
    await announce(
        ApplyPatchApprovalRequestEvent(call_id=question.call_id, turn_id=turn_id, changes=changes)
    )
    patch_params = ApplyPatchApprovalParams(
        conversation_id=conversation_id, call_id=question.call_id, file_changes=changes
    )
    return await _ask(outgoing, methods.APPLY_PATCH_APPROVAL, patch_params, answered)


class _Decision(Protocol):
    @property
    def decision(self) -> ReviewDecision: ...


P = TypeVar("P")
A = TypeVar("A", bound=_Decision)


async def _ask(
    outgoing: Outgoing, row: ServerMethod[P, A], params: P, answered: Callable[[], object]
) -> ReviewDecisionKind:
    method = row.method
    try:
        answer = await outgoing.request(row, params)
    except RpcError as error:
        log.warning("the client answered %s with an error (%s); taken as denied", method, error)
        return ReviewDecisionKind.DENIED
    except ClientGone:
        log.warning("the client went away before answering %s; the turn is aborted", method)
        return ReviewDecisionKind.ABORT
    except ValidationError as error:
        # An answer all the same: it uses up a submission id too.
        answered()
        log.warning("invalid answer to %s (%s); taken as denied", method, error)
        return ReviewDecisionKind.DENIED
    answered()
    return plain_decision(answer.decision)
