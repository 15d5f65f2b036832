"""`view_image`: attach a local image to the conversation."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import anyio
from pydantic import BaseModel, ConfigDict, ValidationError

from app_server_protocol.events import ViewImageToolCallEvent
from app_server_protocol.items import ContentItemInputImage, ResponseItemMessage

from ..tool_specs import VIEW_IMAGE
from ..user_input import image_data_url
from .base import JsonObject, ToolCall, ToolResult, bad_arguments, describe_arguments_error

if TYPE_CHECKING:
    from ..scope import TurnScope


class ViewImageArguments(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    path: str


class ViewImageTool:
    name = "view_image"

    def spec(self, scope: TurnScope) -> JsonObject:
        return VIEW_IMAGE

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        try:
            args = ViewImageArguments.model_validate_json(call.arguments or "{}")
        except ValidationError as exc:
            return bad_arguments(describe_arguments_error(exc))
        path = Path(args.path)
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
