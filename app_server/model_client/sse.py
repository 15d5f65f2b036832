"""An incremental Server-Sent Events decoder (the WHATWG event-stream format).

Feed it the body's bytes as they arrive, in chunks of any size; it hands out
each event once its terminating blank line is in. Lines end with ``\\n``,
``\\r\\n`` or ``\\r`` (also when a ``\\r\\n`` is split across chunks),
comment lines (``: keepalive``) are skipped, several ``data:`` lines join
with ``\\n``, and a chunk may end in the middle of a UTF-8 character.
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
        start = 0
        size = len(buffer)
        while start < size:
            newline = buffer.find("\n", start)
            ret = buffer.find("\r", start, newline if newline >= 0 else size)
            if ret >= 0:
                # A lone "\r" at the end may be the first half of "\r\n".
                if ret == size - 1 and not final:
                    break
                self._line(buffer[start:ret])
                start = ret + 2 if ret + 1 < size and buffer[ret + 1] == "\n" else ret + 1
            elif newline >= 0:
                self._line(buffer[start:newline])
                start = newline + 1
            else:
                break
        self._buffer = buffer[start:]

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
