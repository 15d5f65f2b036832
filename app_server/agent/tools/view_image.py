"""`view_image`: attach a local image to the conversation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from app_server_protocol.events import ViewImageToolCallEvent
from app_server_protocol.items import ContentItemInputImage, ResponseItemMessage

from ..tool_specs import VIEW_IMAGE
from ..user_input import image_data_url
from .base import JsonObject, ToolCall, ToolResult

if TYPE_CHECKING:
    from ..turn import TurnScope


class ViewImageTool:
    name = "view_image"

    def spec(self, scope: TurnScope) -> JsonObject:
        return VIEW_IMAGE

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        try:
            raw = json.loads(call.arguments or "{}")
            path_text = raw["path"]
            if not isinstance(path_text, str):
                raise TypeError("path must be a string")
        except (ValueError, KeyError, TypeError) as exc:
            return ToolResult(f"failed to parse function arguments: {exc}", success=False)
        path = Path(path_text)
        if not path.is_absolute():
            path = Path(scope.settings.cwd) / path
        try:
            url = await anyio.to_thread.run_sync(image_data_url, path)
        except OSError as exc:
            return ToolResult(
                f"unable to locate image at `{path}`: {exc.strerror or exc}", success=False
            )
        await scope.emit(ViewImageToolCallEvent(call_id=call.call_id, path=str(path)))
        image = ResponseItemMessage(role="user", content=[ContentItemInputImage(image_url=url)])
        return ToolResult("attached local image path", success=True, follow_up=(image,))
