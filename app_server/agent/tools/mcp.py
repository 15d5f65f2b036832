"""The tools of MCP servers, and the three built-in tools over their resources
(``list_mcp_resources``, ``list_mcp_resource_templates``, ``read_mcp_resource``).

Every call the model makes of them is reported as ``mcp_tool_call_begin``
then ``mcp_tool_call_end`` (with its duration and the server's result, or why
it failed); the resource tools report under the server ``codex`` when no
server is named, as the reference does. Arguments that are not valid JSON
are answered at once, without events.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict, ValidationError

from app_server_protocol.events import (
    McpToolCallBeginEvent,
    McpToolCallEndEvent,
    McpToolCallErr,
    McpToolCallOk,
)
from app_server_protocol.exec_types import Duration
from app_server_protocol.mcp import CallToolResult, McpInvocation

from ..tool_specs import LIST_MCP_RESOURCE_TEMPLATES, LIST_MCP_RESOURCES, READ_MCP_RESOURCE
from .base import JsonObject, ToolCall, ToolResult, bad_arguments, describe_arguments_error

if TYPE_CHECKING:
    from ...mcp.manager import McpConnections, McpToolEntry
    from ..scope import TurnScope


@runtime_checkable
class McpProgressSink(Protocol):
    """A thread's host that reports the progress of MCP tool calls (the v2
    face's ``item/mcpToolCall/progress``; the 0.107.0 binary asks servers for
    progress but only logs it). A host without it hears nothing."""

    async def mcp_tool_call_progress(self, submission_id: str, call_id: str, message: str) -> None:
        """A progress notification of the call ``call_id`` (its item id), as text."""
        ...


#: The server named in the events of resource tools called for every server.
BUILTIN_SERVER: Final = "codex"


class McpTool:
    """One tool of an MCP server, offered as ``mcp__server__tool``."""

    def __init__(self, entry: McpToolEntry, connections: McpConnections) -> None:
        self.entry = entry
        self.name = entry.name
        self._connections = connections

    def spec(self, scope: TurnScope) -> JsonObject:
        return self.entry.spec

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        from ...mcp.manager import McpRequestError

        try:
            arguments = _tool_arguments(call.arguments)
        except ValueError as exc:
            return ToolResult(f"err: {exc}", success=False)
        invocation = McpInvocation(
            server=self.entry.server, tool=self.entry.tool, arguments=arguments
        )

        sink = scope.host if isinstance(scope.host, McpProgressSink) else None

        async def progressed(message: str) -> None:
            if sink is not None:
                await sink.mcp_tool_call_progress(scope.submission_id, call.call_id, message)

        async def run() -> CallToolResult:
            try:
                return await self._connections.call_tool(
                    self.entry.server, self.entry.tool, arguments, progressed
                )
            except McpRequestError as exc:
                raise _Failed(str(exc)) from None

        outcome = await _reported(scope, call.call_id, invocation, run)
        if isinstance(outcome, str):
            return ToolResult(outcome, success=False)
        from ...mcp.output import tool_output

        model_output = tool_output(outcome, accepts_images=scope.family.image_input)
        return ToolResult(
            model_output.output,
            success=model_output.success,
            content_items=model_output.content_items,
        )


class _ResourceArgs(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, defer_build=True)

    server: str | None = None
    cursor: str | None = None


class _ReadArgs(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, defer_build=True)

    server: str
    uri: str


class ListMcpResourcesTool:
    name = "list_mcp_resources"

    def __init__(self, connections: McpConnections, templates: bool = False) -> None:
        self._connections = connections
        self._templates = templates
        if templates:
            self.name = "list_mcp_resource_templates"

    def spec(self, scope: TurnScope) -> JsonObject:
        return LIST_MCP_RESOURCE_TEMPLATES if self._templates else LIST_MCP_RESOURCES

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        try:
            raw, args = _parse(call.arguments, _ResourceArgs, empty_is_object=True)
        except ValueError as exc:
            return bad_arguments(str(exc))
        server = (args.server or "").strip() or None
        cursor = args.cursor
        invocation = McpInvocation(server=server or BUILTIN_SERVER, tool=self.name, arguments=raw)
        connections = self._connections

        async def run() -> CallToolResult:
            from ...mcp.manager import McpRequestError
            from ...mcp.output import resources_output, templates_output, text_result

            if cursor is not None and server is None:
                raise _Failed("cursor can only be used when a server is specified")
            try:
                if self._templates:
                    templates, next_cursor = await connections.list_resource_templates(
                        server, cursor
                    )
                    text = templates_output(templates, server, next_cursor)
                else:
                    resources, next_cursor = await connections.list_resources(server, cursor)
                    text = resources_output(resources, server, next_cursor)
            except McpRequestError as exc:
                raise _Failed(str(exc)) from None
            return text_result(text)

        return _text_outcome(await _reported(scope, call.call_id, invocation, run))


class ReadMcpResourceTool:
    name = "read_mcp_resource"

    def __init__(self, connections: McpConnections) -> None:
        self._connections = connections

    def spec(self, scope: TurnScope) -> JsonObject:
        return READ_MCP_RESOURCE

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        try:
            raw, args = _parse(call.arguments, _ReadArgs, empty_is_object=False)
        except ValueError as exc:
            return bad_arguments(str(exc))
        server = args.server.strip()
        invocation = McpInvocation(server=server, tool=self.name, arguments=raw)
        connections = self._connections

        async def run() -> CallToolResult:
            from ...mcp.manager import McpRequestError
            from ...mcp.output import read_output, text_result

            try:
                contents = await connections.read_resource(server, args.uri)
            except McpRequestError as exc:
                raise _Failed(str(exc)) from None
            return text_result(read_output(server, args.uri, contents))

        return _text_outcome(await _reported(scope, call.call_id, invocation, run))


class _Failed(Exception):
    """A call's failure, as ``mcp_tool_call_end`` and the model see it."""


async def _reported(
    scope: TurnScope, call_id: str, invocation: McpInvocation, run: Any
) -> CallToolResult | str:
    """Run the call between its begin and end events; its result, or why it failed."""
    await scope.emit(McpToolCallBeginEvent(call_id=call_id, invocation=invocation))
    started = time.monotonic()
    outcome: CallToolResult | str
    try:
        outcome = await run()
        result: McpToolCallOk | McpToolCallErr = McpToolCallOk(ok=outcome)
    except _Failed as exc:
        outcome = str(exc)
        result = McpToolCallErr(err=outcome)
    duration = Duration.from_seconds(time.monotonic() - started)
    await scope.emit(
        McpToolCallEndEvent(
            call_id=call_id, invocation=invocation, duration=duration, result=result
        )
    )
    return outcome


def _text_outcome(outcome: CallToolResult | str) -> ToolResult:
    if isinstance(outcome, str):
        return ToolResult(outcome, success=False)
    text = "".join(getattr(block, "text", "") for block in outcome.content)
    return ToolResult(text, success=True)


def _tool_arguments(text: str) -> dict[str, Any] | None:
    """An MCP tool's arguments: a JSON object, or nothing at all."""
    if not text.strip():
        return None
    value = json.loads(text)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("the arguments must be a JSON object")
    return value


_Args = TypeVar("_Args", bound=BaseModel)


def _parse(text: str, model: type[_Args], empty_is_object: bool) -> tuple[Any, _Args]:
    """The arguments as JSON (for the events) and as ``model``."""
    if not text.strip():
        if empty_is_object:
            return None, model.model_validate({})
        text = "{}"
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    try:
        return raw, model.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(describe_arguments_error(exc)) from None
