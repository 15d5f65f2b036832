"""The shape of `config.toml`, and the resolved configuration a conversation runs with.

`ConfigToml` mirrors the file (every key optional, unknown keys ignored, as
the reference does, but in the strictly checked `[shell_environment_policy]`);
`Config` is what comes out of layering the file, the managed config, the
active profile and the overrides: every value decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
)

from app_server_protocol.common import (
    ApprovalMode,
    ForcedLoginMethod,
    ReasoningEffort,
    ReasoningSummary,
    SandboxMode,
    SandboxPolicy,
    Verbosity,
)

from .mcp import McpCredentialsStore, McpServerConfig, check_transports
from .otel import OtelToml

DEFAULT_MODEL: Final = "gpt-5-codex"
DEFAULT_PROVIDER_ID: Final = "openai"
DEFAULT_CHATGPT_BASE_URL: Final = "https://chatgpt.com/backend-api/"
DEFAULT_REQUEST_MAX_RETRIES: Final = 4
DEFAULT_STREAM_MAX_RETRIES: Final = 5
DEFAULT_STREAM_IDLE_TIMEOUT_MS: Final = 300_000
#: Retries are capped whatever the file says.
MAX_RETRIES_CAP: Final = 100


class _Toml(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class WireApi(StrEnum):
    """Which API a model provider speaks."""

    RESPONSES = "responses"
    CHAT = "chat"


class CredentialsStore(StrEnum):
    """Where the daemon keeps the user's credentials."""

    FILE = "file"
    KEYRING = "keyring"
    AUTO = "auto"


class ModelProviderInfo(_Toml):
    """A `[model_providers.NAME]` table: how to reach a model provider."""

    name: str = ""
    base_url: str | None = None
    env_key: str | None = Field(
        default=None, description="The environment variable holding the provider's API key."
    )
    env_key_instructions: str | None = None
    wire_api: WireApi = WireApi.RESPONSES
    query_params: dict[str, str] | None = None
    http_headers: dict[str, str] | None = None
    env_http_headers: dict[str, str] | None = Field(
        default=None, description="Header name -> environment variable holding its value."
    )
    request_max_retries: int | None = Field(default=None, ge=0)
    stream_max_retries: int | None = Field(default=None, ge=0)
    stream_idle_timeout_ms: int | None = Field(default=None, ge=0)
    requires_openai_auth: bool = False

    @property
    def effective_request_max_retries(self) -> int:
        value = self.request_max_retries
        return min(DEFAULT_REQUEST_MAX_RETRIES if value is None else value, MAX_RETRIES_CAP)

    @property
    def effective_stream_max_retries(self) -> int:
        value = self.stream_max_retries
        return min(DEFAULT_STREAM_MAX_RETRIES if value is None else value, MAX_RETRIES_CAP)

    @property
    def effective_stream_idle_timeout_s(self) -> float:
        value = self.stream_idle_timeout_ms
        return (DEFAULT_STREAM_IDLE_TIMEOUT_MS if value is None else value) / 1000


class SandboxWorkspaceWriteToml(_Toml):
    """The `[sandbox_workspace_write]` table."""

    writable_roots: list[str] = Field(default_factory=list)
    network_access: bool = False
    exclude_tmpdir_env_var: bool = False
    exclude_slash_tmp: bool = False


