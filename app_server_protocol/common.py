"""Small shared values: identifiers, enumerations and the sandbox policy."""

from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import BeforeValidator, Discriminator, Field, Tag, model_validator
from typing_extensions import TypeAliasType

from ._base import PathText, SnakeModel, optional, optional_list

ConversationId = TypeAliasType("ConversationId", UUID)
"""A conversation's id: a UUID, written in its canonical hyphenated form."""

GitSha = TypeAliasType("GitSha", str)
"""A full git commit SHA in hex."""


class ApprovalMode(StrEnum):
    """When the user is asked before a command proposed by the model runs (the
    plain modes of `AskForApproval`)."""

    UNTRUSTED = "untrusted"
    """Ask for everything except commands known to be read-only."""
    ON_FAILURE = "on-failure"
    """Run in the sandbox; ask only when a command fails there."""
    ON_REQUEST = "on-request"
    """The model decides when to ask."""
    NEVER = "never"
    """Never ask; failures go back to the model."""


class RejectConfig(SnakeModel):
    """Which requests for approval are refused without asking."""

    sandbox_approval: bool
    rules: bool
    mcp_elicitations: bool


class AskForApprovalReject(SnakeModel):
    ts_inline: ClassVar[bool] = True
    reject: RejectConfig


AskForApproval = TypeAliasType(
    "AskForApproval",
    Literal["untrusted", "on-failure", "on-request", "never"] | AskForApprovalReject,
)
"""When the user is asked before a command proposed by the model runs: one of
the `ApprovalMode` values, or ``{"reject": ...}``."""


def approval_mode(policy: AskForApproval) -> ApprovalMode:
    """The daemon's mode for a wire policy: refusing without asking is `never`
    asking (the failure goes back to the model)."""
    if isinstance(policy, AskForApprovalReject):
        return ApprovalMode.NEVER
    return ApprovalMode(policy)


class SandboxMode(StrEnum):
    """What a command proposed by the model may touch."""

    READ_ONLY = "read-only"
    WORKSPACE_WRITE = "workspace-write"
    DANGER_FULL_ACCESS = "danger-full-access"


class ReasoningEffort(StrEnum):
    """How much effort a reasoning model spends before it answers."""

    NONE = "none"
    MINIMAL = "minimal"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    XHIGH = "xhigh"


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
    CHATGPT_AUTH_TOKENS = "chatgptAuthTokens"
    """ChatGPT tokens the client supplied (v2) and refreshes; kept in memory only."""


class ForcedLoginMethod(StrEnum):
    """The only login method an administrator allows."""

    CHATGPT = "chatgpt"
    API = "api"


class ReviewDecisionKind(StrEnum):
    """The plain answers to an approval request."""

    APPROVED = "approved"
    APPROVED_FOR_SESSION = "approved_for_session"
    """Approved, and the same request is not asked again in this conversation."""
    DENIED = "denied"
    """Not run; the model is told and the turn goes on."""
    ABORT = "abort"
    """Not run, and the turn ends."""


ExecPolicyAmendment = TypeAliasType("ExecPolicyAmendment", list[str])
"""A command prefix to allow from now on."""


class NetworkPolicyRuleAction(StrEnum):
    ALLOW = "allow"
    DENY = "deny"


class NetworkPolicyAmendment(SnakeModel):
    """A host to allow or deny from now on."""

    host: str
    action: NetworkPolicyRuleAction


class ExecPolicyAmendmentApproval(SnakeModel):
    ts_inline: ClassVar[bool] = True
    proposed_execpolicy_amendment: ExecPolicyAmendment


class ApprovedExecPolicyAmendment(SnakeModel):
    """Approved, and commands starting with the amendment's prefix run without asking."""

    ts_inline: ClassVar[bool] = True
    approved_execpolicy_amendment: ExecPolicyAmendmentApproval


class NetworkPolicyAmendmentDecision(SnakeModel):
    ts_inline: ClassVar[bool] = True
    network_policy_amendment: NetworkPolicyAmendment


class NetworkPolicyAmendmentAnswer(SnakeModel):
    """Allow or deny the host from now on (and this time)."""

    ts_inline: ClassVar[bool] = True
    network_policy_amendment: NetworkPolicyAmendmentDecision


ReviewDecision = TypeAliasType(
    "ReviewDecision",
    ReviewDecisionKind | ApprovedExecPolicyAmendment | NetworkPolicyAmendmentAnswer,
)
"""The user's answer to an approval request."""


def plain_decision(decision: ReviewDecision) -> ReviewDecisionKind:
    """The plain answer a decision amounts to for the request at hand."""
    if isinstance(decision, ReviewDecisionKind):
        return decision
    if isinstance(decision, ApprovedExecPolicyAmendment):
        return ReviewDecisionKind.APPROVED
    action = decision.network_policy_amendment.network_policy_amendment.action
    if action is NetworkPolicyRuleAction.ALLOW:
        return ReviewDecisionKind.APPROVED
    return ReviewDecisionKind.DENIED


