"""What the model reads back from MCP tools and resources.

A tool's result is given as the reference gives it: the JSON of its
``structuredContent`` when it has one; else, when the content holds an image,
the content as a list of parts (text as ``input_text``, each image as an
``input_image`` with a data URL, any other block as the text of its JSON);
else the JSON of its content blocks (compact, as serde writes it). For a model
that cannot read images, each image block is first replaced by a text block
saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from pydantic import TypeAdapter

from app_server_protocol.items import (
    FunctionCallOutputContentItem,
    FunctionCallOutputInputImage,
    FunctionCallOutputInputText,
)
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
_BLOCK: Final = TypeAdapter(ContentBlock)
_CONTENTS: Final = TypeAdapter(list[ResourceContents])


def json_text(value: Any) -> str:
    """Compact JSON, non-ASCII kept as is (as serde_json writes it)."""
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class ToolOutput:
    """A tool's result as the model reads it (the agent makes its tool result of it)."""

    output: str
    success: bool
    content_items: list[FunctionCallOutputContentItem] | None = None
    """The output as parts, when it carries images (then this is what the model gets)."""


def tool_output(result: CallToolResult, accepts_images: bool) -> ToolOutput:
    """The model's view of a tool's result."""
    success = not result.is_error
    if result.structured_content is not None:
        return ToolOutput(json_text(result.structured_content), success)
    blocks: list[Any] = [
        TextContent(text=IMAGE_OMITTED)
        if isinstance(block, ImageContent) and not accepts_images
        else block
        for block in result.content
    ]
    text = _BLOCKS.dump_json(blocks, by_alias=True).decode()
    if not any(isinstance(block, ImageContent) for block in blocks):
        return ToolOutput(text, success)
    return ToolOutput(text, success, [_content_item(block) for block in blocks])


def _content_item(block: Any) -> FunctionCallOutputContentItem:
    if isinstance(block, TextContent):
        return FunctionCallOutputInputText(text=block.text)
    if isinstance(block, ImageContent):
        url = block.data
        if not url.startswith("data:"):
            url = f"data:{block.mime_type};base64,{block.data}"
        return FunctionCallOutputInputImage(image_url=url)
    return FunctionCallOutputInputText(text=_BLOCK.dump_json(block, by_alias=True).decode())


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
