"""An incremental Server-Sent Events decoder (the WHATWG event-stream format).

Feed it the body's bytes as they arrive, in chunks of any size; it hands out
each event once its terminating blank line is in. Lines end with ``\\n``,
``\\r\\n`` or ``\\r`` (also when a ``\\r\\n`` is split across chunks),
comment lines (``: keepalive``) are skipped, several ``data:`` lines join
with ``\\n``, and a chunk may end in the middle of a UTF-8 character.

Not httpx-sse (installed with ``mcp``): its public `EventSource` refuses a
body whose content type is not ``text/event-stream``, dispatches events
without data, names unnamed events ``""`` and reads the body itself, where
the model client needs chunk-level reads for its idle timeout and telemetry.
"""

from __future__ import annotations

import codecs
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SseEvent:
    data: str
    event: str = "message"
    id: str | None = None


class SseDecoder:
    """Bytes in, `SseEvent`s out."""

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._ready: deque[SseEvent] = deque()

    def feed(self, chunk: bytes) -> None:
        """Add bytes of the body; complete events become available from `next_event`."""
        text = self._text.decode(chunk)
        if text:
            self._buffer += text
            self._split_lines(final=False)

    def close(self) -> None:
        """The body ended: a last line without its line break still counts,
        but an event without its blank line is dropped (as the format says)."""
        self._buffer += self._text.decode(b"", final=True)
        self._split_lines(final=True)
        if self._buffer:
            self._line(self._buffer)
            self._buffer = ""

    def next_event(self) -> SseEvent | None:
        """The oldest complete event not handed out yet, or None."""
        return self._ready.popleft() if self._ready else None

    def _split_lines(self, *, final: bool) -> None:
        buffer = self._buffer
        held = ""
        if "\r" in buffer:
            # A lone "\r" at the end may be the first half of "\r\n".
            if buffer[-1] == "\r" and not final:
                buffer, held = buffer[:-1], "\r"
            buffer = buffer.replace("\r\n", "\n").replace("\r", "\n")
        lines = buffer.split("\n")
        self._buffer = lines.pop() + held
        for line in lines:
            self._line(line)

    def _line(self, line: str) -> None:
        if not line:
            self._dispatch()
            return
        if line[0] == ":":
            return
        name, colon, value = line.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        # "retry" and unknown fields are ignored: we do not reconnect by ourselves.

    def _dispatch(self) -> None:
        if self._data:
            self._ready.append(SseEvent("\n".join(self._data), self._event or "message", self._id))
        self._data = []
        self._event = ""
