"""Configuration: `config/read`, `config/value/write`, `config/batchWrite` and
`configRequirements/read`. Config tables keep `config.toml`'s snake_case keys."""

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Field
from typing_extensions import TypeAliasType

from .._base import TS_BIGINT, CamelModel, JsonValue, SnakeModel, skip_none
from .common import AskForApproval, SandboxMode
from .shared import (
    AbsolutePathBuf,
    ForcedLoginMethod,
    ReasoningEffort,
    ReasoningSummary,
    Verbosity,
    WebSearchMode,
)


class SandboxWorkspaceWrite(SnakeModel):
    """The `[sandbox_workspace_write]` table of `config.toml`."""

    writable_roots: list[str]
    network_access: bool
    exclude_tmpdir_env_var: bool
    exclude_slash_tmp: bool


class ToolsV2(SnakeModel):
    """The `[tools]` table of `config.toml`."""

    web_search: bool | None = None
    view_image: bool | None = None


class ProfileV2(SnakeModel):
    """A `[profiles.NAME]` table of `config.toml`. Keys not listed here are kept as they are."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, JsonValue] = Field(init=False)

    model: str | None = None
    model_provider: str | None = None
    approval_policy: AskForApproval | None = None
    model_reasoning_effort: ReasoningEffort | None = None
    model_reasoning_summary: ReasoningSummary | None = None
    model_verbosity: Verbosity | None = None
    web_search: WebSearchMode | None = None
    chatgpt_base_url: str | None = None


class AnalyticsConfig(SnakeModel):
    """The `[analytics]` table of `config.toml`. Keys not listed here are kept as they are."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, JsonValue] = Field(init=False)

    enabled: bool | None = None


class AppToolApproval(StrEnum):
    """Whether an app's tool runs without asking."""

    AUTO = "auto"
    PROMPT = "prompt"
    APPROVE = "approve"


class AppToolConfig(SnakeModel):
    ts_inline: ClassVar[bool] = True
    enabled: bool | None = None
    approval_mode: AppToolApproval | None = None


AppToolsConfig = TypeAliasType("AppToolsConfig", dict[str, AppToolConfig])
"""Settings of an app's tools, by tool name."""


class AppsDefaultConfig(SnakeModel):
    """Defaults for every app."""

    enabled: bool
    destructive_enabled: bool
    open_world_enabled: bool


class AppConfig(SnakeModel):
    """The `[apps.NAME]` table of `config.toml`."""

    ts_inline: ClassVar[bool] = True
    enabled: bool
    destructive_enabled: bool | None = None
    open_world_enabled: bool | None = None
    default_tools_approval_mode: AppToolApproval | None = None
    default_tools_enabled: bool | None = None
    tools: AppToolsConfig | None = None


class AppsConfig(SnakeModel):
    """The `[apps]` table of `config.toml`: defaults (`_default`) and each app by name."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, AppConfig] = Field(init=False)

    default: AppsDefaultConfig | None = Field(default=None, alias="_default")


class Config(SnakeModel):
    """The effective configuration, with `config.toml`'s key names. Keys not listed here are kept as
    they are."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, JsonValue] = Field(init=False)

    model: str | None = None
    review_model: str | None = None
    model_context_window: Annotated[int, TS_BIGINT] | None = None
    model_auto_compact_token_limit: Annotated[int, TS_BIGINT] | None = None
    model_provider: str | None = None
    approval_policy: AskForApproval | None = None
    sandbox_mode: SandboxMode | None = None
    sandbox_workspace_write: SandboxWorkspaceWrite | None = None
    forced_chatgpt_workspace_id: str | None = None
    forced_login_method: ForcedLoginMethod | None = None
    web_search: WebSearchMode | None = None
    tools: ToolsV2 | None = None
    profile: str | None = None
    profiles: dict[str, ProfileV2] = Field(default_factory=dict)
    instructions: str | None = None
    developer_instructions: str | None = None
    compact_prompt: str | None = None
    model_reasoning_effort: ReasoningEffort | None = None
    model_reasoning_summary: ReasoningSummary | None = None
    model_verbosity: Verbosity | None = None
    analytics: AnalyticsConfig | None = None
    apps: AppsConfig | None = None


class ConfigLayerSourceMdm(CamelModel):
    """A managed preference (macOS MDM)."""

    ts_inline: ClassVar[bool] = True
    type: Literal["mdm"] = "mdm"
    domain: str
    key: str


class ConfigLayerSourceSystem(CamelModel):
    """The system-wide `config.toml` (which may not exist)."""

    ts_inline: ClassVar[bool] = True
    type: Literal["system"] = "system"
    file: AbsolutePathBuf


class ConfigLayerSourceUser(CamelModel):
    """The user's `config.toml` (which may not exist)."""

    ts_inline: ClassVar[bool] = True
    type: Literal["user"] = "user"
    file: AbsolutePathBuf


