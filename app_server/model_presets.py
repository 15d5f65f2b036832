"""The models the daemon offers (``model/list``): the reference's built-in
presets, in its order, the first one the default. The same list is offered
whatever the sign-in, as the reference does."""

from __future__ import annotations

from typing import Final

from app_server_protocol.common import ReasoningEffort
from app_server_protocol.v1.config import Model, ReasoningEffortOption

_E = ReasoningEffort


def _options(*pairs: tuple[ReasoningEffort, str]) -> list[ReasoningEffortOption]:
    return [ReasoningEffortOption(reasoning_effort=e, description=d) for e, d in pairs]


_DEEPEST: Final = "Maximizes reasoning depth for complex or ambiguous problems"

PRESETS: Final[tuple[Model, ...]] = (
    Model(
        id="gpt-5-codex",
        model="gpt-5-codex",
        display_name="gpt-5-codex",
        description="Optimized for coding tasks with many tools.",
        supported_reasoning_efforts=_options(
            (_E.LOW, "Fastest responses with limited reasoning"),
            (_E.MEDIUM, "Dynamically adjusts reasoning based on the task"),
            (_E.HIGH, _DEEPEST),
        ),
        default_reasoning_effort=_E.MEDIUM,
        is_default=True,
    ),
    Model(
        id="gpt-5",
        model="gpt-5",
        display_name="gpt-5",
        description="Broad world knowledge with strong general reasoning.",
        supported_reasoning_efforts=_options(
            (_E.MINIMAL, "Fastest responses with little reasoning"),
            (
                _E.LOW,
                "Balances speed with some reasoning; useful for straightforward queries "
                "and short explanations",
            ),
            (
                _E.MEDIUM,
                "Provides a solid balance of reasoning depth and latency for general-purpose tasks",
            ),
            (_E.HIGH, _DEEPEST),
        ),
        default_reasoning_effort=_E.MEDIUM,
        is_default=False,
    ),
)
