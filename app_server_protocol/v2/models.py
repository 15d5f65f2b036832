"""The models the daemon offers: `model/list`."""

from .._base import CamelModel, UInt32
from .shared import InputModality, ReasoningEffort


class ReasoningEffortOption(CamelModel):
    """A reasoning effort a model supports, and what it is good for."""

    reasoning_effort: ReasoningEffort
    description: str


class ModelUpgradeInfo(CamelModel):
    """A newer model to suggest in place of this one."""

    model: str
    upgrade_copy: str | None = None
    model_link: str | None = None
    migration_markdown: str | None = None


class ModelAvailabilityNux(CamelModel):
    """A notice to show the user about the model's availability."""

    message: str


class Model(CamelModel):
    """A model the daemon offers."""

    id: str
    model: str
    upgrade: str | None = None
    """The id of the model to upgrade to, if any."""
    upgrade_info: ModelUpgradeInfo | None = None
    availability_nux: ModelAvailabilityNux | None = None
    display_name: str
    description: str
    hidden: bool
    supported_reasoning_efforts: list[ReasoningEffortOption]
    default_reasoning_effort: ReasoningEffort
    input_modalities: list[InputModality]
    supports_personality: bool
    is_default: bool
    """True for exactly one model."""


class ModelListParams(CamelModel):
    """List the models, a page at a time."""

    cursor: str | None = None
    limit: UInt32 | None = None
    include_hidden: bool | None = None
    """Include the models hidden from the default picker."""


class ModelListResponse(CamelModel):
    """A page of models; `nextCursor` is null on the last page."""

    data: list[Model]
    next_cursor: str | None = None
