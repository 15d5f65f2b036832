"""Values describing commands, file changes and their assessment."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field
from typing_extensions import TypeAliasType

from ._base import SnakeModel, TsType, optional_list


class Duration(SnakeModel):
    """A duration as the reference writes it: whole seconds and nanoseconds.

    The reference's TypeScript declares durations as `string`; ours keeps that
    declaration for compatibility, but the wire carries this object.
    """

    secs: int
    nanos: int

    @classmethod
    def from_seconds(cls, seconds: float) -> Duration:
        # Rounded as a whole, so that the nanoseconds stay below one second.
        secs, nanos = divmod(round(seconds * 1_000_000_000), 1_000_000_000)
        return cls(secs=secs, nanos=nanos)


#: A `Duration` field, declared `string` in TypeScript as the reference does.
WireDuration = Annotated[Duration, TsType("string")]


class ParsedCommandRead(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["read"] = "read"
    cmd: str
    name: str
    path: str = Field(description="The file read, as the command names it (joined to any `cd`).")


class ParsedCommandListFiles(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["list_files"] = "list_files"
    cmd: str
    path: str | None = None


class ParsedCommandSearch(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["search"] = "search"
    cmd: str
    query: str | None = None
    path: str | None = None


class ParsedCommandUnknown(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["unknown"] = "unknown"
    cmd: str


ParsedCommand = TypeAliasType(
    "ParsedCommand",
    Annotated[
        ParsedCommandRead | ParsedCommandListFiles | ParsedCommandSearch | ParsedCommandUnknown,
        Field(discriminator="type"),
    ],
)
"""What a command does, as far as the daemon can tell (for display)."""


class ExecOutputStream(StrEnum):
    STDOUT = "stdout"
    STDERR = "stderr"


class FileAdd(SnakeModel):
    ts_inline: ClassVar[bool] = True
    content: str


class FileDelete(SnakeModel):
    ts_inline: ClassVar[bool] = True
    content: str


class FileUpdate(SnakeModel):
    ts_inline: ClassVar[bool] = True
    unified_diff: str
    move_path: str | None = None


class FileChangeAdd(SnakeModel):
    ts_inline: ClassVar[bool] = True
    add: FileAdd


class FileChangeDelete(SnakeModel):
    ts_inline: ClassVar[bool] = True
    delete: FileDelete


class FileChangeUpdate(SnakeModel):
    ts_inline: ClassVar[bool] = True
    update: FileUpdate


FileChange = TypeAliasType("FileChange", FileChangeAdd | FileChangeDelete | FileChangeUpdate)
"""A change to one file: added (with its content), deleted, or updated (with a diff)."""


class SandboxRiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class SandboxRiskCategory(StrEnum):
    DATA_DELETION = "data_deletion"
    DATA_EXFILTRATION = "data_exfiltration"
    PRIVILEGE_ESCALATION = "privilege_escalation"
    SYSTEM_MODIFICATION = "system_modification"
    NETWORK_ACCESS = "network_access"
    RESOURCE_EXHAUSTION = "resource_exhaustion"
    COMPLIANCE = "compliance"


class SandboxCommandAssessment(SnakeModel):
    """An assessment of how risky a command is."""

    description: str
    risk_level: SandboxRiskLevel
    risk_categories: list[SandboxRiskCategory] = optional_list()
