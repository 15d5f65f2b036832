"""Saved configuration and models: `getUserSavedConfig`, `setDefaultModel`, `model/list`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

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


class ListModelsParams(CamelModel):
    cursor: str | None = Field(default=None, description="The `nextCursor` of the previous page.")
    limit: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="How many models to return (all when absent)."
    )
    include_hidden: bool | None = Field(
        default=None, description="Also list the models hidden from pickers."
    )


class ReasoningEffortOption(CamelModel):
    reasoning_effort: ReasoningEffort
    description: str


class InputModality(StrEnum):
    TEXT = "text"
    IMAGE = "image"


class ModelUpgradeInfo(CamelModel):
    """A newer model that replaces this one."""

    model: str
    upgrade_copy: str | None = None
    model_link: str | None = None
    migration_markdown: str | None = None


class ModelAvailabilityNux(CamelModel):
    message: str


class Model(CamelModel):
    """A model the daemon offers."""

    id: str
    model: str
    upgrade: str | None = None
    upgrade_info: ModelUpgradeInfo | None = None
    availability_nux: ModelAvailabilityNux | None = None
    display_name: str
    description: str
    hidden: bool = False
    supported_reasoning_efforts: list[ReasoningEffortOption]
    default_reasoning_effort: ReasoningEffort
    input_modalities: list[InputModality] = Field(
        default_factory=lambda: [InputModality.TEXT, InputModality.IMAGE]
    )
    supports_personality: bool = False
    is_default: bool = Field(description="True for exactly one model.")


class ListModelsResponse(CamelModel):
    data: list[Model]
    next_cursor: str | None = Field(
        default=None,
        description="Pass it as `cursor` to get the next page; null when nothing follows.",
    )
