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
from typing import TYPE_CHECKING, Final, Protocol, TypeVar

import anyio
from pydantic import ValidationError

from app_server_protocol import methods
from app_server_protocol.common import ReviewDecision, ReviewDecisionKind, plain_decision
from app_server_protocol.events import ApplyPatchApprovalRequestEvent, EventMsg
from app_server_protocol.jsonrpc import RequestId
from app_server_protocol.methods import ServerMethod
from app_server_protocol.tool_requests import ExecApprovalRequestEvent
from app_server_protocol.v1.approvals import ApplyPatchApprovalParams, ExecCommandApprovalParams
from app_server_protocol.v2.approvals import (
    CommandExecutionApprovalDecision,
    CommandExecutionApprovalDecisionAcceptWithExecpolicyAmendment,
    CommandExecutionRequestApprovalParams,
    FileChangeRequestApprovalParams,
)
from app_server_protocol.v2.items import CommandExecutionStatus, ThreadItemCommandExecution
from app_server_protocol.v2.notifications import ServerRequestResolvedNotification

from ..agent.host import ApprovalQuestion, CommandApproval
from ..errors import RpcError
from ..logs import log
from ..outgoing import ClientGone
from .v2_face import V2Face
from .v2_items import command_actions, command_text

if TYPE_CHECKING:
    from uuid import UUID

    from ..audience import FanOut


async def ask_client(
    question: ApprovalQuestion,
    *,
    conversation_id: UUID,
    turn_id: str,
    outgoing: FanOut,
    announce: Callable[[EventMsg], Awaitable[None]],
    answered: Callable[[], object],
    face: V2Face | None = None,
) -> ReviewDecisionKind:
    """The user's decision. ``announce`` sends the conversation's event;
    ``answered`` is called when the client has answered (not with an error).
    ``face``: the v2 notifications a v1 conversation also gets (0.107.0
    sends them): the thread's status says it waits on the approval."""
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
        return await _ask_with_status(
            face,
            question.call_id,
            _ask(outgoing, methods.EXEC_COMMAND_APPROVAL, exec_params, answered),
        )
    changes = dict(question.changes)
    await announce(
        ApplyPatchApprovalRequestEvent(call_id=question.call_id, turn_id=turn_id, changes=changes)
    )
    patch_params = ApplyPatchApprovalParams(
        conversation_id=conversation_id, call_id=question.call_id, file_changes=changes
    )
    return await _ask_with_status(
        face, question.call_id, _ask(outgoing, methods.APPLY_PATCH_APPROVAL, patch_params, answered)
    )


async def _ask_with_status(
    face: V2Face | None, item_id: str, asking: Awaitable[ReviewDecisionKind]
) -> ReviewDecisionKind:
    if face is None:
        return await asking
    await face.approval_pending(True)
    try:
        decision = await asking
    finally:
        with anyio.CancelScope(shield=True):
            await face.approval_pending(False)
    if decision in (ReviewDecisionKind.DENIED, ReviewDecisionKind.ABORT):
        face.declined(item_id)
    return decision


class _Decision(Protocol):
    @property
    def decision(self) -> ReviewDecision: ...


P = TypeVar("P")
A = TypeVar("A", bound=_Decision)


