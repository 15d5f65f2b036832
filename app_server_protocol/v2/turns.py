"""Turns: one exchange of a thread (the user's input and everything the agent
did about it), and the methods that start, steer and interrupt one."""

from enum import StrEnum
from typing import ClassVar, Literal

from typing_extensions import TypeAliasType

from .._base import CamelModel, JsonValue
from .common import AskForApproval, SandboxPolicy
from .items import ThreadItem, UserInput
from .shared import CollaborationMode, Personality, ReasoningEffort, ReasoningSummary


class TurnStatus(StrEnum):
    """Where a turn stands."""

    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    FAILED = "failed"
    IN_PROGRESS = "inProgress"


class HttpStatus(CamelModel):
    ts_inline: ClassVar[bool] = True
    http_status_code: int | None = None
    """The upstream HTTP status, when there was one."""


class CodexErrorInfoHttpConnectionFailed(CamelModel):
    ts_inline: ClassVar[bool] = True
    http_connection_failed: HttpStatus


class CodexErrorInfoResponseStreamConnectionFailed(CamelModel):
    ts_inline: ClassVar[bool] = True
    response_stream_connection_failed: HttpStatus


class CodexErrorInfoResponseStreamDisconnected(CamelModel):
    ts_inline: ClassVar[bool] = True
    response_stream_disconnected: HttpStatus


class CodexErrorInfoResponseTooManyFailedAttempts(CamelModel):
    ts_inline: ClassVar[bool] = True
    response_too_many_failed_attempts: HttpStatus


CodexErrorInfo = TypeAliasType(
    "CodexErrorInfo",
    Literal[
        "contextWindowExceeded",
        "usageLimitExceeded",
        "serverOverloaded",
        "internalServerError",
        "unauthorized",
        "badRequest",
        "threadRollbackFailed",
        "sandboxError",
        "other",
    ]
    | CodexErrorInfoHttpConnectionFailed
    | CodexErrorInfoResponseStreamConnectionFailed
    | CodexErrorInfoResponseStreamDisconnected
    | CodexErrorInfoResponseTooManyFailedAttempts,
)
"""What kind of failure an error is, for clients that react to some kinds
(the connection ones carry the upstream HTTP status)."""


class TurnError(CamelModel):
    """Why a turn failed."""

    message: str
    codex_error_info: CodexErrorInfo | None = None
    additional_details: str | None = None


class Turn(CamelModel):
    """One turn of a thread. `items` is filled only where a thread's history is returned
    (`thread/resume`, `thread/fork`, `thread/read`, `thread/rollback`); elsewhere it is empty."""

    id: str
    items: list[ThreadItem]
    status: TurnStatus
    error: TurnError | None = None


class TurnPlanStepStatus(StrEnum):
    """Where a step of the agent's plan stands."""

    PENDING = "pending"
    IN_PROGRESS = "inProgress"
    COMPLETED = "completed"


class TurnPlanStep(CamelModel):
    """One step of the agent's plan (its `update_plan` tool)."""

    step: str
    status: TurnPlanStepStatus


class TurnStartParams(CamelModel):
    """Start a turn with the user's input. The settings given apply to this turn and the ones after
    it."""

    thread_id: str
    input: list[UserInput]
    cwd: str | None = None
    approval_policy: AskForApproval | None = None
    sandbox_policy: SandboxPolicy | None = None
    model: str | None = None
    effort: ReasoningEffort | None = None
    summary: ReasoningSummary | None = None
    personality: Personality | None = None
    output_schema: JsonValue | None = None
    """A JSON Schema the agent's final message must follow."""
    collaboration_mode: CollaborationMode | None = None
    """A preset mode; it wins over `model`, `effort` and developer instructions."""


class TurnStartResponse(CamelModel):
    turn: Turn


class TurnSteerParams(CamelModel):
    """Add input to the turn in progress, which must be `expectedTurnId`."""

    thread_id: str
    input: list[UserInput]
    expected_turn_id: str


class TurnSteerResponse(CamelModel):
    turn_id: str


class TurnInterruptParams(CamelModel):
    """Stop a turn in progress."""

    thread_id: str
    turn_id: str


class TurnInterruptResponse(CamelModel):
    pass
