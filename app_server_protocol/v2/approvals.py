"""Requests the server sends to the client (approvals, questions, tool calls,
token refreshes) and the client's answers."""

from enum import StrEnum
from typing import ClassVar, Literal

from typing_extensions import TypeAliasType

from .._base import CamelModel, JsonValue, SnakeModel, optional
from .items import CommandAction, DynamicToolCallOutputContentItem
from .shared import AbsolutePathBuf, MacOsAutomationValue, MacOsPreferencesValue


class NetworkApprovalProtocol(StrEnum):
    """The protocol of a network request awaiting approval."""

    HTTP = "http"
    HTTPS = "https"
    SOCKS5_TCP = "socks5Tcp"
    SOCKS5_UDP = "socks5Udp"


class NetworkApprovalContext(CamelModel):
    """The host and protocol a command wants to reach."""

    host: str
    protocol: NetworkApprovalProtocol


ExecPolicyAmendment = TypeAliasType("ExecPolicyAmendment", list[str])
"""A command prefix (argv) to allow without asking from now on."""


class NetworkPolicyRuleAction(StrEnum):
    """Allow or deny."""

    ALLOW = "allow"
    DENY = "deny"


class NetworkPolicyAmendment(CamelModel):
    """A rule for one host, to apply from now on."""

    host: str
    action: NetworkPolicyRuleAction


class AdditionalFileSystemPermissions(CamelModel):
    """Paths a command asks to read or write beyond its sandbox."""

    read: list[AbsolutePathBuf] | None = None
    write: list[AbsolutePathBuf] | None = None


class AdditionalMacOsPermissions(CamelModel):
    """macOS permissions a command asks for."""

    preferences: MacOsPreferencesValue | None = None
    automations: MacOsAutomationValue | None = None
    accessibility: bool | None = None
    calendar: bool | None = None


class AdditionalPermissionProfile(CamelModel):
    """What a command asks for beyond its sandbox."""

    network: bool | None = None
    file_system: AdditionalFileSystemPermissions | None = None
    macos: AdditionalMacOsPermissions | None = None


class ExecPolicyAmendmentDecision(SnakeModel):
    ts_inline: ClassVar[bool] = True
    execpolicy_amendment: ExecPolicyAmendment


class CommandExecutionApprovalDecisionAcceptWithExecpolicyAmendment(CamelModel):
    """Run it, and allow commands that start the same way from now on."""

    ts_inline: ClassVar[bool] = True
    accept_with_execpolicy_amendment: ExecPolicyAmendmentDecision


class NetworkPolicyAmendmentDecision(SnakeModel):
    ts_inline: ClassVar[bool] = True
    network_policy_amendment: NetworkPolicyAmendment


class CommandExecutionApprovalDecisionApplyNetworkPolicyAmendment(CamelModel):
    """Allow or deny the host from now on, and act on this request accordingly."""

    ts_inline: ClassVar[bool] = True
    apply_network_policy_amendment: NetworkPolicyAmendmentDecision


CommandExecutionApprovalDecision = TypeAliasType(
    "CommandExecutionApprovalDecision",
    Literal["accept", "acceptForSession", "decline", "cancel"]
    | CommandExecutionApprovalDecisionAcceptWithExecpolicyAmendment
    | CommandExecutionApprovalDecisionApplyNetworkPolicyAmendment,
)
"""The user's answer about a command: run it (`accept`; `acceptForSession`
also stops asking about it in this session), with a rule amendment, or not
(`decline`: the turn goes on; `cancel`: the turn ends)."""


class CommandExecutionRequestApprovalParams(CamelModel):
    """May the agent run this command (or reach this host)? The optional fields are left out when
    unknown."""

    thread_id: str
    turn_id: str
    item_id: str
    approval_id: str | None = optional()
    """Set when one item asks several approvals (the sub-commands of a shell
    script), to tell them apart."""
    reason: str | None = optional()
    network_approval_context: NetworkApprovalContext | None = optional()
    command: str | None = optional()
    cwd: str | None = optional()
    command_actions: list[CommandAction] | None = optional()
    additional_permissions: AdditionalPermissionProfile | None = optional()
    proposed_execpolicy_amendment: ExecPolicyAmendment | None = optional()
    proposed_network_policy_amendments: list[NetworkPolicyAmendment] | None = optional()
    available_decisions: list[CommandExecutionApprovalDecision] | None = optional()


class CommandExecutionRequestApprovalResponse(CamelModel):
    """The user's answer about a command."""

    decision: CommandExecutionApprovalDecision


class FileChangeApprovalDecision(StrEnum):
    """The user's answer about a patch: apply it (`acceptForSession`: and stop asking in this
    session), or not (`decline`: the turn goes on; `cancel`: the turn ends)."""

    ACCEPT = "accept"
    ACCEPT_FOR_SESSION = "acceptForSession"
    DECLINE = "decline"
    CANCEL = "cancel"


class FileChangeRequestApprovalParams(CamelModel):
    """May the agent apply this patch (the `fileChange` item)? `grantRoot` (unstable) asks to write
    under that folder for the rest of the session."""

    thread_id: str
    turn_id: str
    item_id: str
    reason: str | None = None
    grant_root: str | None = None


class FileChangeRequestApprovalResponse(CamelModel):
    """The user's answer about a patch."""

    decision: FileChangeApprovalDecision


class ToolRequestUserInputOption(CamelModel):
    """One choice offered for a question."""

    label: str
    description: str


class ToolRequestUserInputQuestion(CamelModel):
    """A question for the user; `isOther` adds a free-text choice, `isSecret` hides the typed
    answer."""

    id: str
    header: str
    question: str
    is_other: bool
    is_secret: bool
    options: list[ToolRequestUserInputOption] | None = None


class ToolRequestUserInputParams(CamelModel):
    """Questions the agent asks the user (experimental)."""

    thread_id: str
    turn_id: str
    item_id: str
    questions: list[ToolRequestUserInputQuestion]


class ToolRequestUserInputAnswer(CamelModel):
    """The user's answers to one question."""

    answers: list[str]


class ToolRequestUserInputResponse(CamelModel):
    """The answers, by question id."""

    answers: dict[str, ToolRequestUserInputAnswer]


class DynamicToolCallParams(CamelModel):
    """Run a tool the client provides (`dynamicTools` of `thread/start`)."""

    thread_id: str
    turn_id: str
    call_id: str
    tool: str
    arguments: JsonValue


class DynamicToolCallResponse(CamelModel):
    """The tool's output, and whether it succeeded."""

    content_items: list[DynamicToolCallOutputContentItem]
    success: bool


class ChatgptAuthTokensRefreshReason(StrEnum):
    """Why the daemon needs fresh tokens."""

    UNAUTHORIZED = "unauthorized"
    """The backend rejected the current ones."""


class ChatgptAuthTokensRefreshParams(CamelModel):
    """The ChatGPT tokens the client manages need refreshing."""

    reason: ChatgptAuthTokensRefreshReason
    previous_account_id: str | None = optional()
    """The workspace (account) the old tokens were for, when known."""


class ChatgptAuthTokensRefreshResponse(CamelModel):
    """Fresh tokens."""

    access_token: str
    chatgpt_account_id: str
    chatgpt_plan_type: str | None = None
