"""Answering listings and reads of recorded threads (`listConversations`, v2
`thread/list` and `thread/read`) while the full server is still loading.

Loading the event loop, pydantic and the protocol models takes a few hundred
milliseconds after the handshake, and an editor typically asks for the
conversation history right after ``initialize``. So the main thread answers
plainly valid requests of those methods itself, with the standard library
and the same listing code (and caches) the full server then goes on using,
and reads the next page's heads ahead while the client reads a
``listConversations`` page. A worker thread loads the full server once the
client pauses; anything else (another method, odd params, a thread with more
than text messages) stops this stage at once: that line and every later one
are left, in order, to the full server, which validates and answers them as
usual. Tests check that an answer given here is byte for byte the one the
full server gives.
"""

from __future__ import annotations

import json
import os
import select
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final, NamedTuple

from .bootstrap import MAX_HANDSHAKE_LINE, reject_constant
from .config.layers import ConfigError, load_layers
from .conversations.listing import DEFAULT_PAGE_SIZE, RolloutIndex
from .conversations.naming import (
    ARCHIVED_SESSIONS_SUBDIR,
    SESSIONS_SUBDIR,
    UpdateKey,
    format_update_cursor,
    parse_update_cursor,
    parse_uuid,
)
from .conversations.summaries import DEFAULT_PROVIDER_ID, needs_provider, summary_fields
from .conversations.thread_names import read_thread_names
from .conversations.thread_store import (
    BY_CREATION,
    BY_UPDATE,
    DEFAULT_THREAD_PAGE_SIZE,
    MAX_THREAD_PAGE_SIZE,
    InvalidCursor,
    ThreadCatalog,
    ThreadFilter,
)
from .conversations.thread_view import ThreadReadError, read_plain_thread
from .fsutil import write_all
from .newer_fields import wants_newer_fields
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
#: Requests that start (or resume) a thread, whose turns will call the model.
THREAD_STARTING_METHODS: Final = frozenset(
    {
        "newConversation",
        "resumeConversation",
        "forkConversation",
        "thread/start",
        "thread/resume",
        "thread/fork",
    }
)
UINT32_MAX: Final = 2**32 - 1


class ThreadReadRequest(NamedTuple):
    """A plainly valid ``thread/read`` of a well-formed thread id."""

    id: int | str
    thread_id: str
    """Canonical."""
    include_turns: bool


class ThreadListRequest(NamedTuple):
    """A plainly valid ``thread/list`` without ``sourceKinds``."""

    id: int | str
    limit: int
    cursor: str | None
    sort_key: str
    archived: bool
    providers: list[str] | None
    cwd: str | None
    search_term: str | None


def parse_early_line(
    line: bytes,
) -> tuple[int | str, int, str | None] | ThreadListRequest | ThreadReadRequest | bool:
    """``(id, page size, cursor)`` of a plainly valid ``listConversations``
    request, or a plainly valid ``thread/list`` or ``thread/read``; True for
    the ``initialized`` notification (nothing to do); False for anything else."""
    try:
        message = json.loads(line, parse_constant=reject_constant)
    except (ValueError, RecursionError):
        return False
    if type(message) is not dict:
        return False
    method = message.get("method")
    if method == INITIALIZED and message.get("id") is None:
        return True
    if method not in ("listConversations", "thread/list", "thread/read"):
        return False
    request_id = message.get("id")
    if type(request_id) is not int and type(request_id) is not str:
        return False
    if (type(request_id) is int and request_id not in ID_RANGE) or has_duplicate_id(line):
        return False
    params = message.get("params")
    if type(params) is not dict or not _writable(line, request_id):
        return False
    if method == "thread/list":
        return _thread_list_request(request_id, params)
    if method == "thread/read":
        return _thread_read_request(request_id, params)
    return _listing_request(request_id, params)


