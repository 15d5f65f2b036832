"""`update_plan`: the model keeps its plan; the editor shows it (`plan_update`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from app_server_protocol.plan import UpdatePlanArgs

from ..tool_specs import UPDATE_PLAN
from .base import JsonObject, ToolCall, ToolResult, bad_arguments, describe_arguments_error

if TYPE_CHECKING:
    from ..scope import TurnScope


class UpdatePlanTool:
    name = "update_plan"

    def spec(self, scope: TurnScope) -> JsonObject:
        return UPDATE_PLAN

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        try:
            args = UpdatePlanArgs.model_validate_json(call.arguments or "{}")
        except ValidationError as exc:
            return bad_arguments(describe_arguments_error(exc))
        await scope.emit(args)
        return ToolResult("Plan updated", success=True)
