"""Conversation items: what the model receives and returns (`ResponseItem`),
what the user sends (`InputItem`, `UserInput`) and the items of a turn as the
editor sees them (`TurnItem`)."""

from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    Discriminator,
    Field,
    GetJsonSchemaHandler,
    Tag,
    TypeAdapter,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from typing_extensions import TypeAliasType

from ._base import TS_BIGINT, TS_OPTIONAL, CamelModel, PathText, SnakeModel, optional

# --------------------------------------------------------------------------
# Content of messages
# --------------------------------------------------------------------------


class ContentItemInputText(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["input_text"] = "input_text"
    text: str


class ContentItemInputImage(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["input_image"] = "input_image"
    image_url: str


class ContentItemOutputText(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["output_text"] = "output_text"
    text: str


ContentItem = TypeAliasType(
    "ContentItem",
    Annotated[
        ContentItemInputText | ContentItemInputImage | ContentItemOutputText,
        Field(discriminator="type"),
    ],
)
"""One part of a message: text or an image from the user, text from the model."""


class ReasoningItemReasoningSummary(SnakeModel):
    """One paragraph of a reasoning summary."""

    type: Literal["summary_text"] = "summary_text"
    text: str


class ReasoningItemContentReasoningText(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["reasoning_text"] = "reasoning_text"
    text: str


class ReasoningItemContentText(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["text"] = "text"
    text: str


ReasoningItemContent = TypeAliasType(
    "ReasoningItemContent",
    Annotated[
        ReasoningItemContentReasoningText | ReasoningItemContentText,
        Field(discriminator="type"),
    ],
)
"""Raw reasoning text, when the provider returns it."""


class LocalShellStatus(StrEnum):
    COMPLETED = "completed"
    IN_PROGRESS = "in_progress"
    INCOMPLETE = "incomplete"


class LocalShellExecAction(SnakeModel):
    """A command for the provider's built-in local shell tool."""

    type: Literal["exec"] = "exec"
    command: list[str]
    timeout_ms: Annotated[int, TS_BIGINT] | None = None
    working_directory: str | None = None
    env: dict[str, str] | None = None
    user: str | None = None


LocalShellAction = TypeAliasType("LocalShellAction", LocalShellExecAction)
"""What a local shell call asks for (only `exec` exists)."""


class WebSearchActionSearch(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["search"] = "search"
    query: str | None = optional()
    queries: list[str] | None = optional()


class WebSearchActionOpenPage(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["open_page"] = "open_page"
    url: str | None = optional()


class WebSearchActionFindInPage(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["find_in_page"] = "find_in_page"
    url: str | None = optional()
    pattern: str | None = optional()


class _OtherKind(SnakeModel):
    """Base of the `other` variants: a kind this version does not know is kept
    as `other` (its fields are dropped)."""

    ts_inline: ClassVar[bool] = True
    type: Literal["other"] = "other"

    @model_validator(mode="before")
    @classmethod
    def _any_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("type") != "other":
            return {"type": "other"}
        return data


class WebSearchActionOther(_OtherKind):
    pass


def _tag_or_other(known: frozenset[str]) -> Discriminator:
    """A discriminator that files every unknown ``type`` under ``other``."""

    def pick(value: Any) -> str:
        tag = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
        return tag if tag in known else "other"

    return Discriminator(pick)


WebSearchAction = TypeAliasType(
    "WebSearchAction",
    Annotated[
        Annotated[WebSearchActionSearch, Tag("search")]
        | Annotated[WebSearchActionOpenPage, Tag("open_page")]
        | Annotated[WebSearchActionFindInPage, Tag("find_in_page")]
        | Annotated[WebSearchActionOther, Tag("other")],
        _tag_or_other(frozenset({"search", "open_page", "find_in_page"})),
    ],
)
"""What a web search call did; kinds this version does not know become `other`."""


class FunctionCallOutputInputText(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["input_text"] = "input_text"
    text: str


class FunctionCallOutputInputImage(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["input_image"] = "input_image"
    image_url: str


FunctionCallOutputContentItem = TypeAliasType(
    "FunctionCallOutputContentItem",
    Annotated[
        FunctionCallOutputInputText | FunctionCallOutputInputImage,
        Field(discriminator="type"),
    ],
)
"""One part of a tool's output: text, or an image the model should see."""

FunctionCallOutputBody = TypeAliasType(
    "FunctionCallOutputBody", str | list[FunctionCallOutputContentItem]
)
"""A tool's output: plain text, or a list of parts."""


class FunctionCallOutputPayload(SnakeModel):
    """The output of a function call.

    On the wire (model requests, rollout files, events) it is written as its
    `body` alone: a plain string, or a list of content items; `success` is
    kept in memory only. The TypeScript declaration is the reference's.
    """

    body: FunctionCallOutputBody
    success: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_plain_value(cls, data: Any) -> Any:
        if isinstance(data, (str, list)):
            return {"body": data}
        return data

    @model_serializer(mode="wrap")
    def _as_plain_value(self, handler: Any) -> Any:
        return handler(self)["body"]

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The wire form, read and written alike: the body alone.
        return handler(TypeAdapter(FunctionCallOutputBody).core_schema)

    @property
    def text(self) -> str:
        """The output as text (the text parts, joined, when it is a list)."""
        if isinstance(self.body, str):
            return self.body
        return "\n".join(p.text for p in self.body if isinstance(p, FunctionCallOutputInputText))


# --------------------------------------------------------------------------
# ResponseItem
# --------------------------------------------------------------------------


class MessagePhase(StrEnum):
    """What an assistant message is: a remark while working, or the final answer."""

    COMMENTARY = "commentary"
    FINAL_ANSWER = "final_answer"


class ResponseItemMessage(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["message"] = "message"
    id: str | None = Field(default=None, exclude=True, json_schema_extra={TS_OPTIONAL: True})
    role: str
    content: list[ContentItem]
    end_turn: bool | None = optional()
    phase: MessagePhase | None = optional()


class ResponseItemReasoning(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["reasoning"] = "reasoning"
    id: str = Field(default="", exclude=True, json_schema_extra={TS_OPTIONAL: True})
    summary: list[ReasoningItemReasoningSummary]
    content: list[ReasoningItemContent] | None = optional()
    encrypted_content: str | None = None


class ResponseItemLocalShellCall(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["local_shell_call"] = "local_shell_call"
    id: str | None = Field(
        default=None,
        exclude=True,
        description="Set by Chat Completions.",
        json_schema_extra={TS_OPTIONAL: True},
    )
    call_id: str | None = Field(default=None, description="Set by the Responses API.")
    status: LocalShellStatus
    action: LocalShellAction


class ResponseItemFunctionCall(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["function_call"] = "function_call"
    id: str | None = Field(default=None, exclude=True, json_schema_extra={TS_OPTIONAL: True})
    name: str
    arguments: str = Field(description="The arguments as a JSON text, as the model wrote them.")
    call_id: str


class ResponseItemFunctionCallOutput(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["function_call_output"] = "function_call_output"
    call_id: str
    output: FunctionCallOutputPayload


class ResponseItemCustomToolCall(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["custom_tool_call"] = "custom_tool_call"
    id: str | None = Field(default=None, exclude=True, json_schema_extra={TS_OPTIONAL: True})
    status: str | None = optional()
    call_id: str
    name: str
    input: str


class ResponseItemCustomToolCallOutput(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["custom_tool_call_output"] = "custom_tool_call_output"
    call_id: str
    output: FunctionCallOutputPayload


class ResponseItemWebSearchCall(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["web_search_call"] = "web_search_call"
    id: str | None = Field(default=None, exclude=True, json_schema_extra={TS_OPTIONAL: True})
    status: str | None = optional()
    action: WebSearchAction | None = optional()


class GhostCommit(SnakeModel):
    """A commit of the working tree taken before a turn, to undo it."""

    id: str
    parent: str | None = None
    preexisting_untracked_files: list[str] = Field(default_factory=list)
    preexisting_untracked_dirs: list[str] = Field(default_factory=list)


class ResponseItemGhostSnapshot(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["ghost_snapshot"] = "ghost_snapshot"
    ghost_commit: GhostCommit


class ResponseItemCompaction(SnakeModel):
    """History the provider compacted, in a form only it reads."""

    ts_inline: ClassVar[bool] = True
    type: Literal["compaction"] = "compaction"
    encrypted_content: str


class ResponseItemOther(_OtherKind):
    """An item of a kind this version does not know."""


_RESPONSE_ITEM_TYPES = frozenset(
    {
        "message",
        "reasoning",
        "local_shell_call",
        "function_call",
        "function_call_output",
        "custom_tool_call",
        "custom_tool_call_output",
        "web_search_call",
        "ghost_snapshot",
        "compaction",
    }
)

ResponseItem = TypeAliasType(
    "ResponseItem",
    Annotated[
        Annotated[ResponseItemMessage, Tag("message")]
        | Annotated[ResponseItemReasoning, Tag("reasoning")]
        | Annotated[ResponseItemLocalShellCall, Tag("local_shell_call")]
        | Annotated[ResponseItemFunctionCall, Tag("function_call")]
        | Annotated[ResponseItemFunctionCallOutput, Tag("function_call_output")]
        | Annotated[ResponseItemCustomToolCall, Tag("custom_tool_call")]
        | Annotated[ResponseItemCustomToolCallOutput, Tag("custom_tool_call_output")]
        | Annotated[ResponseItemWebSearchCall, Tag("web_search_call")]
        | Annotated[ResponseItemGhostSnapshot, Tag("ghost_snapshot")]
        | Annotated[ResponseItemCompaction, Tag("compaction")]
        | Annotated[ResponseItemOther, Tag("other")],
        _tag_or_other(_RESPONSE_ITEM_TYPES),
    ],
)
"""An item of the conversation as the model sees it (Responses API shape)."""


# --------------------------------------------------------------------------
# User input
# --------------------------------------------------------------------------


class ByteRange(SnakeModel):
    """A range of bytes in a UTF-8 text: ``start`` included, ``end`` excluded."""

    start: int
    end: int


class TextElement(CamelModel):
    """A span of the user's text that stands for something else (a pasted block, a mention)."""

    byte_range: ByteRange
    placeholder: str | None = None


class InputItemTextData(SnakeModel):
    ts_inline: ClassVar[bool] = True
    text: str
    text_elements: list[TextElement] = Field(default_factory=list)


class InputItemImageData(SnakeModel):
    ts_inline: ClassVar[bool] = True
    image_url: str


class InputItemLocalImageData(SnakeModel):
    ts_inline: ClassVar[bool] = True
    path: PathText


class InputItemText(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["text"] = "text"
    data: InputItemTextData


class InputItemImage(SnakeModel):
    """An image given as a URL (usually a `data:` URL)."""

    ts_inline: ClassVar[bool] = True
    type: Literal["image"] = "image"
    data: InputItemImageData


class InputItemLocalImage(SnakeModel):
    """An image file on the machine; it is sent to the model as a `data:` URL."""

    ts_inline: ClassVar[bool] = True
    type: Literal["localImage"] = "localImage"
    data: InputItemLocalImageData


InputItem = TypeAliasType(
    "InputItem",
    Annotated[
        InputItemText | InputItemImage | InputItemLocalImage,
        Field(discriminator="type"),
    ],
)
"""A piece of user input in `sendUserMessage` / `sendUserTurn`."""


class UserInputText(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["text"] = "text"
    text: str
    text_elements: list[TextElement] = Field(default_factory=list)


class UserInputImage(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["image"] = "image"
    image_url: str


class UserInputLocalImage(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["local_image"] = "local_image"
    path: str


class UserInputSkill(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["skill"] = "skill"
    name: str
    path: str


class UserInputMention(SnakeModel):
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
"""A piece of user input as it appears in turn items."""


# --------------------------------------------------------------------------
# Turn items
# --------------------------------------------------------------------------


class UserMessageItem(SnakeModel):
    type: Literal["UserMessage"] = "UserMessage"
    id: str
    content: list[UserInput]


class AgentMessageContentText(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["Text"] = "Text"
    text: str


AgentMessageContent = TypeAliasType(
    "AgentMessageContent", Annotated[AgentMessageContentText, Field(discriminator="type")]
)
"""One part of the model's message (only text exists)."""


class AgentMessageItem(SnakeModel):
    type: Literal["AgentMessage"] = "AgentMessage"
    id: str
    content: list[AgentMessageContent]
    phase: MessagePhase | None = optional()


class PlanItem(SnakeModel):
    type: Literal["Plan"] = "Plan"
    id: str
    text: str


class ReasoningItem(SnakeModel):
    type: Literal["Reasoning"] = "Reasoning"
    id: str
    summary_text: list[str]
    raw_content: list[str] = Field(default_factory=list)


class WebSearchItem(SnakeModel):
    type: Literal["WebSearch"] = "WebSearch"
    id: str
    query: str
    action: WebSearchAction


class ContextCompactionItem(SnakeModel):
    type: Literal["ContextCompaction"] = "ContextCompaction"
    id: str


TurnItem = TypeAliasType(
    "TurnItem",
    Annotated[
        UserMessageItem
        | AgentMessageItem
        | PlanItem
        | ReasoningItem
        | WebSearchItem
        | ContextCompactionItem,
        Field(discriminator="type"),
    ],
)
"""An item of a turn, tagged by ``type`` (`UserMessage`, `AgentMessage`, ...)."""
