"""Events in which a tool waits for someone: command approval, questions to
the user, client-side (dynamic) tools and MCP elicitations."""

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field
from typing_extensions import TypeAliasType

from ._base import CamelModel, JsonValue, SnakeModel, optional, skip_none
from .common import ExecPolicyAmendment, NetworkPolicyAmendment, ReviewDecision
from .exec_types import ParsedCommand, WireDuration


class NetworkApprovalProtocol(StrEnum):
    HTTP = "http"
    HTTPS = "https"
    SOCKS5_TCP = "socks5_tcp"
    SOCKS5_UDP = "socks5_udp"


class NetworkApprovalContext(SnakeModel):
    """The connection a command tried to open."""

    host: str
    protocol: NetworkApprovalProtocol


class FileSystemPermissions(SnakeModel):
    read: list[str] | None = None
    write: list[str] | None = None


class MacOsPermissions(SnakeModel):
    preferences: bool | str | None = None
    automations: bool | list[str] | None = None
    accessibility: bool | None = None
    calendar: bool | None = None


class PermissionProfile(SnakeModel):
    """Permissions a command asks for beyond the sandbox's."""

    network: bool | None = None
    file_system: FileSystemPermissions | None = None
    macos: MacOsPermissions | None = None


class ExecApprovalRequestEvent(SnakeModel):
    """The model wants to run a command that needs the user's approval."""

    type: Literal["exec_approval_request"] = "exec_approval_request"
    call_id: str
    approval_id: str | None = optional(
        "Set when one command asks more than once (its sub-commands); absent: `call_id`."
    )
    turn_id: str = ""
    command: list[str]
    cwd: str
    reason: str | None = skip_none()
    network_approval_context: NetworkApprovalContext | None = optional()
    proposed_execpolicy_amendment: ExecPolicyAmendment | None = optional()
    proposed_network_policy_amendments: list[NetworkPolicyAmendment] | None = optional()
    additional_permissions: PermissionProfile | None = optional()
    available_decisions: list[ReviewDecision] | None = optional()
    parsed_cmd: list[ParsedCommand]


class RequestUserInputQuestionOption(SnakeModel):
    label: str
    description: str


class RequestUserInputQuestion(SnakeModel):
    id: str
    header: str
    question: str
    is_other: bool = Field(default=False, alias="isOther")
    is_secret: bool = Field(default=False, alias="isSecret")
    options: list[RequestUserInputQuestionOption] | None = None


class RequestUserInputEvent(SnakeModel):
    """The model asks the user questions."""

    type: Literal["request_user_input"] = "request_user_input"
    call_id: str
    turn_id: str = ""
    questions: list[RequestUserInputQuestion]


class DynamicToolCallRequest(CamelModel):
    """The model called a tool that the client provides."""

    type: Literal["dynamic_tool_call_request"] = "dynamic_tool_call_request"
    call_id: str
    turn_id: str
    tool: str
    arguments: JsonValue


class DynamicToolCallOutputInputText(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["inputText"] = "inputText"
    text: str


class DynamicToolCallOutputInputImage(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["inputImage"] = "inputImage"
    image_url: str


DynamicToolCallOutputContentItem = TypeAliasType(
    "DynamicToolCallOutputContentItem",
    Annotated[
        DynamicToolCallOutputInputText | DynamicToolCallOutputInputImage,
        Field(discriminator="type"),
    ],
)


class DynamicToolCallResponseEvent(SnakeModel):
    type: Literal["dynamic_tool_call_response"] = "dynamic_tool_call_response"
    call_id: str
    turn_id: str
    tool: str
    arguments: JsonValue
    content_items: list[DynamicToolCallOutputContentItem]
    success: bool
    error: str | None = None
    duration: WireDuration


class ElicitationRequestEvent(SnakeModel):
    """An MCP server asks the user for input."""

    type: Literal["elicitation_request"] = "elicitation_request"
    server_name: str
    id: str | int
    message: str
