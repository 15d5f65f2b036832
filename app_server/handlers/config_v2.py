"""`config/read`, `config/value/write`, `config/batchWrite` and
`configRequirements/read`: the configuration as layers, and edits of the
user's `config.toml`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from app_server_protocol import methods
from app_server_protocol._base import JsonValue
from app_server_protocol.v2.config import (
    Config,
    ConfigBatchWriteParams,
    ConfigLayer,
    ConfigLayerMetadata,
    ConfigLayerSource,
    ConfigLayerSourceLegacyManagedConfigTomlFromFile,
    ConfigLayerSourceSessionFlags,
    ConfigLayerSourceSystem,
    ConfigLayerSourceUser,
    ConfigReadParams,
    ConfigReadResponse,
    ConfigValueWriteParams,
    ConfigWriteResponse,
    MergeStrategy,
    OverriddenMetadata,
    WriteStatus,
)

from ..app import RequestContext
from ..config.layer_view import Layer, merged, origins
from ..config.layers import ConfigError, split_dotted
from ..config.model import ConfigToml
from ..config.write import ConfigWriteError, ValueEdit
from ..errors import InternalError, InvalidRequest
from .registry import handles

#: `[sandbox_workspace_write]`'s defaults, for a table that sets only some keys.
_WORKSPACE_WRITE_DEFAULTS: Mapping[str, Any] = {
    "writable_roots": [],
    "network_access": False,
    "exclude_tmpdir_env_var": False,
    "exclude_slash_tmp": False,
}


def _source(layer: Layer) -> ConfigLayerSource:
    file = str(layer.file)
    if layer.kind == "user":
        return ConfigLayerSourceUser(file=file)
    if layer.kind == "system":
        return ConfigLayerSourceSystem(file=file)
    if layer.kind == "legacyManagedConfigTomlFromFile":
        return ConfigLayerSourceLegacyManagedConfigTomlFromFile(file=file)
    return ConfigLayerSourceSessionFlags()


def _metadata(layer: Layer) -> ConfigLayerMetadata:
    return ConfigLayerMetadata(name=_source(layer), version=layer.version)


async def _layers(ctx: RequestContext) -> list[Layer]:
    try:
        return await ctx.app.config.layers()
    except ConfigError as exc:
        raise InternalError(f"failed to read configuration layers: {exc}") from None


def _effective(table: Mapping[str, Any]) -> Config:
    try:
        ConfigToml.model_validate(table)
        shown = dict(table)
        workspace_write = shown.get("sandbox_workspace_write")
        if isinstance(workspace_write, Mapping):
            shown["sandbox_workspace_write"] = {**_WORKSPACE_WRITE_DEFAULTS, **workspace_write}
        # Dates and times (TOML has them, JSON does not) as their TOML text.
        return Config.model_validate(_json(shown))
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InternalError(f"invalid configuration: {first['msg']}\nin `{where}`\n") from None


@handles(methods.CONFIG_READ)
async def read_config(params: ConfigReadParams, ctx: RequestContext) -> ConfigReadResponse:
    layers = await _layers(ctx)
    config = _effective(merged(layers))
    return ConfigReadResponse(
        config=config,
        origins={path: _metadata(layer) for path, layer in origins(layers).items()},
        layers=[
            ConfigLayer(name=_source(layer), version=layer.version, config=_json(layer.table))
            for layer in layers
        ]
        if params.include_layers
        else None,
    )


def _json(value: Any) -> JsonValue:
    """A TOML value as JSON (dates and times as their TOML text)."""
    if isinstance(value, Mapping):
        return {str(key): _json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@handles(methods.CONFIG_VALUE_WRITE)
async def write_config_value(
    params: ConfigValueWriteParams, ctx: RequestContext
) -> ConfigWriteResponse:
    edit = ValueEdit(
        key_path=params.key_path,
        value=params.value,
        upsert=params.merge_strategy is MergeStrategy.UPSERT,
    )
    return await _write(ctx, [edit], params.file_path, params.expected_version)


@handles(methods.CONFIG_BATCH_WRITE)
async def batch_write_config(
    params: ConfigBatchWriteParams, ctx: RequestContext
) -> ConfigWriteResponse:
    edits = [
        ValueEdit(
            key_path=edit.key_path,
            value=edit.value,
            upsert=edit.merge_strategy is MergeStrategy.UPSERT,
        )
        for edit in params.edits
    ]
    return await _write(ctx, edits, params.file_path, params.expected_version)


async def _write(
    ctx: RequestContext,
    edits: Sequence[ValueEdit],
    file_path: str | None,
    expected_version: str | None,
) -> ConfigWriteResponse:
    try:
        result = await ctx.app.config.write_values(edits, file_path, expected_version)
    except ConfigWriteError as exc:
        raise InvalidRequest(exc.message, {"config_write_error_code": exc.code}) from None
    except ConfigError as exc:
        raise InternalError(f"failed to load configuration: {exc}") from None
    overridden = _overridden(await _layers(ctx), edits)
    return ConfigWriteResponse(
        status=WriteStatus.OK if overridden is None else WriteStatus.OK_OVERRIDDEN,
        version=result.version,
        file_path=str(result.path),
        overridden_metadata=overridden,
    )


def _value_at(table: Mapping[str, Any], parts: Sequence[str]) -> tuple[bool, Any]:
    node: Any = table
    for part in parts:
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _overridden(layers: Sequence[Layer], edits: Sequence[ValueEdit]) -> OverriddenMetadata | None:
    """The first edit whose value a layer above the user's replaces."""
    effective = merged(layers)
    user = next(layer for layer in layers if layer.kind == "user")
    for edit in edits:
        try:
            parts = split_dotted(edit.key_path)
        except ConfigError:
            continue
        in_user, user_value = _value_at(user.table, parts)
        in_effect, effective_value = _value_at(effective, parts)
        if in_user == in_effect and user_value == effective_value:
            continue
        above = next(
            (
                layer
                for layer in layers
                if layer.kind != "user"
                and layer.kind != "system"
                and _value_at(layer.table, parts)[0]
            ),
            None,
        )
        if above is None:
            continue
        return OverriddenMetadata(
            message=f"{edit.key_path} is overridden by a higher-precedence layer ({above.kind})",
            overriding_layer=_metadata(above),
            effective_value=_json(effective_value),
        )
    return None
