"""The stage between the handshake and the full server: answering listings
and reads of recorded threads (`listConversations`, v2 `thread/list` and
`thread/read`) and fuzzy file searches with the standard library.

Loading the event loop, pydantic and the protocol models takes a few hundred
milliseconds and most of a loaded daemon's memory, while an editor typically
first asks for its conversation history. So the main thread answers plainly
valid requests of those methods itself, with the same listing and search
code (and caches) the full server then goes on using, and reads the next
page's heads ahead while the client reads a ``listConversations`` page. A
worker thread loads the full server when a line comes that only it can
answer (another method, odd params, a thread with more than text messages):
that line and every later one are left, in order, to the full server, which
validates and answers them as usual. Until then an idle daemon stays small.
Tests check that an answer given here is byte for byte the one the full
server gives.
"""

from __future__ import annotations

import json
import os
import select
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from .bootstrap import MAX_HANDSHAKE_LINE, is_initialized, reject_constant
from .config.files import layered_config_files
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
from .conversations.thread_list_cache import PageKey, Witness, config_stamps, save_page
from .conversations.thread_names import SESSION_INDEX_FILE, read_thread_names
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
from .heap import share_one_heap
from .newer_fields import wants_newer_fields
from .wire_checks import ID_RANGE, UINT64_MAX, has_duplicate_id, writable_as_utf8

if TYPE_CHECKING:
    from .search import FileSearch, Match

_READ_SIZE: Final = 1 << 16
_DONE: Final = object()


def _dumps(value: Any) -> bytes:
    # Compact, UTF-8 as is: what pydantic writes for these values.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class ServerLoader:
    """Runs ``load`` in a worker thread (the main thread may go on reading
    stdin); `join` waits for it and re-raises what it raised."""

    def __init__(self, load: Callable[[], None]) -> None:
        self._load = load
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="server-loader", daemon=True)

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    def start(self) -> None:
        if not self.started:
            share_one_heap()  # before the loader's first allocation
            self._thread.start()

    def _run(self) -> None:
        try:
            self._load()
        except BaseException as exc:  # re-raised by `join`, in the main thread
            self.error = exc

    def join(self) -> None:
        self.start()
        self._thread.join()
        if self.error is not None:
            raise self.error


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
FUZZY_FILE_SEARCH: Final = "fuzzyFileSearch"
#: The methods this stage may answer (when their params are plainly valid).
EARLY_METHODS: Final = frozenset(
    {"listConversations", "thread/list", "thread/read", FUZZY_FILE_SEARCH}
)


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


class FuzzySearchRequest(NamedTuple):
    """A plainly valid ``fuzzyFileSearch``."""

    id: int | str
    query: str
    roots: list[str]
    cancellation_token: str | None


EarlyRequest = (
    tuple[int | str, int, str | None] | ThreadListRequest | ThreadReadRequest | FuzzySearchRequest
)


def parse_early_line(line: bytes) -> EarlyRequest | bool:
    """``(id, page size, cursor)`` of a plainly valid ``listConversations``
    request, or a plainly valid ``thread/list``, ``thread/read`` or
    ``fuzzyFileSearch``; True for the ``initialized`` notification (nothing
    to do); False for anything else."""
    try:
        message = json.loads(line, parse_constant=reject_constant)
    except (ValueError, RecursionError):
        return False
    if type(message) is not dict:
        return False
    method = message.get("method")
    if is_initialized(message):
        return True
    if method not in EARLY_METHODS:
        return False
    request_id = message.get("id")
    if type(request_id) is not int and type(request_id) is not str:
        return False
    if (type(request_id) is int and request_id not in ID_RANGE) or has_duplicate_id(line):
        return False
    params = message.get("params")
    if type(params) is not dict or not writable_as_utf8(line, request_id):
        return False
    if method == "thread/list":
        return _thread_list_request(request_id, params)
    if method == "thread/read":
        return _thread_read_request(request_id, params)
    if method == FUZZY_FILE_SEARCH:
        return _fuzzy_search_request(request_id, params)
    return _listing_request(request_id, params)


def starts_a_thread(line: bytes) -> bool:
    """Whether the line is a request that starts (or resumes) a thread."""
    try:
        message = json.loads(line, parse_constant=reject_constant)
    except (ValueError, RecursionError):
        return False
    return type(message) is dict and message.get("method") in THREAD_STARTING_METHODS


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