class ModeKind(StrEnum):
    """The collaboration mode of a turn."""

    PLAN = "plan"
    DEFAULT = "default"


class TurnAbortReason(StrEnum):
    """Why a turn ended before the model finished."""

    INTERRUPTED = "interrupted"
    REPLACED = "replaced"
    REVIEW_ENDED = "review_ended"


class NetworkAccess(StrEnum):
    """Whether an external sandbox lets commands reach the network."""

    RESTRICTED = "restricted"
    ENABLED = "enabled"


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


class _SandboxPolicyVariant(SnakeModel):
    """Policies are tagged by ``type``; 0.50 wrote the tag as ``mode``, which is still read."""

    ts_inline: ClassVar[bool] = True

    @model_validator(mode="before")
    @classmethod
    def _legacy_mode_tag(cls, data: Any) -> Any:
        if isinstance(data, dict) and "type" not in data and "mode" in data:
            data = {("type" if key == "mode" else key): value for key, value in data.items()}
        return data


class SandboxPolicyDangerFullAccess(_SandboxPolicyVariant):
    """No restriction at all."""

    type: Literal["danger-full-access"] = "danger-full-access"

    @property
    def has_network(self) -> bool:
        return True


class SandboxPolicyReadOnly(_SandboxPolicyVariant):
    """The whole file system is read-only and the network is off."""

    type: Literal["read-only"] = "read-only"
    access: ReadOnlyAccess | None = optional("What may be read (everything when absent).")

    @property
    def has_network(self) -> bool:
        return False


class SandboxPolicyExternalSandbox(_SandboxPolicyVariant):
    """The daemon already runs inside a sandbox of its own: commands run as they are."""

    type: Literal["external-sandbox"] = "external-sandbox"
    network_access: NetworkAccess = NetworkAccess.RESTRICTED

    @property
    def has_network(self) -> bool:
        return self.network_access is NetworkAccess.ENABLED


class SandboxPolicyWorkspaceWrite(_SandboxPolicyVariant):
    """The working directory (and the listed roots) are writable, the rest is read-only."""

    type: Literal["workspace-write"] = "workspace-write"
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


def _sandbox_policy_tag(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("type", value.get("mode"))
    return getattr(value, "type", None)


SandboxPolicy = TypeAliasType(
    "SandboxPolicy",
    Annotated[
        Annotated[SandboxPolicyDangerFullAccess, Tag("danger-full-access")]
        | Annotated[SandboxPolicyReadOnly, Tag("read-only")]
        | Annotated[SandboxPolicyExternalSandbox, Tag("external-sandbox")]
        | Annotated[SandboxPolicyWorkspaceWrite, Tag("workspace-write")],
        Discriminator(_sandbox_policy_tag),
    ],
)
"""Restrictions applied to commands that the model runs."""


class SessionSourceKind(StrEnum):
    """Which kind of client started a conversation."""

    CLI = "cli"
    VSCODE = "vscode"
    EXEC = "exec"
    MCP = "mcp"
    UNKNOWN = "unknown"
    """Any other name (a newer version's)."""


class SubAgentSourceKind(StrEnum):
    REVIEW = "review"
    COMPACT = "compact"
    MEMORY_CONSOLIDATION = "memory_consolidation"


class ThreadSpawn(SnakeModel):
    parent_thread_id: str
    """The id of the thread that spawned this one."""
    depth: int
    agent_nickname: str | None = None
    agent_role: str | None = None


class SubAgentThreadSpawn(SnakeModel):
    ts_inline: ClassVar[bool] = True
    thread_spawn: ThreadSpawn


class SubAgentOther(SnakeModel):
    ts_inline: ClassVar[bool] = True
    other: str


SubAgentSource = TypeAliasType(
    "SubAgentSource", SubAgentSourceKind | SubAgentThreadSpawn | SubAgentOther
)
"""Why an agent started a conversation of its own."""


class SubAgentSessionSource(SnakeModel):
    ts_inline: ClassVar[bool] = True
    subagent: SubAgentSource


def _unknown_source(value: Any) -> Any:
    if isinstance(value, str) and value not in SessionSourceKind._value2member_map_:
        return SessionSourceKind.UNKNOWN.value
    if isinstance(value, dict) and "subagent" not in value:
        return SessionSourceKind.UNKNOWN.value
    return value


SessionSource = TypeAliasType(
    "SessionSource",
    Annotated[SessionSourceKind | SubAgentSessionSource, BeforeValidator(_unknown_source)],
)
"""Which client (or agent) started a conversation; unknown names read as `unknown`."""
