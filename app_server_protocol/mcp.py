"""Model Context Protocol values carried by events (tools, tool results, resources)."""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field
from typing_extensions import TypeAliasType

from ._base import CamelModel, JsonValue, SnakeModel, optional


class Role(StrEnum):
    """Who a piece of content is meant for."""

    ASSISTANT = "assistant"
    USER = "user"


class Annotations(CamelModel):
    """Hints for the client about how a piece of content is meant to be used or shown."""

    audience: list[Role] | None = optional()
    last_modified: str | None = optional()
    priority: float | None = optional()


class TextContent(CamelModel):
    """Text given to or produced by a model."""

    annotations: Annotations | None = optional()
    text: str
    type: Literal["text"] = "text"


class ImageContent(CamelModel):
    """An image, base64-encoded."""

    annotations: Annotations | None = optional()
    data: str
    mime_type: str
    type: Literal["image"] = "image"


class AudioContent(CamelModel):
    """Audio, base64-encoded."""

    annotations: Annotations | None = optional()
    data: str
    mime_type: str
    type: Literal["audio"] = "audio"


class ResourceLink(CamelModel):
    """A reference to a resource that the server can read."""

    annotations: Annotations | None = optional()
    description: str | None = optional()
    mime_type: str | None = optional()
    name: str
    size: int | None = optional()
    title: str | None = optional()
    type: Literal["resource_link"] = "resource_link"
    uri: str


class TextResourceContents(CamelModel):
    mime_type: str | None = optional()
    text: str
    uri: str


class BlobResourceContents(CamelModel):
    blob: str
    mime_type: str | None = optional()
    uri: str


EmbeddedResourceResource = TypeAliasType(
    "EmbeddedResourceResource", TextResourceContents | BlobResourceContents
)
"""The contents of an embedded resource: text, or a base64 blob."""


class EmbeddedResource(CamelModel):
    """The contents of a resource, embedded in a prompt or a tool result."""

    annotations: Annotations | None = optional()
    resource: EmbeddedResourceResource
    type: Literal["resource"] = "resource"


ContentBlock = TypeAliasType(
    "ContentBlock",
    Annotated[
        TextContent | ImageContent | AudioContent | ResourceLink | EmbeddedResource,
        Field(discriminator="type"),
    ],
)
"""One block of content in a tool result."""


class CallToolResult(CamelModel):
    """What an MCP server answered to a tool call."""

    content: list[ContentBlock]
    is_error: bool | None = optional()
    structured_content: JsonValue | None = optional()


class ToolInputSchema(CamelModel):
    """The JSON Schema of a tool's arguments."""

    properties: JsonValue | None = optional()
    required: list[str] | None = optional()
    type: str = "object"


class ToolOutputSchema(CamelModel):
    """The JSON Schema of a tool's structured result."""

    properties: JsonValue | None = optional()
    required: list[str] | None = optional()
    type: str = "object"


class ToolAnnotations(CamelModel):
    """Hints about a tool's behaviour. They come from the server and are not to be trusted."""

    destructive_hint: bool | None = optional()
    idempotent_hint: bool | None = optional()
    open_world_hint: bool | None = optional()
    read_only_hint: bool | None = optional()
    title: str | None = optional()


class Tool(CamelModel):
    """A tool offered by an MCP server."""

    annotations: ToolAnnotations | None = optional()
    description: str | None = optional()
    input_schema: ToolInputSchema
    name: str
    output_schema: ToolOutputSchema | None = optional()
    title: str | None = optional()


class Resource(CamelModel):
    """A resource an MCP server can read."""

    annotations: Annotations | None = optional()
    description: str | None = optional()
    mime_type: str | None = optional()
    name: str
    size: int | None = optional()
    title: str | None = optional()
    uri: str


class ResourceTemplate(CamelModel):
    """A family of resources an MCP server can read, as a URI template."""

    annotations: Annotations | None = optional()
    description: str | None = optional()
    mime_type: str | None = optional()
    name: str
    title: str | None = optional()
    uri_template: str


class McpInvocation(SnakeModel):
    """A call of an MCP tool."""

    server: str = Field(description="The server's name in the configuration.")
    tool: str = Field(description="The tool's name as the server gives it.")
    arguments: JsonValue | None = None


class McpAuthStatus(StrEnum):
    """How the daemon authenticates to an MCP server."""

    UNSUPPORTED = "unsupported"
    NOT_LOGGED_IN = "not_logged_in"
    BEARER_TOKEN = "bearer_token"
    O_AUTH = "o_auth"
