"""Thread items: what a turn is made of (the user's input, the agent's messages
and reasoning, the commands, patches and tool calls it ran, ...), as the v2
API reports them in `item/started`, `item/completed` and `Turn.items`."""

from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final, Literal

from pydantic import BeforeValidator, Field
from typing_extensions import TypeAliasType

from .._base import CamelModel, JsonValue, SnakeModel
from .common import TextElement
from .shared import MessagePhase


class UserInputText(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["text"] = "text"
    text: str
    text_elements: list[TextElement] = Field(default_factory=list)
    """Spans of `text` the client renders specially (snake_case on the wire, as
    the reference writes it)."""


class UserInputImage(CamelModel):
    """An image given by URL (often a `data:` URL)."""

    ts_inline: ClassVar[bool] = True
    type: Literal["image"] = "image"
    url: str


class UserInputLocalImage(CamelModel):
    """An image file on the machine running the daemon."""

    ts_inline: ClassVar[bool] = True
    type: Literal["localImage"] = "localImage"
    path: str


class UserInputSkill(CamelModel):
    """A skill the user invoked by name."""

    ts_inline: ClassVar[bool] = True
    type: Literal["skill"] = "skill"
    name: str
    path: str


class UserInputMention(CamelModel):
    """Something the user mentioned (a file, an app...) by name and path."""

    ts_inline: ClassVar[bool] = True
    type: Literal["mention"] = "mention"
    name: str
    path: str


UserInput = TypeAliasType(
    "UserInput",
    Annotated[
        UserInputText | UserInputImage | UserInputLocalImage | UserInputSkill | UserInputMention,
        Field(discriminator="type"),
    ],
)
"""One piece of what the user sends: text, an image (URL or local file), a skill or a mention."""


class CommandActionRead(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["read"] = "read"
    command: str
    name: str
    path: str


class CommandActionListFiles(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["listFiles"] = "listFiles"
    command: str
    path: str | None = None


class CommandActionSearch(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["search"] = "search"
    command: str
    query: str | None = None
    path: str | None = None


class CommandActionUnknown(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["unknown"] = "unknown"
    command: str


CommandAction = TypeAliasType(
    "CommandAction",
    Annotated[
        CommandActionRead | CommandActionListFiles | CommandActionSearch | CommandActionUnknown,
        Field(discriminator="type"),
    ],
)
"""A best-effort reading of what (part of) a command does, for display."""


class CommandExecutionStatus(StrEnum):
    """Where a command execution stands."""

    IN_PROGRESS = "inProgress"
    COMPLETED = "completed"
    FAILED = "failed"
    DECLINED = "declined"


class PatchChangeKindAdd(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["add"] = "add"


class PatchChangeKindDelete(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["delete"] = "delete"


class PatchChangeKindUpdate(SnakeModel):
    """The file is edited, and renamed to `move_path` when that is set."""

    ts_inline: ClassVar[bool] = True
    type: Literal["update"] = "update"
    move_path: str | None = None


PatchChangeKind = TypeAliasType(
    "PatchChangeKind",
    Annotated[
        PatchChangeKindAdd | PatchChangeKindDelete | PatchChangeKindUpdate,
        Field(discriminator="type"),
    ],
)
"""What a patch does to one file."""


class FileUpdateChange(CamelModel):
    """One file of a patch, with its unified diff."""

    path: str
    kind: PatchChangeKind
    diff: str


class PatchApplyStatus(StrEnum):
    """Where applying a patch stands."""

    IN_PROGRESS = "inProgress"
    COMPLETED = "completed"
    FAILED = "failed"
    DECLINED = "declined"


class McpToolCallStatus(StrEnum):
    """Where an MCP tool call stands."""

    IN_PROGRESS = "inProgress"
    COMPLETED = "completed"
    FAILED = "failed"


class McpToolCallResult(CamelModel):
    """An MCP tool's result: its content blocks and structured content."""

    content: list[JsonValue]
    structured_content: JsonValue | None = None


class McpToolCallError(CamelModel):
    message: str


class DynamicToolCallStatus(StrEnum):
    """Where a call of a client-side (dynamic) tool stands."""

    IN_PROGRESS = "inProgress"
    COMPLETED = "completed"
    FAILED = "failed"


class DynamicToolCallOutputContentItemInputText(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["inputText"] = "inputText"
    text: str


class DynamicToolCallOutputContentItemInputImage(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["inputImage"] = "inputImage"
    image_url: str


DynamicToolCallOutputContentItem = TypeAliasType(
    "DynamicToolCallOutputContentItem",
    Annotated[
        DynamicToolCallOutputContentItemInputText | DynamicToolCallOutputContentItemInputImage,
        Field(discriminator="type"),
    ],
)
"""One part of what a client-side tool returned."""


class CollabAgentTool(StrEnum):
    """The multi-agent tool a collab call used."""

    SPAWN_AGENT = "spawnAgent"
    SEND_INPUT = "sendInput"
    RESUME_AGENT = "resumeAgent"
    WAIT = "wait"
    CLOSE_AGENT = "closeAgent"


class CollabAgentToolCallStatus(StrEnum):
    """Where a collab tool call stands."""

    IN_PROGRESS = "inProgress"
    COMPLETED = "completed"
    FAILED = "failed"


class CollabAgentStatus(StrEnum):
    """What a sub-agent is doing."""

    PENDING_INIT = "pendingInit"
    RUNNING = "running"
    COMPLETED = "completed"
    ERRORED = "errored"
    SHUTDOWN = "shutdown"
    NOT_FOUND = "notFound"


class CollabAgentState(CamelModel):
    """A sub-agent's last known status."""

    status: CollabAgentStatus
    message: str | None = None


class WebSearchActionSearch(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["search"] = "search"
    query: str | None = None
    queries: list[str] | None = None


class WebSearchActionOpenPage(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["openPage"] = "openPage"
    url: str | None = None


class WebSearchActionFindInPage(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["findInPage"] = "findInPage"
    url: str | None = None
    pattern: str | None = None


class WebSearchActionOther(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["other"] = "other"


_WEB_SEARCH_ACTION_TAGS: Final = {
    "search": "search",
    "openPage": "openPage",
    "open_page": "openPage",
    "findInPage": "findInPage",
    "find_in_page": "findInPage",
    "other": "other",
}


def _web_search_action_tag(value: Any) -> Any:
    """Read the snake_case tags too (0.107.0's JSON Schema spells them so, its
    TypeScript and newer Codex camelCase), and any other kind as `other`."""
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        tag = _WEB_SEARCH_ACTION_TAGS.get(value["type"])
        if tag is None:
            return {"type": "other"}
        if tag != value["type"]:
            return {**value, "type": tag}
    return value


WebSearchAction = TypeAliasType(
    "WebSearchAction",
    Annotated[
        WebSearchActionSearch
        | WebSearchActionOpenPage
        | WebSearchActionFindInPage
        | WebSearchActionOther,
        Field(discriminator="type"),
        BeforeValidator(_web_search_action_tag),
    ],
)
"""What a web search call did (written with camelCase tags)."""


class ThreadItemUserMessage(CamelModel):
    """What the user sent."""

    ts_inline: ClassVar[bool] = True
    type: Literal["userMessage"] = "userMessage"
    id: str
    content: list[UserInput]


class ThreadItemAgentMessage(CamelModel):
    """The agent's message to the user."""

    ts_inline: ClassVar[bool] = True
    type: Literal["agentMessage"] = "agentMessage"
    id: str
    text: str
    phase: MessagePhase | None = None


class ThreadItemPlan(CamelModel):
    """A plan the agent proposed (plan mode)."""

    ts_inline: ClassVar[bool] = True
    type: Literal["plan"] = "plan"
    id: str
    text: str


class ThreadItemReasoning(CamelModel):
    """The model's reasoning: its summary paragraphs and, when the provider gives it, the raw
    text."""

    ts_inline: ClassVar[bool] = True
    type: Literal["reasoning"] = "reasoning"
    id: str
    summary: list[str]
    content: list[str]


class ThreadItemCommandExecution(CamelModel):
    """A command the agent ran."""

    ts_inline: ClassVar[bool] = True
    type: Literal["commandExecution"] = "commandExecution"
    id: str
    command: str
    cwd: str
    process_id: str | None = None
    status: CommandExecutionStatus
    command_actions: list[CommandAction]
    aggregated_output: str | None = None
    exit_code: int | None = None
    duration_ms: int | None = None


class ThreadItemFileChange(CamelModel):
    """A patch the agent applied."""

    ts_inline: ClassVar[bool] = True
    type: Literal["fileChange"] = "fileChange"
    id: str
    changes: list[FileUpdateChange]
    status: PatchApplyStatus


class ThreadItemMcpToolCall(CamelModel):
    """A call of an MCP server's tool."""

    ts_inline: ClassVar[bool] = True
    type: Literal["mcpToolCall"] = "mcpToolCall"
    id: str
    server: str
    tool: str
    status: McpToolCallStatus
    arguments: JsonValue
    result: McpToolCallResult | None = None
    error: McpToolCallError | None = None
    duration_ms: int | None = None


class ThreadItemDynamicToolCall(CamelModel):
    """A call of a tool the client provides (`dynamicTools` of `thread/start`)."""

    ts_inline: ClassVar[bool] = True
    type: Literal["dynamicToolCall"] = "dynamicToolCall"
    id: str
    tool: str
    arguments: JsonValue
    status: DynamicToolCallStatus
    content_items: list[DynamicToolCallOutputContentItem] | None = None
    success: bool | None = None
    duration_ms: int | None = None


class ThreadItemCollabAgentToolCall(CamelModel):
    """A call of a multi-agent tool (spawn, send input, wait, ...)."""

    ts_inline: ClassVar[bool] = True
    type: Literal["collabAgentToolCall"] = "collabAgentToolCall"
    id: str
    tool: CollabAgentTool
    status: CollabAgentToolCallStatus
    sender_thread_id: str
    receiver_thread_ids: list[str]
    prompt: str | None = None
    agents_states: dict[str, CollabAgentState]


class ThreadItemWebSearch(CamelModel):
    """A web search the model ran."""

    ts_inline: ClassVar[bool] = True
    type: Literal["webSearch"] = "webSearch"
    id: str
    query: str
    action: WebSearchAction | None = None


class ThreadItemImageView(CamelModel):
    """An image file the agent looked at."""

    ts_inline: ClassVar[bool] = True
    type: Literal["imageView"] = "imageView"
    id: str
    path: str


class ThreadItemEnteredReviewMode(CamelModel):
    """A review started (`review` says what is reviewed)."""

    ts_inline: ClassVar[bool] = True
    type: Literal["enteredReviewMode"] = "enteredReviewMode"
    id: str
    review: str


class ThreadItemExitedReviewMode(CamelModel):
    """A review ended (`review` is its result)."""

    ts_inline: ClassVar[bool] = True
    type: Literal["exitedReviewMode"] = "exitedReviewMode"
    id: str
    review: str


class ThreadItemContextCompaction(CamelModel):
    """The conversation history was compacted."""

    ts_inline: ClassVar[bool] = True
    type: Literal["contextCompaction"] = "contextCompaction"
    id: str


ThreadItem = TypeAliasType(
    "ThreadItem",
    Annotated[
        ThreadItemUserMessage
        | ThreadItemAgentMessage
        | ThreadItemPlan
        | ThreadItemReasoning
        | ThreadItemCommandExecution
        | ThreadItemFileChange
        | ThreadItemMcpToolCall
        | ThreadItemDynamicToolCall
        | ThreadItemCollabAgentToolCall
        | ThreadItemWebSearch
        | ThreadItemImageView
        | ThreadItemEnteredReviewMode
        | ThreadItemExitedReviewMode
        | ThreadItemContextCompaction,
        Field(discriminator="type"),
    ],
)
"""One item of a turn, tagged by `type`."""