def starts_a_thread(line: bytes) -> bool:
    """Whether the line is a request that starts (or resumes) a thread."""
    try:
        message = json.loads(line, parse_constant=reject_constant)
    except (ValueError, RecursionError):
        return False
    return type(message) is dict and message.get("method") in THREAD_STARTING_METHODS


def _writable(line: bytes, request_id: int | str) -> bool:
    """Whether the text can be written back as UTF-8 (lone surrogates cannot:
    such lines are left to the full server's stricter parser)."""
    try:
        line.decode("utf-8")
        if type(request_id) is str:
            request_id.encode("utf-8")
    except UnicodeError:
        return False
    return True


def _text_or_none(value: object) -> bool:
    if value is None:
        return True
    if type(value) is not str:
        return False
    try:
        value.encode("utf-8")
    except UnicodeError:
        return False
    return True


def _thread_read_request(request_id: int | str, params: dict[str, Any]) -> ThreadReadRequest | bool:
    thread_id = params.get("threadId")
    include_turns = params.get("includeTurns")
    if type(thread_id) is not str or not _text_or_none(thread_id):
        return False
    if include_turns is not None and type(include_turns) is not bool:
        return False
    canonical = parse_uuid(thread_id)
    if canonical is None:  # the full server says what is wrong with it
        return False
    return ThreadReadRequest(request_id, canonical, bool(include_turns))


def _thread_list_request(request_id: int | str, params: dict[str, Any]) -> ThreadListRequest | bool:
    limit = params.get("limit")
    if limit is not None and (type(limit) is not int or not 0 <= limit <= UINT32_MAX):
        return False
    sort_key = params.get("sortKey")
    if sort_key is not None and sort_key not in (BY_CREATION, BY_UPDATE):
        return False
    archived = params.get("archived")
    if archived is not None and type(archived) is not bool:
        return False
    providers = params.get("modelProviders")
    if providers is not None and (
        type(providers) is not list or not all(type(p) is str for p in providers)
    ):
        return False
    # Source kinds are left to the full server, which validates them.
    if params.get("sourceKinds") is not None:
        return False
    cursor, cwd, search_term = params.get("cursor"), params.get("cwd"), params.get("searchTerm")
    if not all(_text_or_none(text) for text in (cursor, cwd, search_term, *(providers or ()))):
        return False
    return ThreadListRequest(
        id=request_id,
        limit=DEFAULT_THREAD_PAGE_SIZE if limit is None else limit,
        cursor=cursor,
        sort_key=sort_key or BY_CREATION,
        archived=bool(archived),
        providers=providers,
        cwd=cwd,
        search_term=search_term,
    )


def _listing_request(
    request_id: int | str, params: dict[str, Any]
) -> tuple[int | str, int, str | None] | bool:
    page_size = params.get("pageSize")
    cursor = params.get("cursor")
    if page_size is not None and (type(page_size) is not int or not 0 <= page_size <= UINT64_MAX):
        return False
    if not _text_or_none(cursor):
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


def thread_list_provider(codex_home: Path, overrides: Sequence[str]) -> str | None:
    """The provider `thread/list` names for threads whose files name none
    (the layered ``model_provider``, profiles aside); None when only the full
    configuration can tell."""
    try:
        table = load_layers(codex_home, overrides)
    except (ConfigError, ValueError):
        return None
    provider = table.get("model_provider", DEFAULT_PROVIDER_ID)
    return provider if type(provider) is str else None


