"""`review/start`: have the agent review code changes."""

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field
from typing_extensions import TypeAliasType

from .._base import CamelModel
from .turns import Turn


class ReviewTargetUncommittedChanges(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["uncommittedChanges"] = "uncommittedChanges"


class ReviewTargetBaseBranch(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["baseBranch"] = "baseBranch"
    branch: str


class ReviewTargetCommit(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["commit"] = "commit"
    sha: str
    title: str | None = None
    """A label for display (the commit's subject, say)."""


class ReviewTargetCustom(CamelModel):
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
"""What to review: the uncommitted changes, the changes against a base branch, one commit, or what
custom instructions say."""


class ReviewDelivery(StrEnum):
    """Where the review runs: in the thread itself (the default) or in a new thread."""

    INLINE = "inline"
    DETACHED = "detached"


class ReviewStartParams(CamelModel):
    """Start a review turn."""

    thread_id: str
    target: ReviewTarget
    delivery: ReviewDelivery | None = None


class ReviewStartResponse(CamelModel):
    """The review turn, and the thread it runs in."""

    turn: Turn
    review_thread_id: str
