"""The plan the model keeps with the `update_plan` tool."""

from enum import StrEnum
from typing import Literal

from ._base import SnakeModel


class StepStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class PlanItemArg(SnakeModel):
    step: str
    status: StepStatus


class UpdatePlanArgs(SnakeModel):
    """The arguments of `update_plan`, sent to the editor as the `plan_update` event."""

    type: Literal["plan_update"] = "plan_update"
    explanation: str | None = None
    plan: list[PlanItemArg]
