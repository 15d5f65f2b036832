"""Small shared values: identifiers, enumerations and the sandbox policy."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import Field
from typing_extensions import TypeAliasType

from ._base import PathText, SnakeModel, optional, optional_list

ConversationId = TypeAliasType("ConversationId", UUID)
"""A conversation's id: a UUID, written in its canonical hyphenated form."""

GitSha = TypeAliasType("GitSha", str)
"""A full git commit SHA in hex."""


class AskForApproval(StrEnum):
    """When the user is asked before a command proposed by the model runs."""

    UNTRUSTED = "untrusted"
    """Ask for everything except commands known to be read-only."""
    ON_FAILURE = "on-failure"
    """Run in the sandbox; ask only when a command fails there."""
    ON_REQUEST = "on-request"
    """The model decides when to ask."""
    NEVER = "never"
    """Never ask; failures go back to the model."""


class SandboxMode(StrEnum):
    """What a command proposed by the model may touch."""

    READ_ONLY = "read-only"
    WORKSPACE_WRITE = "workspace-write"
    DANGER_FULL_ACCESS = "danger-full-access"


class ReasoningEffort(StrEnum):
    """How much effort a reasoning model spends before it answers."""

    MINIMAL = "minimal"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ReasoningSummary(StrEnum):
    """How much of its reasoning a model summarises for the user."""

    AUTO = "auto"
    CONCISE = "concise"
    DETAILED = "detailed"
    NONE = "none"


class Verbosity(StrEnum):
    """How long and detailed the model's answers are (Responses API, GPT-5 models)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class AuthMode(StrEnum):
    """How the daemon is signed in."""

    API_KEY = "apikey"
    CHATGPT = "chatgpt"


class ForcedLoginMethod(StrEnum):
    """The only login method an administrator allows."""

    CHATGPT = "chatgpt"
    API = "api"


class ReviewDecision(StrEnum):
    """The user's answer to an approval request."""

    APPROVED = "approved"
    APPROVED_FOR_SESSION = "approved_for_session"
    """Approved, and the same request is not asked again in this conversation."""
    DENIED = "denied"
    """Not run; the model is told and the turn goes on."""
    ABORT = "abort"
    """Not run, and the turn ends."""


class TurnAbortReason(StrEnum):
    """Why a turn ended before the model finished."""

    INTERRUPTED = "interrupted"
    REPLACED = "replaced"
    REVIEW_ENDED = "review_ended"


class ReadOnlyAccessRestricted(SnakeModel):
    """Only the listed roots (and, optionally, the platform's defaults) are readable."""

    ts_inline: ClassVar[bool] = True
    type: Literal["restricted"] = "restricted"
    include_platform_defaults: bool = True
    readable_roots: list[str] = optional_list()


class ReadOnlyAccessFull(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["full-access"] = "full-access"


ReadOnlyAccess = TypeAliasType(
    "ReadOnlyAccess",
    Annotated[ReadOnlyAccessRestricted | ReadOnlyAccessFull, Field(discriminator="type")],
)
"""What commands may read under a sandbox."""


class SandboxPolicyDangerFullAccess(SnakeModel):
    """No restriction at all."""

    ts_inline: ClassVar[bool] = True
    mode: Literal["danger-full-access"] = "danger-full-access"

    @property
    def has_network(self) -> bool:
        return True


class SandboxPolicyReadOnly(SnakeModel):
    """The whole file system is read-only and the network is off."""

    ts_inline: ClassVar[bool] = True
    mode: Literal["read-only"] = "read-only"
    access: ReadOnlyAccess | None = optional("What may be read (everything when absent).")

    @property
    def has_network(self) -> bool:
        return False


class SandboxPolicyWorkspaceWrite(SnakeModel):
    """The working directory (and the listed roots) are writable, the rest is read-only."""

    ts_inline: ClassVar[bool] = True
    mode: Literal["workspace-write"] = "workspace-write"
    writable_roots: list[PathText] = optional_list(
        "Folders writable besides the working directory (and the temp folders)."
    )
    read_only_access: ReadOnlyAccess | None = optional("What may be read (everything when absent).")
    network_access: bool = Field(default=False, description="Whether outbound network is allowed.")
    exclude_tmpdir_env_var: bool = Field(
        default=False, description="Do not make the folder named by `TMPDIR` writable."
    )
    exclude_slash_tmp: bool = Field(default=False, description="Do not make `/tmp` writable.")

    @property
    def has_network(self) -> bool:
        """Whether commands under this policy may reach the network."""
        return self.network_access


SandboxPolicy = TypeAliasType(
    "SandboxPolicy",
    Annotated[
        SandboxPolicyDangerFullAccess | SandboxPolicyReadOnly | SandboxPolicyWorkspaceWrite,
        Field(discriminator="mode"),
    ],
)
"""Restrictions applied to commands that the model runs."""
