"""Values describing commands, file changes and their assessment."""

from enum import StrEnum
from typing import Annotated, ClassVar, Literal, Self

from pydantic import Field
from typing_extensions import TypeAliasType

from ._base import SnakeModel, TsType


class Duration(SnakeModel):
    """A duration as the reference writes it: whole seconds and nanoseconds.

    The reference's TypeScript declares durations as `string`; ours keeps that
    declaration for compatibility, but the wire carries this object.
    """

    secs: int
    nanos: int

    @classmethod
    def from_seconds(cls, seconds: float) -> Self:
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


class ExecCommandSource(StrEnum):
    """What started a command."""

    AGENT = "agent"
    USER_SHELL = "user_shell"
    UNIFIED_EXEC_STARTUP = "unified_exec_startup"
    UNIFIED_EXEC_INTERACTION = "unified_exec_interaction"


class ExecCommandStatus(StrEnum):
    """How a command ended."""

    COMPLETED = "completed"
    FAILED = "failed"
    DECLINED = "declined"


class PatchApplyStatus(StrEnum):
    """How applying a patch ended."""

    COMPLETED = "completed"
    FAILED = "failed"
    DECLINED = "declined"


class FileChangeAdd(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["add"] = "add"
    content: str


class FileChangeDelete(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["delete"] = "delete"
    content: str = Field(description="The content of the file before it was deleted.")


class FileChangeUpdate(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["update"] = "update"
    unified_diff: str
    move_path: str | None = None


FileChange = TypeAliasType(
    "FileChange",
    Annotated[FileChangeAdd | FileChangeDelete | FileChangeUpdate, Field(discriminator="type")],
)
"""A change to one file: added (with its content), deleted, or updated (with a diff)."""
