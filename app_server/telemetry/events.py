"""The events of one conversation, as attribute tables.

Names, attributes and value types follow what Codex 0.107.0 exports (its
``codex_otel`` crate): every event carries ``event.name`` and the
conversation's metadata as attributes; most values are strings, a few are
integers (status code, attempt, cached and reasoning token counts, context
window). Text that may hold a credential (tool arguments and output, error
messages) goes through the log redactor first; the user's prompt is only
exported when ``log_user_prompt`` is on.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final, Protocol

from ..logs import redact

#: What the prompt attribute says when the prompt is not exported.
REDACTED: Final = "[REDACTED]"

AttributeValue = str | int | bool
Attributes = dict[str, AttributeValue]


class DecisionSource(StrEnum):
    """Who decided whether a tool call may run (spelled as the reference does)."""

    CONFIG = "Config"
    """The approval policy let it run without asking."""
    USER = "User"


class EventSink(Protocol):
    """Where finished events go (the exporter, or a buffer until it is ready)."""

    def emit(self, name: str, attributes: Attributes, time_ns: int) -> None: ...

    def span(self, name: str, start_ns: int, end_ns: int, attributes: Attributes) -> None:
        """A span that ended (made after the fact, from the event's duration)."""
        ...


@dataclass(frozen=True)
class ConversationMetadata:
    """What every event of a conversation carries."""

    conversation_id: str
    app_version: str
    originator: str
    terminal_type: str
    model: str
    slug: str
    auth_mode: str | None = None
    """``ApiKey`` or ``Chatgpt`` (the reference's spelling), when signed in."""
    account_id: str | None = None
    account_email: str | None = None

    def attributes(self, name: str, now_ns: int) -> Attributes:
        attributes: Attributes = {
            "event.name": name,
            "event.timestamp": event_timestamp(now_ns),
            "conversation.id": self.conversation_id,
            "app.version": self.app_version,
        }
        if self.auth_mode is not None:
            attributes["auth_mode"] = self.auth_mode
        attributes["originator"] = self.originator
        if self.account_id is not None:
            attributes["user.account_id"] = self.account_id
        if self.account_email is not None:
            attributes["user.email"] = self.account_email
        attributes["terminal.type"] = self.terminal_type
        attributes["model"] = self.model
        attributes["slug"] = self.slug
        return attributes


def event_timestamp(time_ns: int) -> str:
    """RFC 3339 in UTC with milliseconds, as the reference writes it."""
    moment = datetime.fromtimestamp(time_ns / 1e9, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _mcp_server(tool_name: str) -> str:
    """The server of an MCP tool (``mcp__SERVER__TOOL``), else ""."""
    if not tool_name.startswith("mcp__"):
        return ""
    server, _, _ = tool_name.removeprefix("mcp__").partition("__")
    return server


@dataclass(frozen=True)
class ConversationStart:
    """The settings a conversation starts with (``codex.conversation_starts``)."""

    provider_name: str
    reasoning_effort: str | None
    reasoning_summary: str
    context_window: int | None
    approval_policy: str
    sandbox_policy: str
    mcp_servers: tuple[str, ...]
    active_profile: str | None


class ConversationTelemetry:
    """The events of one conversation. Cheap: each event is an attribute
    table handed to the sink, which never blocks."""

    def __init__(
        self, metadata: ConversationMetadata, sink: EventSink, *, log_user_prompt: bool
    ) -> None:
        self.metadata = metadata
        self._sink = sink
        self._log_user_prompt = log_user_prompt
        self._tool_names: dict[str, str] = {}
        """The tool of each call under way, by call id (for its decisions)."""

    def _emit(self, name: str, extra: Mapping[str, AttributeValue | None]) -> None:
        now = time.time_ns()
        attributes = self.metadata.attributes(name, now)
        attributes.update((key, value) for key, value in extra.items() if value is not None)
        self._sink.emit(name, attributes, now)

    def _span(self, name: str, duration_s: float, extra: Mapping[str, AttributeValue]) -> None:
        end = time.time_ns()
        attributes: Attributes = {
            "conversation.id": self.metadata.conversation_id,
            "model": self.metadata.model,
        }
        attributes.update(extra)
        self._sink.span(name, end - int(duration_s * 1e9), end, attributes)

    # -- the events ---------------------------------------------------------------

    def conversation_starts(self, start: ConversationStart) -> None:
        self._emit(
            "codex.conversation_starts",
            {
                "provider_name": start.provider_name,
                "reasoning_effort": start.reasoning_effort,
                "reasoning_summary": start.reasoning_summary,
                "context_window": start.context_window,
                "approval_policy": start.approval_policy,
                "sandbox_policy": start.sandbox_policy,
                "mcp_servers": ", ".join(start.mcp_servers),
                "active_profile": start.active_profile,
            },
        )

    def user_prompt(self, texts: Iterable[str]) -> None:
        prompt = "".join(texts)
        self._emit(
            "codex.user_prompt",
            {
                "prompt_length": str(len(prompt)),
                "prompt": prompt if self._log_user_prompt else REDACTED,
            },
        )

    def api_request(
        self, attempt: int, duration_s: float, status: int | None, error: str | None
    ) -> None:
        self._emit(
            "codex.api_request",
            {
                "duration_ms": str(int(duration_s * 1000)),
                "http.response.status_code": status,
                "error.message": None if error is None else redact(error),
                "attempt": attempt,
            },
        )
        span: Attributes = {"attempt": attempt}
        if status is not None:
            span["http.response.status_code"] = status
        self._span("stream_request", duration_s, span)

    def sse_event(self, kind: str | None, duration_s: float, error: str | None = None) -> None:
        self._emit(
            "codex.sse_event",
            {
                "event.kind": kind,
                "duration_ms": str(int(duration_s * 1000)),
                "error.message": None if error is None else redact(error),
            },
        )

    def sse_completed(
        self,
        input_tokens: int,
        output_tokens: int,
        cached_tokens: int | None,
        reasoning_tokens: int | None,
        total_tokens: int,
    ) -> None:
        self._emit(
            "codex.sse_event",
            {
                "event.kind": "response.completed",
                "input_token_count": str(input_tokens),
                "output_token_count": str(output_tokens),
                "cached_token_count": cached_tokens,
                "reasoning_token_count": reasoning_tokens,
                # The reference reports the total under this name.
                "tool_token_count": str(total_tokens),
            },
        )

    def tool_started(self, call_id: str, tool_name: str) -> float:
        """A tool call starts; returns its start (for `tool_result`)."""
        self._tool_names[call_id] = tool_name
        return time.monotonic()

    def tool_decision(self, call_id: str, decision: str, source: DecisionSource) -> None:
        self._emit(
            "codex.tool_decision",
            {
                "tool_name": self._tool_names.get(call_id, ""),
                "call_id": call_id,
                "decision": decision,
                "source": str(source),
            },
        )

    def tool_result(
        self,
        call_id: str,
        tool_name: str,
        arguments: str,
        started: float,
        success: bool,
        output: str,
    ) -> None:
        self._tool_names.pop(call_id, None)
        duration = time.monotonic() - started
        self._emit(
            "codex.tool_result",
            {
                "tool_name": tool_name,
                "call_id": call_id,
                "arguments": redact(arguments),
                "duration_ms": str(int(duration * 1000)),
                "success": "true" if success else "false",
                "output": redact(output),
                "mcp_server": _mcp_server(tool_name),
                "mcp_server_origin": "",
            },
        )
        self._span("handle_tool_call", duration, {"tool_name": tool_name, "call_id": call_id})
