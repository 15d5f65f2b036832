"""Answering `listConversations` while the full server is still loading.

Loading the event loop, pydantic and the protocol models takes a few hundred
milliseconds after the handshake, and an editor typically asks for the
conversation history right after ``initialize``. So the main thread answers
plainly valid ``listConversations`` requests itself, with the standard
library and the same listing code (and caches) the full server then goes on
using, and reads the next page's heads ahead while the client reads a page.
A worker thread loads the full server once the client pauses; anything else
than a listing (another method, odd params) stops this stage at once: that
line and every later one are left, in order, to the full server, which
validates and answers them as usual. Tests check that a listing answered
here is byte for byte the one the full server gives.
"""

from __future__ import annotations

import json
import os
import select
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from .bootstrap import MAX_HANDSHAKE_LINE, reject_constant
from .config.layers import ConfigError, load_layers
from .conversations.listing import DEFAULT_PAGE_SIZE, RolloutIndex
from .conversations.naming import (
    SESSIONS_SUBDIR,
    UpdateKey,
    format_update_cursor,
    parse_update_cursor,
)
from .conversations.summaries import DEFAULT_PROVIDER_ID, needs_provider, summary_fields
from .fsutil import write_all
from .wire_checks import ID_RANGE, UINT64_MAX, has_duplicate_id

_READ_SIZE: Final = 1 << 16
_DONE: Final = object()
#: Loading starts once the client has sent nothing for this long (seconds).
IDLE_BEFORE_LOADING: Final = 0.01


def _dumps(value: Any) -> bytes:
    # Compact, UTF-8 as is: what pydantic writes for these values.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class ServerLoader:
    """Runs ``load`` in a worker thread and tells a `select` loop when it is done."""

    def __init__(self, load: Callable[[], None]) -> None:
        self._load = load
        self._read_fd, self._write_fd = os.pipe()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="server-loader", daemon=True)

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    def start(self) -> None:
        if not self.started:
            self._thread.start()

    def _run(self) -> None:
        try:
            self._load()
        except BaseException as exc:  # re-raised by `join`, in the main thread
            self.error = exc
        finally:
            os.write(self._write_fd, b"x")

    @property
    def done_fd(self) -> int:
        """Readable once loading is over."""
        return self._read_fd

    def join(self) -> None:
        self.start()
        self._thread.join()
        os.close(self._read_fd)
        os.close(self._write_fd)
        if self.error is not None:
            raise self.error


#: The ``initialized`` notification, which the server accepts and ignores.
INITIALIZED: Final = "initialized"


def parse_early_line(line: bytes) -> tuple[int | str, int, str | None] | bool:
    """``(id, page size, cursor)`` of a plainly valid ``listConversations``
    request; True for the ``initialized`` notification (nothing to do);
    False for anything else."""
    try:
        message = json.loads(line, parse_constant=reject_constant)
    except (ValueError, RecursionError):
        return False
    if type(message) is not dict:
        return False
    if message.get("method") == INITIALIZED and message.get("id") is None:
        return True
    if message.get("method") != "listConversations":
        return False
    return _listing_request(message, line)


def _listing_request(
    message: dict[str, Any], line: bytes
) -> tuple[int | str, int, str | None] | bool:
    request_id = message.get("id")
    if type(request_id) is not int and type(request_id) is not str:
        return False
    if (type(request_id) is int and request_id not in ID_RANGE) or has_duplicate_id(line):
        return False
    params = message.get("params")
    if type(params) is not dict:
        return False
    page_size = params.get("pageSize")
    cursor = params.get("cursor")
    if page_size is not None and (type(page_size) is not int or not 0 <= page_size <= UINT64_MAX):
        return False
    if cursor is not None and type(cursor) is not str:
        return False
    try:
        # Text that cannot be written back as UTF-8 (lone surrogates) is left
        # to the full server's stricter parser.
        line.decode("utf-8")
        if type(request_id) is str:
            request_id.encode("utf-8")
        if cursor is not None:
            cursor.encode("utf-8")
    except UnicodeError:
        return False
    return request_id, DEFAULT_PAGE_SIZE if page_size is None else page_size, cursor


#: The model providers that exist without configuration (see `config.resolve`).
BUILTIN_PROVIDER_IDS: Final = frozenset({DEFAULT_PROVIDER_ID, "oss"})


