"""Code review mode: the request and its structured findings."""

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator
from typing_extensions import TypeAliasType

from ._base import SnakeModel, optional


class ReviewTargetUncommittedChanges(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["uncommittedChanges"] = "uncommittedChanges"


class ReviewTargetBaseBranch(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["baseBranch"] = "baseBranch"
    branch: str


class ReviewTargetCommit(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["commit"] = "commit"
    sha: str
    title: str | None = None


class ReviewTargetCustom(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["custom"] = "custom"
    instructions: str


ReviewTarget = TypeAliasType(
    "ReviewTarget",
    Annotated[
        ReviewTargetUncommittedChanges
        | ReviewTargetBaseBranch
        | ReviewTargetCommit
        | ReviewTargetCustom,
        Field(discriminator="type"),
    ],
)
"""What a review looks at."""


class ReviewRequest(SnakeModel):
    """A review started in a child session (the `entered_review_mode` event)."""

    type: Literal["entered_review_mode"] = "entered_review_mode"
    target: ReviewTarget
    user_facing_hint: str | None = optional()

    @model_validator(mode="before")
    @classmethod
    def _legacy_prompt(cls, data: Any) -> Any:
        # 0.50 recorded the review's prompt itself; it reads as custom instructions.
        if isinstance(data, dict) and "target" not in data and isinstance(data.get("prompt"), str):
            target = {"type": "custom", "instructions": data["prompt"]}
            data = {key: value for key, value in data.items() if key != "prompt"}
            data["target"] = target
        return data


class ReviewLineRange(SnakeModel):
    """An inclusive range of lines."""

    start: int
    end: int


class ReviewCodeLocation(SnakeModel):
    absolute_file_path: str
    line_range: ReviewLineRange


class ReviewFinding(SnakeModel):
    """One issue or recommendation found by a review."""

    title: str
    body: str
    confidence_score: float
    priority: int
    code_location: ReviewCodeLocation


class ReviewOutputEvent(SnakeModel):
    """The structured result of a review."""

    findings: list[ReviewFinding]
    overall_correctness: str
    overall_explanation: str
    overall_confidence_score: float
