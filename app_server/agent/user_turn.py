"""What a user turn asks for: its input, and the settings it runs with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app_server_protocol.common import (
    ApprovalMode,
    ReasoningEffort,
    ReasoningSummary,
    SandboxPolicy,
)
from app_server_protocol.items import InputItem
from app_server_protocol.rollout import TurnContextItem

from .context import local_date, local_timezone

if TYPE_CHECKING:
    from ..config.model import Config
    from .review_request import ResolvedReview


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
    personality: str | None = None

    @classmethod
    def from_config(cls, config: Config) -> TurnSettings:
        """The settings of a thread's turns until a turn brings its own."""
        return cls(
            cwd=str(config.cwd),
            approval_policy=config.approval_policy,
            sandbox_policy=config.sandbox_policy,
            model=config.model,
            effort=config.model_reasoning_effort,
            summary=config.model_reasoning_summary,
            personality=config.personality,
        )

    def context_item(
        self, turn_id: str | None = None, truncation_policy: Mapping[str, Any] | None = None
    ) -> TurnContextItem:
        """The ``turn_context`` record of a model request made with these settings
        (with the date and time zone the model is told, and how much of a tool's
        output it is shown, as 0.107.0 records them)."""
        return TurnContextItem(
            turn_id=turn_id,
            cwd=self.cwd,
            current_date=local_date(),
            timezone=local_timezone(),
            approval_policy=self.approval_policy,
            sandbox_policy=self.sandbox_policy,
            model=self.model,
            effort=self.effort,
            summary=self.summary,
            personality=self.personality,
            truncation_policy=None if truncation_policy is None else dict(truncation_policy),
        )


@dataclass(frozen=True)
class UserTurn:
    """`sendUserMessage` (no settings) or `sendUserTurn` (with its settings)."""

    items: list[InputItem]
    settings: TurnSettings | None = None
    output_schema: Mapping[str, Any] | None = None
    """A JSON Schema this turn's final message must follow (v2's `outputSchema`)."""
    review: ResolvedReview | None = None
    """A review turn (`review/start`): a reviewer answers instead (``items`` is empty)."""
    compact: bool = False
    """Not a user turn but a compaction of the thread (``thread/compact/start``)."""
