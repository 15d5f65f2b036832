"""What a conversation is asked to do (its submissions), the piece that runs
a user turn (the `TurnRunner`), and what the daemon lends each conversation's
agent (`AgentServices`).

A conversation numbers its submissions ``"0"``, ``"1"``, ... and handles them
in order in its own task. A user turn is handed to the turn runner with the
conversation's agent state (`AgentThread`) and the conversation itself as the
agent's `TurnHost`: the runner talks to the model and reports everything
through the host (events to listeners, and to the rollout when the
reference persists them; the model's items and turn contexts to the
rollout). The runner is cancelled when the turn is interrupted; the
conversation then reports ``turn_aborted`` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import anyio

from ..agent.user_turn import TurnSettings, UserTurn

if TYPE_CHECKING:
    from ..agent.host import TurnHost
    from ..agent.thread import AgentThread
    from ..config.model import Config
    from ..model_client import CredentialsSource
    from ..telemetry.events import ConversationTelemetry

__all__ = [
    "AgentServices",
    "Interrupt",
    "Op",
    "Shutdown",
    "Submission",
    "TurnRunner",
    "TurnSettings",
    "UserTurn",
]


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
        self, thread: AgentThread, host: TurnHost, submission_id: str, turn: UserTurn
    ) -> None:
        """Run one user turn to its end (``task_complete``), emitting its events
        with ``submission_id``. ``thread.settings`` already holds the turn's
        settings. Cancelled when the turn is interrupted: the conversation
        then emits ``turn_aborted``."""
        ...


@dataclass(frozen=True)
class AgentServices:
    """What the daemon lends every conversation's agent, besides the client
    channel: the user agent of its model requests, the saved credentials
    (under the conversation's config's login restrictions) and the
    conversation's telemetry events (None when nothing is exported)."""

    user_agent: Callable[[], str]
    credentials: Callable[[Config], CredentialsSource]
    telemetry: Callable[[object], ConversationTelemetry | None] = lambda _: None
    """The events of a conversation (given itself)."""
