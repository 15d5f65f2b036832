"""`RequestObserver`: what the model client reports about its requests, to
whoever watches them (telemetry). A port, so the client imports no watcher."""

from __future__ import annotations

from typing import Protocol


class RequestObserver(Protocol):
    def api_request(
        self, attempt: int, duration_s: float, status: int | None, error: str | None
    ) -> None:
        """One HTTP attempt ended (``status`` None: no response)."""
        ...

    def sse_event(self, kind: str | None, duration_s: float, error: str | None = None) -> None:
        """One SSE event arrived (or failed to) after ``duration_s``."""
        ...

    def sse_completed(
        self,
        input_tokens: int,
        output_tokens: int,
        cached_tokens: int | None,
        reasoning_tokens: int | None,
        total_tokens: int,
    ) -> None:
        """The response completed with this token usage."""
        ...