async def _ask(
    outgoing: FanOut, row: ServerMethod[P, A], params: P, answered: Callable[[], object]
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


#: The core decision of each v2 answer (``cancel`` stops the turn).
_V2_DECISIONS: Final = {
    "accept": ReviewDecisionKind.APPROVED,
    "acceptForSession": ReviewDecisionKind.APPROVED_FOR_SESSION,
    "decline": ReviewDecisionKind.DENIED,
    "cancel": ReviewDecisionKind.ABORT,
}

#: Every decision the daemon takes from a v2 client about a command.
_COMMAND_DECISIONS: Final[list[CommandExecutionApprovalDecision]] = [
    "accept",
    "acceptForSession",
    "decline",
    "cancel",
]


async def ask_client_v2(
    question: ApprovalQuestion,
    *,
    face: V2Face,
    turn_id: str,
    outgoing: FanOut,
    announce: Callable[[EventMsg], Awaitable[None]],
    answered: Callable[[], object],
) -> ReviewDecisionKind:
    """The user's decision, asked as v2 asks (``item/*/requestApproval``);
    the v1 listeners still get the ``*_approval_request`` event. Once the
    request is settled (answered, failed, or moot because the turn stopped)
    ``serverRequest/resolved`` follows. Anything but a valid ``accept`` or
    ``acceptForSession`` approves nothing."""
    from ..tools.parse_command import parse_command

    thread_id = face.thread_id
    if isinstance(question, CommandApproval):
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
        command_params = CommandExecutionRequestApprovalParams(
            thread_id=thread_id,
            turn_id=turn_id,
            item_id=question.call_id,
            reason=question.reason,
            command=command_text(command),
            cwd=question.cwd,
            command_actions=command_actions(parsed),
            available_decisions=list(_COMMAND_DECISIONS),
        )
        decision = await _ask_v2(
            outgoing,
            methods.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL,
            command_params,
            face,
            answered,
            question.call_id,
        )
        if decision in _REFUSED and not face.has_started(question.call_id):
            await face.declined_before_start(
                ThreadItemCommandExecution(
                    id=question.call_id,
                    command=command_params.command,
                    cwd=question.cwd,
                    status=CommandExecutionStatus.DECLINED,
                    command_actions=command_params.command_actions,
                )
            )
        return decision
    changes = dict(question.changes)
    await announce(ApplyPatchApprovalRequestEvent(call_id=question.call_id, changes=changes))
    patch_params = FileChangeRequestApprovalParams(
        thread_id=thread_id, turn_id=turn_id, item_id=question.call_id
    )
    return await _ask_v2(
        outgoing,
        methods.ITEM_FILE_CHANGE_REQUEST_APPROVAL,
        patch_params,
        face,
        answered,
        question.call_id,
    )


_REFUSED: Final = (ReviewDecisionKind.DENIED, ReviewDecisionKind.ABORT)


class _V2Decision(Protocol):
    @property
    def decision(self) -> object: ...


V = TypeVar("V", bound=_V2Decision)


async def _ask_v2_once(
    outgoing: FanOut,
    row: ServerMethod[P, V],
    params: P,
    face: V2Face,
    answered: Callable[[], object],
) -> ReviewDecisionKind:
    method = row.method
    sent: list[RequestId] = []
    await face.approval_pending(True)
    try:
        answer = await outgoing.request(row, params, sent=sent.append)
    except RpcError as error:
        log.warning("the client answered %s with an error (%s); taken as declined", method, error)
        return ReviewDecisionKind.DENIED
    except ClientGone:
        log.warning("the client went away before answering %s; the turn is cancelled", method)
        return ReviewDecisionKind.ABORT
    except ValidationError as error:
        answered()
        log.warning("invalid answer to %s (%s); taken as declined", method, error)
        return ReviewDecisionKind.DENIED
    finally:
        with anyio.CancelScope(shield=True):
            for request_id in sent:
                await outgoing.notify(
                    methods.SERVER_REQUEST_RESOLVED,
                    ServerRequestResolvedNotification(
                        thread_id=face.thread_id, request_id=request_id
                    ),
                )
            await face.approval_pending(False)
    answered()
    decision = answer.decision
    if isinstance(decision, str):
        return _V2_DECISIONS.get(decision, ReviewDecisionKind.DENIED)
    if isinstance(decision, CommandExecutionApprovalDecisionAcceptWithExecpolicyAmendment):
        return ReviewDecisionKind.APPROVED
    return ReviewDecisionKind.DENIED


async def _ask_v2(
    outgoing: FanOut,
    row: ServerMethod[P, V],
    params: P,
    face: V2Face,
    answered: Callable[[], object],
    item_id: str,
) -> ReviewDecisionKind:
    decision = await _ask_v2_once(outgoing, row, params, face, answered)
    if decision in (ReviewDecisionKind.DENIED, ReviewDecisionKind.ABORT):
        face.declined(item_id)
    return decision