def _fuzzy_search_request(
    request_id: int | str, params: dict[str, Any]
) -> FuzzySearchRequest | bool:
    query, roots, token = params.get("query"), params.get("roots"), params.get("cancellationToken")
    if type(query) is not str or type(roots) is not list:
        return False
    if not all(type(root) is str and "\x00" not in root for root in roots):
        return False
    if not all(_text_or_none(text) for text in (query, token, *roots)):
        return False
    return FuzzySearchRequest(request_id, query, roots, token)


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


def read_config_table(codex_home: Path, overrides: Sequence[str]) -> dict[str, Any] | None:
    """The layered configuration as a plain table; None when it cannot be
    read (the full server then reports why)."""
    try:
        return load_layers(codex_home, overrides)
    except (ConfigError, ValueError):
        return None


def configured_provider(table: dict[str, Any]) -> str | None:
    """The model provider a new conversation would use, when the layered
    configuration plainly says (no profile chosen, a provider that exists);
    None when only the full configuration can tell."""
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


def thread_list_provider(table: dict[str, Any]) -> str | None:
    """The provider `thread/list` names for threads whose files name none
    (the layered ``model_provider``, profiles aside); None when only the full
    configuration can tell."""
    provider = table.get("model_provider", DEFAULT_PROVIDER_ID)
    return provider if type(provider) is str else None


def thread_list_result(
    catalog: ThreadCatalog,
    codex_home: Path,
    request: ThreadListRequest,
    default_provider: str,
    newer_fields: bool,
    witness: Witness | None = None,
) -> bytes | None:
    """The result of a ``thread/list`` (no thread is loaded yet); None when
    only the full server can answer (an invalid cursor, a sub-agent's thread).
    ``witness`` (for a first page by creation) records what it was read from."""
    if witness is not None:
        witness.stat(str(codex_home / SESSION_INDEX_FILE))
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
            witness=witness,
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
    return _dumps(result)


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
    return _result_line(request.id, result)


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
    return _result_line(request_id, result), last


