"""The models the daemon offers (``model/list``): Codex 0.107.0's built-in
presets, in its order, as its ``model/list`` answers them (hidden ones
included: they are listed with ``includeHidden``). The first is the default.
The same list is offered whatever the sign-in, as the reference does.

The presets are kept as plain data: a turn needs only their names, and
making the `Model` answers (`presets`) would build their validators in
every daemon that loads, while only ``model/list`` sends them."""

from __future__ import annotations

from functools import cache
from typing import Final, NamedTuple

from app_server_protocol.v2.models import Model, ModelUpgradeInfo, ReasoningEffortOption
from app_server_protocol.v2.shared import InputModality, ReasoningEffort

_E = ReasoningEffort
_TEXT_AND_IMAGE: Final = (InputModality.TEXT, InputModality.IMAGE)
_TEXT_ONLY: Final = (InputModality.TEXT,)

_D0: Final = "Fast responses with lighter reasoning"
_D1: Final = "Balances speed and reasoning depth for everyday tasks"
_D2: Final = "Greater reasoning depth for complex problems"
_D3: Final = "Extra high reasoning depth for complex problems"
_D4: Final = "Fastest responses with limited reasoning"
_D5: Final = "Dynamically adjusts reasoning based on the task"
_D6: Final = "Maximizes reasoning depth for complex or ambiguous problems"
_D7: Final = (
    "Balances speed with some reasoning; useful for straightforward queries and short explanations"
)
_D8: Final = "Provides a solid balance of reasoning depth and latency for general-purpose tasks"
_D9: Final = "Extra high reasoning for complex problems"
_D10: Final = "Fastest responses with little reasoning"

_UPGRADE_MARKDOWN: Final = (
    "**Codex just got an upgrade. Introducing {model_to}.**\n"
    "\n"
    "Codex is now powered by {model_to}, our most capable agentic coding model yet. "
    "It's built for long-running, project-scale work, with mid-turn steering + "
    "frequent progress updates so you can collaborate while it runs (and it's faster "
    "too).\n"
    "\n"
    "Learn more: https://openai.com/index/introducing-gpt-5-3-codex/\n"
    "\n"
    "You can keep using {model_from} if you prefer.\n"
)


class Preset(NamedTuple):
    """A built-in model, as plain data."""

    model: str
    description: str
    efforts: tuple[tuple[ReasoningEffort, str], ...]
    hidden: bool = False
    upgrade: str | None = None
    text_only: bool = False
    personality: bool = False

    def answer(self) -> Model:
        """The preset as ``model/list`` sends it."""
        return Model(
            id=self.model,
            model=self.model,
            upgrade=self.upgrade,
            upgrade_info=_upgrade(self.upgrade) if self.upgrade is not None else None,
            display_name=self.model,
            description=self.description,
            hidden=self.hidden,
            supported_reasoning_efforts=[
                ReasoningEffortOption(reasoning_effort=effort, description=text)
                for effort, text in self.efforts
            ],
            default_reasoning_effort=ReasoningEffort.MEDIUM,
            input_modalities=list(_TEXT_ONLY if self.text_only else _TEXT_AND_IMAGE),
            supports_personality=self.personality,
            is_default=False,
        )


def _upgrade(model: str) -> ModelUpgradeInfo:
    return ModelUpgradeInfo(model=model, migration_markdown=_UPGRADE_MARKDOWN)


#: Every preset; `model/list` marks the first as the default.
PRESETS: Final[tuple[Preset, ...]] = (
    Preset(
        "gpt-5.3-codex",
        "Latest frontier agentic coding model.",
        ((_E.LOW, _D0), (_E.MEDIUM, _D1), (_E.HIGH, _D2), (_E.XHIGH, _D3)),
        personality=True,
    ),
    Preset(
        "gpt-5.2-codex",
        "Frontier agentic coding model.",
        ((_E.LOW, _D0), (_E.MEDIUM, _D1), (_E.HIGH, _D2), (_E.XHIGH, _D3)),
        upgrade="gpt-5.3-codex",
        personality=True,
    ),
    Preset(
        "gpt-5.1-codex-max",
        "Codex-optimized flagship for deep and fast reasoning.",
        ((_E.LOW, _D0), (_E.MEDIUM, _D1), (_E.HIGH, _D2), (_E.XHIGH, _D3)),
        upgrade="gpt-5.3-codex",
    ),
    Preset(
        "gpt-5.1-codex",
        "Optimized for codex.",
        ((_E.LOW, _D4), (_E.MEDIUM, _D5), (_E.HIGH, _D6)),
        hidden=True,
        upgrade="gpt-5.3-codex",
    ),
    Preset(
        "gpt-5.2",
        "Latest frontier model with improvements across knowledge, reasoning and coding",
        ((_E.LOW, _D7), (_E.MEDIUM, _D8), (_E.HIGH, _D6), (_E.XHIGH, _D9)),
        upgrade="gpt-5.3-codex",
    ),
    Preset(
        "gpt-5.1",
        "Broad world knowledge with strong general reasoning.",
        ((_E.LOW, _D7), (_E.MEDIUM, _D8), (_E.HIGH, _D6)),
        hidden=True,
        upgrade="gpt-5.3-codex",
    ),
    Preset(
        "gpt-5-codex",
        "Optimized for codex.",
        ((_E.LOW, _D4), (_E.MEDIUM, _D5), (_E.HIGH, _D6)),
        hidden=True,
        upgrade="gpt-5.3-codex",
    ),
    Preset(
        "gpt-5",
        "Broad world knowledge with strong general reasoning.",
        ((_E.MINIMAL, _D10), (_E.LOW, _D7), (_E.MEDIUM, _D8), (_E.HIGH, _D6)),
        hidden=True,
        upgrade="gpt-5.3-codex",
    ),
    Preset(
        "gpt-oss-120b",
        "OpenAI OSS model, 120B parameters.",
        ((_E.LOW, _D7), (_E.MEDIUM, _D8), (_E.HIGH, _D6)),
        hidden=True,
        text_only=True,
    ),
    Preset(
        "gpt-oss-20b",
        "OpenAI OSS model, 20B parameters.",
        ((_E.LOW, _D7), (_E.MEDIUM, _D8), (_E.HIGH, _D6)),
        hidden=True,
        text_only=True,
    ),
    Preset(
        "gpt-5.1-codex-mini",
        "Optimized for codex. Cheaper, faster, but less capable.",
        ((_E.MEDIUM, _D5), (_E.HIGH, _D6)),
        upgrade="gpt-5.3-codex",
    ),
    Preset(
        "gpt-5-codex-mini",
        "Optimized for codex. Cheaper, faster, but less capable.",
        ((_E.MEDIUM, _D5), (_E.HIGH, _D6)),
        hidden=True,
        upgrade="gpt-5.3-codex",
    ),
)


@cache
def presets() -> tuple[Model, ...]:
    """Every preset as ``model/list`` sends it."""
    return tuple(preset.answer() for preset in PRESETS)