class ShellEnvironmentPolicyToml(BaseModel):
    """The `[shell_environment_policy]` table: which variables a command gets.

    Checked strictly, unlike the rest of the file: a wrong type or an unknown
    key is an error naming the key, never a default. Read loosely, a typo
    (``inherit = "nnone"``, ``ignore_default_excludes = "false"``, a string
    for ``exclude``, a misspelt key) would hand the commands the daemon's
    credentials.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    inherit: Literal["core", "all", "none"] = "all"
    ignore_default_excludes: StrictBool = False
    exclude: list[StrictStr] = Field(default_factory=list)
    overrides: dict[StrictStr, StrictStr] = Field(default_factory=dict, alias="set")
    include_only: list[StrictStr] = Field(default_factory=list)
    experimental_use_profile: StrictBool = False


class ToolsToml(_Toml):
    """The `[tools]` table."""

    web_search: bool | None = Field(
        default=None, validation_alias=AliasChoices("web_search", "web_search_request")
    )
    view_image: bool | None = None


class ProfileToml(_Toml):
    """A `[profiles.NAME]` table: settings applied together when the profile is active."""

    model: str | None = None
    model_provider: str | None = None
    approval_policy: ApprovalMode | None = None
    sandbox_mode: SandboxMode | None = None
    model_reasoning_effort: ReasoningEffort | None = None
    model_reasoning_summary: ReasoningSummary | None = None
    model_verbosity: Verbosity | None = None
    chatgpt_base_url: str | None = None
    features: dict[str, bool] = Field(default_factory=dict)


class ConfigToml(_Toml):
    """`config.toml` (after `managed_config.toml` and overrides are merged into it)."""

    model: str | None = None
    review_model: str | None = None
    """The model of reviews (`review/start`); None: the thread's model."""
    model_provider: str | None = None
    model_providers: dict[str, ModelProviderInfo] = Field(default_factory=dict)
    approval_policy: ApprovalMode | None = None
    sandbox_mode: SandboxMode | None = None
    sandbox_workspace_write: SandboxWorkspaceWriteToml | None = None
    model_reasoning_effort: ReasoningEffort | None = None
    model_reasoning_summary: ReasoningSummary | None = None
    model_verbosity: Verbosity | None = None
    web_search: Literal["disabled", "cached", "live"] | None = None
    """Whether turns offer the provider's ``web_search`` tool, and how fresh its results are."""
    model_context_window: int | None = Field(default=None, ge=0)
    model_max_output_tokens: int | None = Field(default=None, ge=0)
    model_auto_compact_token_limit: int | None = None
    """Token usage at which a thread compacts its history by itself."""
    tool_output_token_limit: int | None = Field(default=None, ge=0)
    """Tokens of a tool's output the model is shown (see `agent.output_policy`)."""
    compact_prompt: str | None = None
    """What the model is asked to summarise a thread with (instead of ours)."""
    profile: str | None = None
    profiles: dict[str, ProfileToml] = Field(default_factory=dict)
    forced_login_method: ForcedLoginMethod | None = None
    forced_chatgpt_workspace_id: str | None = None
    tools: ToolsToml | None = None
    chatgpt_base_url: str | None = None
    cli_auth_credentials_store: CredentialsStore | None = None
    instructions: str | None = None
    developer_instructions: str | None = None
    personality: Literal["none", "friendly", "pragmatic"] | None = None
    experimental_instructions_file: str | None = None
    project_doc_max_bytes: int | None = Field(default=None, ge=0)
    features: dict[str, bool] = Field(default_factory=dict)
    model_catalog_json: str | None = None
    """A JSON file of models (``{"models": [...]}``) the daemon reads each
    model's ``experimental_supported_tools`` from."""
    mcp_servers: Annotated[dict[str, McpServerConfig], BeforeValidator(check_transports)] = Field(
        default_factory=dict
    )
    mcp_oauth_credentials_store: McpCredentialsStore | None = None
    shell_environment_policy: ShellEnvironmentPolicyToml = Field(
        default_factory=ShellEnvironmentPolicyToml
    )
    otel: OtelToml | None = None


@dataclass(frozen=True)
class Config:
    """Every setting a conversation runs with, decided."""

    codex_home: Path
    cwd: Path
    model: str
    model_provider_id: str
    model_provider: ModelProviderInfo
    approval_policy: ApprovalMode
    sandbox_policy: SandboxPolicy
    model_reasoning_effort: ReasoningEffort | None
    model_reasoning_summary: ReasoningSummary
    model_verbosity: Verbosity | None
    model_context_window: int | None
    model_max_output_tokens: int | None
    base_instructions: str | None
    """Instructions replacing the built-in ones (None: the built-in ones)."""
    developer_instructions: str | None
    """Sent to the model as a developer message at the start of a new thread."""
    personality: str | None
    """The tone asked of the model (``none``, ``friendly``, ``pragmatic``)."""
    user_instructions: str | None
    """`instructions` from the config, added to the project's AGENTS.md ones."""
    include_apply_patch_tool: bool
    tools_web_search: bool
    tools_view_image: bool
    chatgpt_base_url: str
    forced_login_method: ForcedLoginMethod | None
    forced_chatgpt_workspace_id: str | None
    credentials_store: CredentialsStore
    project_doc_max_bytes: int
    features: frozenset[str]
    """The feature flags that are on (see `features.enabled_features`)."""
    toml: ConfigToml
    """The merged file the values were resolved from."""
    active_profile: str | None = None
    mcp_servers: dict[str, McpServerConfig] = field(default_factory=dict)
    """The `[mcp_servers.NAME]` tables, by name (disabled ones included)."""
    mcp_oauth_credentials_store: McpCredentialsStore = McpCredentialsStore.AUTO
