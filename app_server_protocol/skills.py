"""Skills (instruction folders with a ``SKILL.md``): the events that list them.
The daemon sends none of these; the models keep the reference's events readable."""

from enum import StrEnum
from typing import ClassVar, Literal

from ._base import SnakeModel, optional


class SkillScope(StrEnum):
    USER = "user"
    REPO = "repo"
    SYSTEM = "system"
    ADMIN = "admin"


class SkillInterface(SnakeModel):
    display_name: str | None = optional()
    short_description: str | None = optional()
    icon_small: str | None = optional()
    icon_large: str | None = optional()
    brand_color: str | None = optional()
    default_prompt: str | None = optional()


class SkillToolDependency(SnakeModel):
    type: str
    value: str
    description: str | None = optional()
    transport: str | None = optional()
    command: str | None = optional()
    url: str | None = optional()


class SkillDependencies(SnakeModel):
    tools: list[SkillToolDependency]


class SkillMetadata(SnakeModel):
    name: str
    description: str
    short_description: str | None = optional()
    interface: SkillInterface | None = optional()
    dependencies: SkillDependencies | None = optional()
    path: str
    scope: SkillScope
    enabled: bool


class SkillErrorInfo(SnakeModel):
    path: str
    message: str


class SkillsListEntry(SnakeModel):
    cwd: str
    skills: list[SkillMetadata]
    errors: list[SkillErrorInfo]


class RemoteSkillSummary(SnakeModel):
    id: str
    name: str
    description: str


class ListSkillsResponseEvent(SnakeModel):
    type: Literal["list_skills_response"] = "list_skills_response"
    skills: list[SkillsListEntry]


class ListRemoteSkillsResponseEvent(SnakeModel):
    type: Literal["list_remote_skills_response"] = "list_remote_skills_response"
    skills: list[RemoteSkillSummary]


class RemoteSkillDownloadedEvent(SnakeModel):
    type: Literal["remote_skill_downloaded"] = "remote_skill_downloaded"
    id: str
    name: str
    path: str


class SkillsUpdateAvailableEvent(SnakeModel):
    """The skills on disk changed."""

    ts_inline: ClassVar[bool] = True
    type: Literal["skills_update_available"] = "skills_update_available"
