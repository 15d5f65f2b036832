"""A review's answer: read from the reviewer's last message (JSON findings,
or plain text), and shown as text (the ``exitedReviewMode`` item and the
message the thread keeps)."""

from __future__ import annotations

import json
from typing import Any, Final

from pydantic import ValidationError

from app_server_protocol.review import ReviewFinding, ReviewOutputEvent

#: The review text when the reviewer gave no answer at all.
NO_REVIEW_TEXT: Final = "Reviewer failed to output a response."


def parse_review_output(text: str) -> ReviewOutputEvent:
    """The structured review in ``text``: the JSON object it is (or holds,
    between its first ``{`` and its last ``}``); any other answer is the
    review's explanation, without findings."""
    for candidate in _json_candidates(text):
        output = _structured(candidate)
        if output is not None:
            return output
    return ReviewOutputEvent(
        findings=[],
        overall_correctness="",
        overall_explanation=text.strip(),
        overall_confidence_score=0.0,
    )


def _json_candidates(text: str) -> list[str]:
    stripped = text.strip()
    candidates = [stripped]
    first, last = stripped.find("{"), stripped.rfind("}")
    if 0 <= first < last and (first, last) != (0, len(stripped) - 1):
        candidates.append(stripped[first : last + 1])
    return candidates


def _structured(candidate: str) -> ReviewOutputEvent | None:
    try:
        data: Any = json.loads(candidate)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        return None
    # A verdict left out reads as none given; the findings must be whole.
    data.setdefault("overall_correctness", "")
    data.setdefault("overall_explanation", "")
    data.setdefault("overall_confidence_score", 0.0)
    try:
        return ReviewOutputEvent.model_validate(data)
    except ValidationError:
        return None


def review_text(output: ReviewOutputEvent | None) -> str:
    """The review as plain text: the explanation, then the findings."""
    if output is None:
        return NO_REVIEW_TEXT
    sections: list[str] = []
    explanation = output.overall_explanation.strip()
    if explanation:
        sections.append(explanation)
    if output.findings:
        sections.append("\n".join(findings_block(output.findings)))
    return "\n\n".join(sections) or NO_REVIEW_TEXT


def findings_block(findings: list[ReviewFinding]) -> list[str]:
    """The findings as lines: a heading, then per finding its title and
    location, and its body indented."""
    lines = ["Full review comments:" if len(findings) > 1 else "Review comment:"]
    for finding in findings:
        location = finding.code_location
        where = (
            f"{location.absolute_file_path}:{location.line_range.start}-{location.line_range.end}"
        )
        lines.append("")
        lines.append(f"- {finding.title} — {where}")
        lines.extend(f"  {line}" for line in finding.body.splitlines())
    return lines
