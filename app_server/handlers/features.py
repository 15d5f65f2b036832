"""``experimentalFeature/list``: the feature flags, whether each is on for the
daemon's configuration (`config.toml`, the active profile, ``--enable`` and
``--disable``), a page at a time.

Paging is `model/list`'s: the cursor is the index of the page's first flag,
the page size defaults to the whole table and is at least one, and a cursor
beyond the end is an error (one exactly at the end gives an empty page).
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
from ..errors import InvalidRequest
from .config_access import resolved_config
from .models import cursor_index
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
    total = len(FEATURES)
    start = cursor_index(params.cursor) if params.cursor is not None else 0
    if start > total:
        raise InvalidRequest(f"cursor {start} exceeds total feature flags {total}")
    page_size = max(params.limit if params.limit is not None else total, 1)
    end = min(start + page_size, total)
    return ExperimentalFeatureListResponse(
        data=[_listed(feature, enabled) for feature in FEATURES[start:end]],
        next_cursor=str(end) if end < total else None,
    )
