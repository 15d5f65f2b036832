"""Code review mode: the request and its structured findings."""

from __future__ import annotations

from typing import Literal

from ._base import SnakeModel


class ReviewRequest(SnakeModel):
    """A review started in a child session (the `entered_review_mode` event)."""

    type: Literal["entered_review_mode"] = "entered_review_mode"
    prompt: str
    user_facing_hint: str


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
