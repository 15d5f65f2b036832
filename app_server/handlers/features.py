"""``experimentalFeature/list``: the feature flags, whether each is on for the
daemon's configuration (`config.toml`, the active profile, ``--enable`` and
``--disable``), a page at a time.

Paging is `model/list`'s (see `paging`).
"""

from __future__ import annotations

from app_server_protocol import methods
from app_server_protocol.v2.features import (
    ExperimentalFeature,
    ExperimentalFeatureListParams,
    ExperimentalFeatureListResponse,
    ExperimentalFeatureStage,
)

from ..app import RequestContext
from ..config.features import FEATURES, Feature
from .config_access import resolved_config
from .paging import page
from .registry import handles


def _listed(feature: Feature, enabled: frozenset[str]) -> ExperimentalFeature:
    return ExperimentalFeature(
        name=feature.name,
        stage=ExperimentalFeatureStage(feature.stage),
        display_name=feature.display_name,
        description=feature.description,
        announcement=feature.announcement,
        enabled=feature.name in enabled,
        default_enabled=feature.default,
    )


@handles(methods.EXPERIMENTAL_FEATURE_LIST)
def list_features(
    params: ExperimentalFeatureListParams, ctx: RequestContext
) -> ExperimentalFeatureListResponse:
    enabled = resolved_config(ctx).features
    listed = [_listed(feature, enabled) for feature in FEATURES]
    data, next_cursor = page(listed, params.cursor, params.limit, "feature flags")
    return ExperimentalFeatureListResponse(data=data, next_cursor=next_cursor)
