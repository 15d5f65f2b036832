"""Saved configuration and models: `getUserSavedConfig`, `setDefaultModel`, `model/list`."""

from __future__ import annotations

from pydantic import Field

from .._base import CamelModel, UInt64, skip_none
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
    network_access: bool | None = skip_none()
    exclude_tmpdir_env_var: bool | None = skip_none()
    exclude_slash_tmp: bool | None = skip_none()


class Tools(CamelModel):
    """The `[tools]` table of `config.toml`."""

    web_search: bool | None = skip_none()
    view_image: bool | None = skip_none()


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

    approval_policy: AskForApproval | None = skip_none()
    sandbox_mode: SandboxMode | None = skip_none()
    sandbox_settings: SandboxSettings | None = skip_none()
    forced_chatgpt_workspace_id: str | None = skip_none()
    forced_login_method: ForcedLoginMethod | None = skip_none()
    model: str | None = skip_none()
    model_reasoning_effort: ReasoningEffort | None = skip_none()
    model_reasoning_summary: ReasoningSummary | None = skip_none()
    model_verbosity: Verbosity | None = skip_none()
    tools: Tools | None = skip_none()
    profile: str | None = skip_none()
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


class ListModelsParams(CamelModel):
    page_size: UInt64 | None = None
    cursor: str | None = Field(default=None, description="The `nextCursor` of the previous page.")


class ReasoningEffortOption(CamelModel):
    reasoning_effort: ReasoningEffort
    description: str


class Model(CamelModel):
    """A model the daemon offers."""

    id: str
    model: str
    display_name: str
    description: str
    supported_reasoning_efforts: list[ReasoningEffortOption]
    default_reasoning_effort: ReasoningEffort
    is_default: bool = Field(description="True for exactly one model.")


class ListModelsResponse(CamelModel):
    items: list[Model]
    next_cursor: str | None = skip_none(
        "Pass it as `cursor` to get the next page; absent when nothing follows."
    )