class ConfigLayerSourceProject(CamelModel):
    """A project's `.codex` folder."""

    ts_inline: ClassVar[bool] = True
    type: Literal["project"] = "project"
    dot_codex_folder: AbsolutePathBuf


class ConfigLayerSourceSessionFlags(CamelModel):
    """Overrides given for this session (`-c key=value`, request settings)."""

    ts_inline: ClassVar[bool] = True
    type: Literal["sessionFlags"] = "sessionFlags"


class ConfigLayerSourceLegacyManagedConfigTomlFromFile(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["legacyManagedConfigTomlFromFile"] = "legacyManagedConfigTomlFromFile"
    file: AbsolutePathBuf


class ConfigLayerSourceLegacyManagedConfigTomlFromMdm(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["legacyManagedConfigTomlFromMdm"] = "legacyManagedConfigTomlFromMdm"


ConfigLayerSource = TypeAliasType(
    "ConfigLayerSource",
    Annotated[
        ConfigLayerSourceMdm
        | ConfigLayerSourceSystem
        | ConfigLayerSourceUser
        | ConfigLayerSourceProject
        | ConfigLayerSourceSessionFlags
        | ConfigLayerSourceLegacyManagedConfigTomlFromFile
        | ConfigLayerSourceLegacyManagedConfigTomlFromMdm,
        Field(discriminator="type"),
    ],
)
"""Where a layer of configuration comes from."""


class ConfigLayerMetadata(CamelModel):
    """A layer, and the version of its contents."""

    name: ConfigLayerSource
    version: str


class ConfigLayer(CamelModel):
    """One layer of configuration and its contents."""

    name: ConfigLayerSource
    version: str
    config: JsonValue
    disabled_reason: str | None = skip_none()
    """Why the layer is ignored (left out when it is not)."""


class ConfigReadParams(CamelModel):
    """Read the effective configuration, as seen from `cwd` (project layers included) when given."""

    include_layers: bool = False
    cwd: str | None = None


class ConfigReadResponse(CamelModel):
    """The effective configuration, which layer each key comes from, and the layers when asked."""

    config: Config
    origins: dict[str, ConfigLayerMetadata]
    layers: list[ConfigLayer] | None = None


class MergeStrategy(StrEnum):
    """How a written value meets the one already there: replace it, or merge tables into it."""

    REPLACE = "replace"
    UPSERT = "upsert"


class ConfigEdit(CamelModel):
    """One change: a value for a dotted key path."""

    key_path: str
    value: JsonValue
    merge_strategy: MergeStrategy


class ConfigValueWriteParams(CamelModel):
    """Write one value into a config file (the user's `config.toml` unless `filePath` says
    otherwise); `expectedVersion` guards against concurrent edits."""

    key_path: str
    value: JsonValue
    merge_strategy: MergeStrategy
    file_path: str | None = None
    expected_version: str | None = None


class ConfigBatchWriteParams(CamelModel):
    """Write several values at once, all or none."""

    edits: list[ConfigEdit]
    file_path: str | None = None
    expected_version: str | None = None


class WriteStatus(StrEnum):
    """Written; `okOverridden` when a higher layer still overrides the value."""

    OK = "ok"
    OK_OVERRIDDEN = "okOverridden"


class OverriddenMetadata(CamelModel):
    """The layer that overrides a written value, and the value in effect."""

    message: str
    overriding_layer: ConfigLayerMetadata
    effective_value: JsonValue


class ConfigWriteResponse(CamelModel):
    """The result of a write, with the file's new version."""

    status: WriteStatus
    version: str
    file_path: AbsolutePathBuf
    overridden_metadata: OverriddenMetadata | None = None


class ResidencyRequirement(StrEnum):
    """Where data must stay."""

    US = "us"


class NetworkRequirements(CamelModel):
    """Network rules an administrator requires."""

    enabled: bool | None = None
    http_port: int | None = None
    socks_port: int | None = None
    allow_upstream_proxy: bool | None = None
    dangerously_allow_non_loopback_proxy: bool | None = None
    dangerously_allow_non_loopback_admin: bool | None = None
    dangerously_allow_all_unix_sockets: bool | None = None
    allowed_domains: list[str] | None = None
    denied_domains: list[str] | None = None
    allow_unix_sockets: list[str] | None = None
    allow_local_binding: bool | None = None


class ConfigRequirements(CamelModel):
    """What an administrator allows (`requirements.toml`, MDM); null where nothing is required."""

    allowed_approval_policies: list[AskForApproval] | None = None
    allowed_sandbox_modes: list[SandboxMode] | None = None
    allowed_web_search_modes: list[WebSearchMode] | None = None
    enforce_residency: ResidencyRequirement | None = None
    network: NetworkRequirements | None = None


class ConfigRequirementsReadResponse(CamelModel):
    """The requirements, null when none are configured."""

    requirements: ConfigRequirements | None = None