class HandedOver(NamedTuple):
    """What the early stage leaves the full server: the caches it filled."""

    rollout_index: RolloutIndex
    thread_catalog: ThreadCatalog
    file_search: FileSearch | None


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
        config_files = config_stamps(layered_config_files(str(codex_home)))
        table = read_config_table(Path(codex_home), overrides)
        self.config_unreadable = table is None
        """The full server must load at once, to tell the client why (`configWarning`)."""
        self.default_provider = configured_provider(table) if table is not None else None
        """The model provider named for files that name none; None: not known here."""
        self.thread_provider = thread_list_provider(table) if table is not None else None
        """The same for `thread/list`; None: not known here."""
        self.newer_fields = (
            wants_newer_fields(client_name, os.environ) if client_name is not None else None
        )
        """Whether the client is sent `Thread.sessionId`; None: not known here."""
        self.page_key = (
            PageKey(real_home, config_files, overrides, self.newer_fields)
            if self.newer_fields is not None
            else None
        )
        """What a kept first page of `thread/list` depends on, besides the files."""
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
        self.file_search: FileSearch | None = None
        """Fuzzy search, with the listings of the roots searched here."""
        self._loader: ServerLoader | None = None
        self._stdin = stdin_fd
        self._stdout = stdout_fd

    def serve_while(self, loader: ServerLoader) -> None:
        """Answer what can be answered here until a line comes that only the
        full server can answer, or stdin ends; then start loading it. An idle
        daemon stays this small: the full server (its imports and models,
        three quarters of a loaded daemon's memory) loads when a request
        needs it, or at once when the configuration cannot be read (the
        full server tells the client why). A client that leaves having asked
        nothing more leaves it unloaded."""
        self._loader = loader
        while not self.config_unreadable and self._answer_ready_lines() and not self.eof:
            if self._ahead is not None:
                # While the client reads a page, the heads of the next one are
                # read, one file at a time, as long as nothing comes in.
                ready, _, _ = select.select([self._stdin], [], [], 0)
                if not ready:
                    if next(self._ahead, _DONE) is _DONE:
                        self._ahead = None
                    continue
            chunk = os.read(self._stdin, _READ_SIZE)
            if not chunk:
                self.eof = True
            self.pending += chunk
        if self.pending or not self.eof:
            loader.start()

    def handed_over(self) -> HandedOver:
        return HandedOver(self.index, self.catalog, self.file_search)

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
            if isinstance(request, ThreadListRequest):
                if not self._answer_thread_list(request, line):
                    return False
            elif isinstance(request, ThreadReadRequest):
                if not self._answer_thread_read(request):
                    return False
            elif isinstance(request, FuzzySearchRequest):
                if not self._answer_fuzzy_search(request, newline + 1):
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

    def _answer_thread_list(self, request: ThreadListRequest, line: bytes) -> bool:
        if self.thread_provider is None or self.page_key is None:
            return False
        # A first page by creation is kept for the next daemon (see `thread_list_cache`).
        first_page = request.cursor is None and request.sort_key == BY_CREATION
        witness = Witness() if first_page else None
        result = thread_list_result(
            self.catalog,
            self.real_home,
            request,
            self.thread_provider,
            self.page_key.newer_fields,
            witness,
        )
        if result is None:
            return False
        write_all(self._stdout, _result_line(request.id, result))
        if witness is not None:
            save_page(self.page_key, line, result, witness)
        return True

    def _answer_thread_read(self, request: ThreadReadRequest) -> bool:
        if self.thread_provider is None or self.newer_fields is None:
            return False
        reply = thread_read_response(
            self.catalog, self.real_home, request, self.thread_provider, self.newer_fields
        )
        if reply is None:
            return False
        write_all(self._stdout, reply)
        return True

    def _answer_fuzzy_search(self, request: FuzzySearchRequest, rest: int) -> bool:
        """Search in a worker thread while the main thread goes on reading
        stdin (from offset ``rest`` of `pending`): a later search with the
        same token cancels this one (it answers no files, as the full
        server's would), and a line only the full server can answer starts
        loading it meanwhile."""
        if self.file_search is None:
            from .search import FileSearch

            self.file_search = FileSearch()
        search = self.file_search
        cancelled = threading.Event()
        found: list[Match] = []
        failed: list[BaseException] = []
        done_r, done_w = os.pipe()

        def work() -> None:
            try:
                if request.query:
                    found.extend(search.search_blocking(request.query, request.roots, cancelled))
            except BaseException as exc:  # the full server searches again, and says what failed
                failed.append(exc)
            finally:
                os.write(done_w, b"x")

        def watch(rest: int) -> int:
            """Look at the lines from offset ``rest`` on; where the next begins."""
            while (newline := self.pending.find(b"\n", rest)) >= 0:
                later = parse_early_line(bytes(self.pending[rest:newline]).removesuffix(b"\r"))
                rest = newline + 1
                if later is False and self._loader is not None:
                    self._loader.start()
                elif (
                    isinstance(later, FuzzySearchRequest)
                    and later.cancellation_token is not None
                    and later.cancellation_token == request.cancellation_token
                ):
                    cancelled.set()
            return rest

        threading.Thread(target=work, name="early-search", daemon=True).start()
        rest = watch(rest)
        while True:
            ready, _, _ = select.select([done_r] if self.eof else [done_r, self._stdin], [], [])
            if done_r in ready:
                break
            chunk = os.read(self._stdin, _READ_SIZE)
            if not chunk:
                self.eof = True
            self.pending += chunk
            rest = watch(rest)
        # Closed only once the worker has written: never a number it could reuse.
        os.close(done_r)
        os.close(done_w)
        if failed:
            return False
        files = [] if cancelled.is_set() else found
        try:
            reply = _result_line(request.id, {"files": [_match_fields(m) for m in files]})
        except UnicodeEncodeError:  # a file name that is not text: the full server says so
            return False
        write_all(self._stdout, reply)
        return True


def _match_fields(match: Match) -> dict[str, Any]:
    """A found file as the full server writes it (`FuzzyFileSearchResult`)."""
    return {
        "root": match.root,
        "path": match.path,
        "file_name": match.file_name,
        "score": match.score,
        "indices": match.indices,
    }


def _result_line(request_id: int | str, result: dict[str, Any] | bytes) -> bytes:
    encoded = result if isinstance(result, bytes) else _dumps(result)
    return b'{"id":' + _dumps(request_id) + b',"result":' + encoded + b"}\n"
