"""``experimentalFeature/list``: the feature flags 0.107.0 knows, each enabled
as ``[features]`` (and the daemon's ``--enable``/``--disable``) say, else by
its default; a page at a time (the reference's paging, see `paging`)."""

from __future__ import annotations

from app_server_protocol import methods
from app_server_protocol.v2.features import (
    ExperimentalFeature,
    ExperimentalFeatureListParams,
    ExperimentalFeatureListResponse,
)

from ..app import RequestContext
from ..feature_flags import FEATURES, FeatureSpec
from .config_access import resolved_config
from .paging import page
from .registry import handles


@handles(methods.EXPERIMENTAL_FEATURE_LIST)
def list_features(
    params: ExperimentalFeatureListParams, ctx: RequestContext
) -> ExperimentalFeatureListResponse:
    config = resolved_config(ctx)
    explicit = config.toml.features
    switched_on, switched_off = ctx.app.config.feature_switches

    def enabled(spec: FeatureSpec) -> bool:
        if spec.name in switched_off:
            return False
        if spec.name in switched_on:
            return True
        return explicit.get(spec.name, spec.default_enabled)

    listed = [
        ExperimentalFeature(
            name=spec.name,
            stage=spec.stage,
            display_name=spec.display_name,
            description=spec.description,
            announcement=spec.announcement,
            enabled=enabled(spec),
            default_enabled=spec.default_enabled,
        )
        for spec in FEATURES
    ]
    data, next_cursor = page(listed, params.cursor, params.limit, "feature flags")
    return ExperimentalFeatureListResponse(data=data, next_cursor=next_cursor)
