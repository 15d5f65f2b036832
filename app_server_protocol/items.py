"""Conversation items: what the model receives and returns (`ResponseItem`),
what the user sends (`InputItem`, `UserInput`) and the items of a turn as the
editor sees them (`TurnItem`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Discriminator, Field, Tag, model_serializer, model_validator
from typing_extensions import TypeAliasType

from ._base import TS_BIGINT, TS_OPTIONAL, PathText, SnakeModel, optional

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
    query: str


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
        | Annotated[WebSearchActionOther, Tag("other")],
        _tag_or_other(frozenset({"search"})),
    ],
)
"""What a web search call did; kinds this version does not know become `other`."""


FunctionCallOutputContentItem = TypeAliasType(
    "FunctionCallOutputContentItem",
    Annotated[ContentItemInputText | ContentItemInputImage, Field(discriminator="type")],
)
"""One part of a tool's output given as content (text, or an image as a data URL)."""


class FunctionCallOutputPayload(SnakeModel):
    """The output of a function call.

    On the wire (model requests, rollout files, events) it is written as a
    plain string, the `content`, or, when the output carries images, as the
    list of its `content_items`; `success` is kept in memory only.
    """

    content: str
    content_items: list[FunctionCallOutputContentItem] | None = None
    """The output as text and images (when set, it is what the wire carries)."""
    success: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_wire(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"content": data}
        if isinstance(data, list):
            text = "\n".join(
                part.get("text", "")
                for part in data
                if isinstance(part, dict) and part.get("type") == "input_text"
            )
            return {"content": text, "content_items": data}
        return data

    @model_serializer(mode="plain")
    def _as_wire(self) -> str | list[FunctionCallOutputContentItem]:
        return self.content if self.content_items is None else self.content_items


# --------------------------------------------------------------------------
# ResponseItem
# --------------------------------------------------------------------------


class ResponseItemMessage(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["message"] = "message"
    id: str | None = Field(default=None, exclude=True)
    role: str
    content: list[ContentItem]


class ResponseItemReasoning(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["reasoning"] = "reasoning"
    id: str = Field(default="", exclude=True, json_schema_extra={TS_OPTIONAL: True})
    summary: list[ReasoningItemReasoningSummary]
    content: list[ReasoningItemContent] | None = None
    encrypted_content: str | None = None


class ResponseItemLocalShellCall(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["local_shell_call"] = "local_shell_call"
    id: str | None = Field(default=None, exclude=True, description="Set by Chat Completions.")
    call_id: str | None = Field(default=None, description="Set by the Responses API.")
    status: LocalShellStatus
    action: LocalShellAction


class ResponseItemFunctionCall(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["function_call"] = "function_call"
    id: str | None = Field(default=None, exclude=True)
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
    id: str | None = Field(default=None, exclude=True)
    status: str | None = optional()
    call_id: str
    name: str
    input: str


class ResponseItemCustomToolCallOutput(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["custom_tool_call_output"] = "custom_tool_call_output"
    call_id: str
    output: str


class ResponseItemWebSearchCall(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["web_search_call"] = "web_search_call"
    id: str | None = Field(default=None, exclude=True)
    status: str | None = optional()
    action: WebSearchAction


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
        | Annotated[ResponseItemOther, Tag("other")],
        _tag_or_other(_RESPONSE_ITEM_TYPES),
    ],
)
"""An item of the conversation as the model sees it (Responses API shape)."""


# --------------------------------------------------------------------------
# User input
# --------------------------------------------------------------------------


class InputItemTextData(SnakeModel):
    ts_inline: ClassVar[bool] = True
    text: str


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


class UserInputImage(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["image"] = "image"
    image_url: str


class UserInputLocalImage(SnakeModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["local_image"] = "local_image"
    path: str


UserInput = TypeAliasType(
    "UserInput",
    Annotated[
        UserInputText | UserInputImage | UserInputLocalImage,
        Field(discriminator="type"),
    ],
)
"""A piece of user input as it appears in turn items."""


# --------------------------------------------------------------------------
# Turn items
# --------------------------------------------------------------------------


class UserMessageItem(SnakeModel):
    id: str
    content: list[UserInput]


class AgentMessageText(SnakeModel):
    ts_inline: ClassVar[bool] = True
    text: str


class AgentMessageContentText(SnakeModel):
    ts_inline: ClassVar[bool] = True
    text: AgentMessageText = Field(alias="Text")


AgentMessageContent = TypeAliasType("AgentMessageContent", AgentMessageContentText)
"""One part of the model's message (only text exists)."""


class AgentMessageItem(SnakeModel):
    id: str
    content: list[AgentMessageContent]


class ReasoningItem(SnakeModel):
    id: str
    summary_text: list[str]
    raw_content: list[str]


class WebSearchItem(SnakeModel):
    id: str
    query: str


class TurnItemUserMessage(SnakeModel):
    ts_inline: ClassVar[bool] = True
    user_message: UserMessageItem = Field(alias="UserMessage")


class TurnItemAgentMessage(SnakeModel):
    ts_inline: ClassVar[bool] = True
    agent_message: AgentMessageItem = Field(alias="AgentMessage")


class TurnItemReasoning(SnakeModel):
    ts_inline: ClassVar[bool] = True
    reasoning: ReasoningItem = Field(alias="Reasoning")


class TurnItemWebSearch(SnakeModel):
    ts_inline: ClassVar[bool] = True
    web_search: WebSearchItem = Field(alias="WebSearch")


TurnItem = TypeAliasType(
    "TurnItem",
    TurnItemUserMessage | TurnItemAgentMessage | TurnItemReasoning | TurnItemWebSearch,
)
"""An item of a turn, tagged by its single key (`UserMessage`, `AgentMessage`, ...)."""
