"""What a conversation is asked to do (its submissions) and the piece that
runs a user turn: the `TurnRunner`.

A conversation numbers its submissions ``"0"``, ``"1"``, ... and handles them
in order in its own task. A user turn is handed to the turn runner, which
talks to the model and reports everything through
`Conversation.emit` (events to listeners, and to the rollout when the
reference persists them), `Conversation.record_items` (the model's items:
history and rollout) and `Conversation.record_turn_context`. The runner is
cancelled when the turn is interrupted; the conversation then reports
``turn_aborted`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import anyio

from app_server_protocol.common import (
    ApprovalMode,
    ReasoningEffort,
    ReasoningSummary,
    SandboxPolicy,
)
from app_server_protocol.items import InputItem
from app_server_protocol.rollout import TurnContextItem

if TYPE_CHECKING:
    from .conversation import Conversation


@dataclass(frozen=True)
class TurnSettings:
    """The settings a turn runs with; `sendUserTurn` sets them for its turn
    and the turns that follow."""

    cwd: str
    approval_policy: ApprovalMode
    sandbox_policy: SandboxPolicy
    model: str
    effort: ReasoningEffort | None
    summary: ReasoningSummary

    def context_item(self, turn_id: str | None = None) -> TurnContextItem:
        """The ``turn_context`` record of a model request made with these settings."""
        return TurnContextItem(
            turn_id=turn_id,
            cwd=self.cwd,
            approval_policy=self.approval_policy,
            sandbox_policy=self.sandbox_policy,
            model=self.model,
            effort=self.effort,
            summary=self.summary,
        )


@dataclass(frozen=True)
class UserTurn:
    """`sendUserMessage` (no settings) or `sendUserTurn` (with its settings)."""

    items: list[InputItem]
    settings: TurnSettings | None = None


@dataclass(frozen=True)
class Interrupt:
    """Stop the running turn; ``done`` is set once it has stopped."""

    done: anyio.Event = field(default_factory=anyio.Event)


@dataclass(frozen=True)
class Shutdown:
    """Stop the conversation (`Conversation.shutdown` waits until it has)."""


Op = UserTurn | Interrupt | Shutdown


@dataclass(frozen=True)
class Submission:
    id: str
    op: Op


class TurnRunner(Protocol):
    """Runs the user turns of every conversation."""

    async def run_turn(
        self, conversation: Conversation, submission_id: str, turn: UserTurn
    ) -> None:
        """Run one user turn to its end (``task_complete``), emitting its events
        with ``submission_id``. ``conversation.settings`` already holds the
        turn's settings. Cancelled when the turn is interrupted: the
        conversation then emits ``turn_aborted``."""
        ...
