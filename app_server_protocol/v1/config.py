"""Saved configuration and models: `getUserSavedConfig`, `setDefaultModel`, `model/list`."""

from pydantic import Field

from .._base import CamelModel
from ..common import (
    AskForApproval,
    ForcedLoginMethod,
    ReasoningEffort,
    ReasoningSummary,
    SandboxMode,
    Verbosity,
)


class SandboxSettings(CamelModel):
    """The `[sandbox_workspace_write]` table of `config.toml`."""

    writable_roots: list[str] = Field(default_factory=list)
    network_access: bool | None = None
    exclude_tmpdir_env_var: bool | None = None
    exclude_slash_tmp: bool | None = None


class Tools(CamelModel):
    """The `[tools]` table of `config.toml`."""

    web_search: bool | None = None
    view_image: bool | None = None


class Profile(CamelModel):
    """A `[profiles.NAME]` table of `config.toml`; unset keys are null."""

    model: str | None = None
    model_provider: str | None = Field(default=None, description="A key of `model_providers`.")
    approval_policy: AskForApproval | None = None
    model_reasoning_effort: ReasoningEffort | None = None
    model_reasoning_summary: ReasoningSummary | None = None
    model_verbosity: Verbosity | None = None
    chatgpt_base_url: str | None = None


class UserSavedConfig(CamelModel):
    """The settings of `config.toml` that a client may show or change."""

    approval_policy: AskForApproval | None = None
    sandbox_mode: SandboxMode | None = None
    sandbox_settings: SandboxSettings | None = None
    forced_chatgpt_workspace_id: str | None = None
    forced_login_method: ForcedLoginMethod | None = None
    model: str | None = None
    model_reasoning_effort: ReasoningEffort | None = None
    model_reasoning_summary: ReasoningSummary | None = None
    model_verbosity: Verbosity | None = None
    tools: Tools | None = None
    profile: str | None = None
    profiles: dict[str, Profile] = Field(default_factory=dict)


class GetUserSavedConfigResponse(CamelModel):
    config: UserSavedConfig


class SetDefaultModelParams(CamelModel):
    model: str | None = Field(
        default=None, description="The new default model; absent or null removes the setting."
    )
    reasoning_effort: ReasoningEffort | None = Field(
        default=None, description="The new default effort; absent or null removes the setting."
    )


class SetDefaultModelResponse(CamelModel):
    pass


class ReasoningEffortOption(CamelModel):
    reasoning_effort: ReasoningEffort
    description: str


class Model(CamelModel):
    """A model the daemon offers (a preset; `model/list` answers with the v2 shape)."""

    id: str
    model: str
    display_name: str
    description: str
    supported_reasoning_efforts: list[ReasoningEffortOption]
    default_reasoning_effort: ReasoningEffort
    is_default: bool = Field(description="True for exactly one model.")