def configured_provider(codex_home: Path, overrides: Sequence[str]) -> str | None:
    """The model provider a new conversation would use, when the layered
    configuration plainly says (no profile chosen, a provider that exists);
    None when only the full configuration can tell."""
    try:
        table = load_layers(codex_home, overrides)
    except (ConfigError, ValueError):
        return None
    if "profile" in table:
        return None
    provider = table.get("model_provider", DEFAULT_PROVIDER_ID)
    if type(provider) is not str:
        return None
    if provider in BUILTIN_PROVIDER_IDS:
        return provider
    declared = table.get("model_providers")
    if type(declared) is dict and type(declared.get(provider)) is dict:
        return provider
    return None


def listing_response(
    index: RolloutIndex,
    request_id: int | str,
    size: int,
    cursor: str | None,
    default_provider: str | None = DEFAULT_PROVIDER_ID,
) -> tuple[bytes, UpdateKey | None] | None:
    """The reply, and where the page ended; None when only the full server can
    answer (a file does not name its model provider, and ``default_provider``,
    the configured one, is not known here)."""
    items, last = index.page(size, parse_update_cursor(cursor) if cursor is not None else None)
    fallback = default_provider
    if fallback is None:
        if any(needs_provider(item) for item in items):
            return None
        fallback = DEFAULT_PROVIDER_ID  # unused: every file names its own
    result: dict[str, Any] = {
        "items": [summary_fields(item, fallback) for item in items],
        "nextCursor": format_update_cursor(last) if items and last is not None else None,
    }
    return b'{"id":' + _dumps(request_id) + b',"result":' + _dumps(result) + b"}\n", last


class EarlyServer:
    """The stage between the handshake and the full server."""

    def __init__(
        self,
        codex_home: Path,
        pending: bytes,
        eof: bool,
        stdin_fd: int = 0,
        stdout_fd: int = 1,
        overrides: Sequence[str] = (),
    ) -> None:
        real_home = os.path.realpath(codex_home)
        self.default_provider = configured_provider(Path(codex_home), overrides)
        """The model provider named for files that name none; None: not known here."""
        self.index = RolloutIndex(os.path.join(real_home, SESSIONS_SUBDIR))
        self.pending = bytearray(pending)
        """Input left for the full server."""
        self._scanned = 0
        """``pending[:_scanned]`` holds no newline: a long line is searched once."""
        self.eof = eof
        self._ahead: Iterator[None] | None = None
        self._stdin = stdin_fd
        self._stdout = stdout_fd

    def serve_while(self, loader: ServerLoader) -> None:
        """Answer listings until the full server is loaded, stdin ends, or a
        line comes that only the full server can answer. Loading starts when
        the client has been quiet for `IDLE_BEFORE_LOADING` (or needs the full
        server): until then listings run alone, at full speed, instead of
        sharing the interpreter with the imports."""
        while True:
            if not self._answer_ready_lines() or self.eof:
                loader.start()
                return
            if self._ahead is not None:
                # While the client reads a page, the heads of the next one are
                # read, one file at a time, as long as nothing comes in.
                ready, _, _ = select.select([self._stdin, loader.done_fd], [], [], 0)
                if not ready:
                    if next(self._ahead, _DONE) is _DONE:
                        self._ahead = None
                    continue
            else:
                timeout = None if loader.started else IDLE_BEFORE_LOADING
                ready, _, _ = select.select([self._stdin, loader.done_fd], [], [], timeout)
                if not ready:
                    loader.start()
                    continue
            if loader.done_fd in ready:
                return
            chunk = os.read(self._stdin, _READ_SIZE)
            if not chunk:
                self.eof = True
            self.pending += chunk

    def _answer_ready_lines(self) -> bool:
        """Answer complete lines from the start of `pending`; False once a line
        must be left to the full server."""
        while True:
            newline = self.pending.find(b"\n", self._scanned)
            if newline < 0:
                self._scanned = len(self.pending)
                # No listing request is this long: the full server refuses it.
                return self._scanned <= MAX_HANDSHAKE_LINE
            line = bytes(self.pending[:newline]).removesuffix(b"\r")
            request = parse_early_line(line)
            if request is False:
                return False
            if request is not True:
                answer = listing_response(self.index, *request, self.default_provider)
                if answer is None:
                    return False
                reply, last = answer
                self._ahead = self.index.read_ahead(last, request[1]) if last else None
                write_all(self._stdout, reply)
            del self.pending[: newline + 1]
            self._scanned = 0