def thread_list_response(
    catalog: ThreadCatalog,
    codex_home: Path,
    request: ThreadListRequest,
    default_provider: str,
    newer_fields: bool,
) -> bytes | None:
    """The reply to a ``thread/list`` (no thread is loaded yet); None when
    only the full server can answer (an invalid cursor, a sub-agent's thread)."""
    names = read_thread_names(codex_home)
    thread_filter = ThreadFilter(
        providers=request.providers,
        default_provider=default_provider,
        source_kinds=None,
        cwd=request.cwd,
        search_term=request.search_term,
    )
    try:
        summaries, next_cursor = catalog.page(
            archived=request.archived,
            sort_key=request.sort_key,
            cursor=request.cursor,
            limit=min(request.limit, MAX_THREAD_PAGE_SIZE),
            thread_filter=thread_filter,
            names=names,
        )
    except InvalidCursor:
        return None
    if any(summary.plain_source_kind is None for summary in summaries):
        return None
    result = {
        "data": [
            summary.wire_fields(default_provider, names.get(summary.id), newer_fields=newer_fields)
            for summary in summaries
        ],
        "nextCursor": next_cursor,
    }
    return b'{"id":' + _dumps(request.id) + b',"result":' + _dumps(result) + b"}\n"


def thread_read_response(
    catalog: ThreadCatalog,
    codex_home: Path,
    request: ThreadReadRequest,
    default_provider: str,
    newer_fields: bool,
) -> bytes | None:
    """The reply to a ``thread/read`` (no thread is loaded yet); None when
    only the full server can answer (no such thread, a file it cannot read,
    a thread that is not plain, see `read_plain_thread`)."""
    path = catalog.find_rollout(request.thread_id, False) or catalog.find_rollout(
        request.thread_id, True
    )
    if path is None:
        return None
    names = read_thread_names(codex_home)
    try:
        thread = read_plain_thread(
            str(path),
            request.include_turns,
            default_provider=default_provider,
            name=names.get(request.thread_id),
            newer_fields=newer_fields,
        )
    except ThreadReadError:
        return None
    if thread is None:
        return None
    result = {"thread": thread}
    return b'{"id":' + _dumps(request.id) + b',"result":' + _dumps(result) + b"}\n"


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
        client_name: str | None = None,
    ) -> None:
        real_home = os.path.realpath(codex_home)
        self.real_home = Path(real_home)
        self.default_provider = configured_provider(Path(codex_home), overrides)
        """The model provider named for files that name none; None: not known here."""
        self.thread_provider = thread_list_provider(Path(codex_home), overrides)
        """The same for `thread/list`; None: not known here."""
        self.newer_fields = (
            wants_newer_fields(client_name, os.environ) if client_name is not None else None
        )
        """Whether the client is sent `Thread.sessionId`; None: not known here."""
        self.index = RolloutIndex(os.path.join(real_home, SESSIONS_SUBDIR))
        self.catalog = ThreadCatalog(
            self.real_home / SESSIONS_SUBDIR, self.real_home / ARCHIVED_SESSIONS_SUBDIR
        )
        self.pending = bytearray(pending)
        """Input left for the full server."""
        self._scanned = 0
        """``pending[:_scanned]`` holds no newline: a long line is searched once."""
        self.eof = eof
        self.thread_starting = False
        """Whether the first line left to the full server starts a thread
        (the loader then gets the model's HTTP client ready too)."""
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
                self.thread_starting = starts_a_thread(line)
                return False
            if isinstance(request, ThreadListRequest | ThreadReadRequest):
                if not self._answer_thread_request(request):
                    return False
            elif request is not True:
                answer = listing_response(self.index, *request, self.default_provider)
                if answer is None:
                    return False
                reply, last = answer
                self._ahead = self.index.read_ahead(last, request[1]) if last else None
                write_all(self._stdout, reply)
            del self.pending[: newline + 1]
            self._scanned = 0

    def _answer_thread_request(self, request: ThreadListRequest | ThreadReadRequest) -> bool:
        if self.thread_provider is None or self.newer_fields is None:
            return False
        if isinstance(request, ThreadListRequest):
            reply = thread_list_response(
                self.catalog, self.real_home, request, self.thread_provider, self.newer_fields
            )
        else:
            reply = thread_read_response(
                self.catalog, self.real_home, request, self.thread_provider, self.newer_fields
            )
        if reply is None:
            return False
        write_all(self._stdout, reply)
        return True
