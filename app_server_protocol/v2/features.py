"""`experimentalFeature/list`: the feature flags and their state."""

from enum import StrEnum

from .._base import CamelModel, UInt32


class ExperimentalFeatureStage(StrEnum):
    """Where a feature flag is in its life."""

    BETA = "beta"
    UNDER_DEVELOPMENT = "underDevelopment"
    STABLE = "stable"
    DEPRECATED = "deprecated"
    REMOVED = "removed"


class ExperimentalFeature(CamelModel):
    """A feature flag: its `config.toml` key, stage and state. The display texts are null unless the
    feature is in beta."""

    name: str
    stage: ExperimentalFeatureStage
    display_name: str | None = None
    description: str | None = None
    announcement: str | None = None
    enabled: bool
    default_enabled: bool


class ExperimentalFeatureListParams(CamelModel):
    """List the feature flags, a page at a time."""

    cursor: str | None = None
    limit: UInt32 | None = None


class ExperimentalFeatureListResponse(CamelModel):
    """A page of features; `nextCursor` is null on the last page."""

    data: list[ExperimentalFeature]
    next_cursor: str | None = None
