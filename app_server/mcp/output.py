"""What the model reads back from MCP tools and resources.

A tool's result is given as the reference gives it: the JSON of its
``structuredContent`` when it has one, else the JSON of its content blocks
(compact, as serde writes it). Images are not left as base64 text in that
output: a model that accepts images gets each one as an image in a message
that follows the output (as `view_image` attaches images), and the block in
the output says so; a model that does not gets a placeholder text instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from pydantic import TypeAdapter

from app_server_protocol.items import ContentItemInputImage, ResponseItemMessage
from app_server_protocol.mcp import (
    CallToolResult,
    ContentBlock,
    ImageContent,
    Resource,
    ResourceTemplate,
    TextContent,
)
from app_server_protocol.mcp import (
    EmbeddedResourceResource as ResourceContents,
)

#: In place of an image, for a model that cannot read images.
IMAGE_OMITTED: Final = "<image content omitted because you do not support image input>"

_BLOCKS: Final = TypeAdapter(list[ContentBlock])
_CONTENTS: Final = TypeAdapter(list[ResourceContents])


def image_attached(mime_type: str) -> str:
    """In place of an image that follows the output as an image."""
    return f"<image content ({mime_type}) attached in the next message>"


def json_text(value: Any) -> str:
    """Compact JSON, non-ASCII kept as is (as serde_json writes it)."""
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class ToolOutput:
    """A tool's result as the model reads it (the agent makes its tool result of it)."""

    output: str
    success: bool
    follow_up: tuple[ResponseItemMessage, ...] = ()
    """The images, in a message that follows the output."""


def tool_output(result: CallToolResult, accepts_images: bool) -> ToolOutput:
    """The model's view of a tool's result."""
    images = [block for block in result.content if isinstance(block, ImageContent)]
    if result.structured_content is not None:
        text = json_text(result.structured_content)
    else:
        blocks: list[Any] = [
            TextContent(text=image_attached(block.mime_type) if accepts_images else IMAGE_OMITTED)
            if isinstance(block, ImageContent)
            else block
            for block in result.content
        ]
        text = _BLOCKS.dump_json(blocks, by_alias=True).decode()
    follow_up: tuple[ResponseItemMessage, ...] = ()
    if accepts_images and images:
        follow_up = (
            ResponseItemMessage(
                role="user",
                content=[
                    ContentItemInputImage(image_url=f"data:{image.mime_type};base64,{image.data}")
                    for image in images
                ],
            ),
        )
    return ToolOutput(text, success=not result.is_error, follow_up=follow_up)


def resources_output(
    listed: Sequence[tuple[str, Resource]], server: str | None, next_cursor: str | None
) -> str:
    """``list_mcp_resources``: each resource with its server's name first."""
    return _listing_output("resources", listed, server, next_cursor)


def templates_output(
    listed: Sequence[tuple[str, ResourceTemplate]], server: str | None, next_cursor: str | None
) -> str:
    """``list_mcp_resource_templates``, as `resources_output`."""
    return _listing_output("resourceTemplates", listed, server, next_cursor)


def _listing_output(
    key: str,
    listed: Sequence[tuple[str, Resource | ResourceTemplate]],
    server: str | None,
    next_cursor: str | None,
) -> str:
    body: dict[str, Any] = {} if server is None else {"server": server}
    body[key] = [_with_server(name, item) for name, item in listed]
    if next_cursor is not None:
        body["nextCursor"] = next_cursor
    return json_text(body)


def read_output(server: str, uri: str, contents: Sequence[ResourceContents]) -> str:
    """``read_mcp_resource``."""
    dumped = _CONTENTS.dump_python(list(contents), by_alias=True, mode="json")
    return json_text({"server": server, "uri": uri, "contents": dumped})


def text_result(text: str) -> CallToolResult:
    """How the resource tools' outputs appear in ``mcp_tool_call_end``."""
    return CallToolResult(content=[TextContent(text=text)], is_error=False)


def _with_server(server: str, item: Resource | ResourceTemplate) -> dict[str, Any]:
    return {"server": server, **item.model_dump(by_alias=True, mode="json")}
