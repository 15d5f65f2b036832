"""Small v2 values shared by several domains: approval and sandbox policies,
where a thread came from, git metadata, text spans."""

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field
from typing_extensions import TypeAliasType

from .._base import CamelModel, SnakeModel, UInt64
from .shared import AbsolutePathBuf, SubAgentSource


class RejectApprovals(SnakeModel):
    ts_inline: ClassVar[bool] = True
    sandbox_approval: bool
    """Refuse, without asking, commands that need to leave the sandbox."""
    rules: bool
    """Refuse, without asking, commands that an exec-policy rule would prompt for."""
    mcp_elicitations: bool
    """Refuse, without asking, MCP servers' elicitation requests."""


class AskForApprovalReject(SnakeModel):
    """Like `on-request`, but the chosen kinds of request are refused instead of asked."""

    ts_inline: ClassVar[bool] = True
    reject: RejectApprovals


AskForApproval = TypeAliasType(
    "AskForApproval",
    Literal["untrusted", "on-failure", "on-request", "never"] | AskForApprovalReject,
)
"""When the user is asked before the agent runs something: `untrusted` (all
but known read-only commands), `on-failure` (after a sandboxed failure),
`on-request` (when the model asks), `never`, or `on-request` with some kinds
of request refused outright."""


class SandboxMode(StrEnum):
    """What commands proposed by the model may touch (the `config.toml` spelling)."""

    READ_ONLY = "read-only"
    WORKSPACE_WRITE = "workspace-write"
    DANGER_FULL_ACCESS = "danger-full-access"


class ReadOnlyAccessRestricted(CamelModel):
    """Only the listed roots (and, if asked, the platform's usual ones) are readable."""

    ts_inline: ClassVar[bool] = True
    type: Literal["restricted"] = "restricted"
    include_platform_defaults: bool
    readable_roots: list[AbsolutePathBuf]


class ReadOnlyAccessFullAccess(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["fullAccess"] = "fullAccess"


ReadOnlyAccess = TypeAliasType(
    "ReadOnlyAccess",
    Annotated[
        ReadOnlyAccessRestricted | ReadOnlyAccessFullAccess,
        Field(discriminator="type"),
    ],
)
"""What a sandboxed command may read."""


class NetworkAccess(StrEnum):
    """Network access inside a sandbox that someone else provides."""

    RESTRICTED = "restricted"
    ENABLED = "enabled"


class SandboxPolicyDangerFullAccess(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["dangerFullAccess"] = "dangerFullAccess"


class SandboxPolicyReadOnly(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["readOnly"] = "readOnly"
    access: ReadOnlyAccess = Field(default_factory=lambda: ReadOnlyAccessFullAccess())


class SandboxPolicyExternalSandbox(CamelModel):
    """The daemon runs inside a sandbox of its own and adds none."""

    ts_inline: ClassVar[bool] = True
    type: Literal["externalSandbox"] = "externalSandbox"
    network_access: NetworkAccess = NetworkAccess.RESTRICTED


class SandboxPolicyWorkspaceWrite(CamelModel):
    """The working directory and the listed roots are writable."""

    ts_inline: ClassVar[bool] = True
    type: Literal["workspaceWrite"] = "workspaceWrite"
    # Defaults for what a client leaves out, as the reference reads the policy.
    writable_roots: list[AbsolutePathBuf] = Field(default_factory=list)
    read_only_access: ReadOnlyAccess = Field(default_factory=lambda: ReadOnlyAccessFullAccess())
    network_access: bool = False
    exclude_tmpdir_env_var: bool = False
    exclude_slash_tmp: bool = False


SandboxPolicy = TypeAliasType(
    "SandboxPolicy",
    Annotated[
        SandboxPolicyDangerFullAccess
        | SandboxPolicyReadOnly
        | SandboxPolicyExternalSandbox
        | SandboxPolicyWorkspaceWrite,
        Field(discriminator="type"),
    ],
)
"""Restrictions on the commands the model runs."""


class ApprovalsReviewer(StrEnum):
    """Who answers approval requests. Newer than 0.107.0: older clients ignore it."""

    USER = "user"
    """The user (the default)."""
    AUTO_REVIEW = "auto_review"
    """A reviewing sub-agent decides."""
    GUARDIAN_SUBAGENT = "guardian_subagent"


class SessionSourceSubAgent(CamelModel):
    ts_inline: ClassVar[bool] = True
    sub_agent: SubAgentSource


SessionSource = TypeAliasType(
    "SessionSource",
    Literal["cli", "vscode", "exec", "appServer", "unknown"] | SessionSourceSubAgent,
)
"""Which kind of client started a thread, or why a sub-agent thread exists."""


class ThreadSourceKind(StrEnum):
    """A `SessionSource` without its details, to filter `thread/list` by."""

    CLI = "cli"
    VSCODE = "vscode"
    EXEC = "exec"
    APP_SERVER = "appServer"
    SUB_AGENT = "subAgent"
    SUB_AGENT_REVIEW = "subAgentReview"
    SUB_AGENT_COMPACT = "subAgentCompact"
    SUB_AGENT_THREAD_SPAWN = "subAgentThreadSpawn"
    SUB_AGENT_OTHER = "subAgentOther"
    UNKNOWN = "unknown"


class GitInfo(CamelModel):
    """The repository a thread started in (each part when git knew it)."""

    sha: str | None = None
    branch: str | None = None
    origin_url: str | None = None


class ByteRange(CamelModel):
    """A half-open range of byte offsets into a UTF-8 text."""

    start: UInt64
    end: UInt64


class TextElement(CamelModel):
    """A span of the user's text that the client renders specially (a mention, a paste...)."""

    byte_range: ByteRange
    placeholder: str | None = None
    """What the client shows in place of the span, if anything."""


class TextPosition(CamelModel):
    line: int
    """From 1."""
    column: int
    """From 1, in Unicode scalar values."""


class TextRange(CamelModel):
    start: TextPosition
    end: TextPosition
