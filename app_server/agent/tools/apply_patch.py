"""`apply_patch`: create, change, move and delete files with a patch.

Offered as a free-form tool (the model writes the patch itself, constrained
by a grammar) or as a JSON function with one ``input`` argument, as the
model family prefers; a call of either shape is accepted. The result is the
shell tool's JSON (a request that offers the free-form tool shows it as text:
see `exec_output.reframed_exec_output`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, ValidationError

from ..tool_specs import APPLY_PATCH, APPLY_PATCH_FREEFORM
from .base import JsonObject, ToolCall, ToolResult, bad_arguments, describe_arguments_error

if TYPE_CHECKING:
    from ..scope import TurnScope


class ApplyPatchArguments(BaseModel):
    """The JSON function's arguments."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    input: str


class ApplyPatchTool:
    name = "apply_patch"

    def __init__(self, *, freeform: bool) -> None:
        self.freeform = freeform

    def spec(self, scope: TurnScope) -> JsonObject:
        return APPLY_PATCH_FREEFORM if self.freeform else APPLY_PATCH

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        from .patch_flow import apply_patch_call

        if call.freeform:
            patch = call.arguments
        else:
            try:
                patch = ApplyPatchArguments.model_validate_json(call.arguments or "null").input
            except ValidationError as exc:
                return bad_arguments(describe_arguments_error(exc))
        async with scope.exclusive:
            return await apply_patch_call(scope, call.call_id, patch, scope.settings.cwd)
