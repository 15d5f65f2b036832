"""`TurnScope`: one running turn, as its tools see it (a leaf for the tools:
they never import the turn loop)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

from app_server_protocol.common import ReviewDecisionKind
from app_server_protocol.events import EventMsg, TurnDiffEvent

from ..telemetry.events import DecisionSource
from .model_family import effective_context_window

if TYPE_CHECKING:
    from ..config.model import Config
    from ..tools.apply_patch import TurnDiffTracker
    from ..tools.truncation import TruncationPolicy
    from .host import ApprovalQuestion, TurnHost
    from .model_family import ModelFamily
    from .user_turn import TurnSettings


@dataclass(eq=False)
class TurnScope:
    """One running turn, as its tools see it."""

    host: TurnHost
    submission_id: str
    settings: TurnSettings
    config: Config
    family: ModelFamily
    approved_commands: set[tuple[str, ...]] = field(default_factory=set)
    """Commands the user approved for the rest of the thread (the thread's set)."""
    exclusive: anyio.Lock = field(default_factory=anyio.Lock)
    """Held for the whole call by the tools that act on the machine (shell,
    apply_patch): they run one at a time, in the order the model made the
    calls, so that each sees what the previous one did."""
    turn_diff: TurnDiffTracker | None = None
    """What the turn's patches changed (made by the first patch)."""

    @property
    def context_window(self) -> int:
        """The ``model_context_window`` the turn reports."""
        return effective_context_window(self.config.model_context_window, self.family)

    @cached_property
    def truncation_policy(self) -> TruncationPolicy:
        """How much of a tool's output the model is shown this turn."""
        from .output_policy import truncation_policy

        return truncation_policy(self.config, self.settings.model)

    async def emit(self, event: EventMsg) -> None:
        await self.host.emit(self.submission_id, event)

    async def ask_approval(self, question: ApprovalQuestion) -> ReviewDecisionKind:
        decision = await self.host.ask_approval(self.submission_id, question)
        if (events := self.host.telemetry) is not None:
            events.tool_decision(question.call_id, decision, DecisionSource.USER)
        return decision

    def approved_by_config(self, call_id: str) -> None:
        """The approval policy lets the call ``call_id`` run without asking."""
        if (events := self.host.telemetry) is not None:
            events.tool_decision(call_id, ReviewDecisionKind.APPROVED, DecisionSource.CONFIG)

    async def report_turn_diff(self) -> None:
        """``turn_diff``, when the turn's patches have changed something."""
        if self.turn_diff is None:
            return
        diff = await anyio.to_thread.run_sync(self.turn_diff.unified_diff)
        if diff is not None:
            await self.emit(TurnDiffEvent(unified_diff=diff))
