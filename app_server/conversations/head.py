"""What `listConversations` reads in a rollout file: its head.

The head is the first `HEAD_RECORD_LIMIT` valid ``session_meta`` and
``response_item`` records (other lines are read but not counted). A file is
listed when its head starts with a ``session_meta`` of an interactive source
(the last one in the head decides), holds a ``user_message`` event, and a user
message that is not context injected by the daemon: its text is the preview.
These are the reference's rules, checked against its binary.

This module uses the standard library only (the daemon answers listings
before pydantic is even loaded, see `app_server.early`), so the few record
shapes the rules depend on are checked here by hand. Those checks agree with
the protocol models (`app_server_protocol.rollout`); a test holds them
together. Lines are validated only when they could matter: a line that
cannot be a ``session_meta``, a ``response_item`` or a ``user_message`` event
is skipped unparsed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any, Final

from ..context_tags import AGENTS_MD_HEADING as AGENTS_MD_HEADING
from ..context_tags import ENVIRONMENT_CONTEXT_OPEN as ENVIRONMENT_CONTEXT_OPEN
from ..context_tags import TURN_ABORTED_OPEN as TURN_ABORTED_OPEN
from ..context_tags import USER_INSTRUCTIONS_OPEN as USER_INSTRUCTIONS_OPEN
from ..context_tags import is_injected_context
from .naming import parse_uuid
from .rollout_file import MAX_ROLLOUT_LINE_BYTES, open_regular

#: Valid ``session_meta`` / ``response_item`` records read from a file's head.
HEAD_RECORD_LIMIT: Final = 10
#: Sources whose conversations are listed (`app_server_protocol.rollout.INTERACTIVE_SOURCES`).
INTERACTIVE_SOURCES: Final = frozenset({"cli", "vscode"})
#: The source of a ``session_meta`` that names none.
DEFAULT_SOURCE: Final = "vscode"

#: Text before this marker in a user message is a template, not what the user typed.
USER_MESSAGE_BEGIN: Final = "## My request for Codex:"
#: Heads are read in chunks of this size until the record limit is reached.
_CHUNK: Final = 16 * 1024


class HeadSummary:
    """What a listed conversation shows."""

    __slots__ = ("conversation_id", "meta", "preview", "timestamp")

    def __init__(
        self,
        conversation_id: str,
        preview: str,
        timestamp: str | None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.conversation_id = conversation_id
        """Canonical form of the first ``session_meta``'s id (not the file name's)."""
        self.preview = preview
        self.timestamp = timestamp
        """The first ``session_meta``'s timestamp; None when empty."""
        self.meta: dict[str, Any] = meta or {}
        """The first ``session_meta`` payload, where the other details are read
        (not part of a summary's identity)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HeadSummary) and (
            self.conversation_id,
            self.preview,
            self.timestamp,
        ) == (other.conversation_id, other.preview, other.timestamp)

    def __hash__(self) -> int:
        return hash((self.conversation_id, self.preview, self.timestamp))

    def __repr__(self) -> str:
        return f"HeadSummary({self.conversation_id!r}, {self.preview!r}, {self.timestamp!r})"


# --------------------------------------------------------------------------
# Text of user messages
# --------------------------------------------------------------------------


def user_text(role: str, parts: Iterable[tuple[str, str]]) -> str | None:
    """What the user typed in a message given as ``(part type, text)`` pairs
    (images left out); None when it is not a user message or when any part
    is injected context."""
    if role != "user":
        return None
    texts: list[str] = []
    for kind, text in parts:
        if kind == "input_image":
            continue
        if is_injected_context(text):
            return None
        if kind == "input_text":
            texts.append(text)
    return "".join(texts)


def preview_of(message: str) -> str:
    """The preview of a user message: as typed (untrimmed), or what follows
    the request marker of a templated message (trimmed)."""
    index = message.find(USER_MESSAGE_BEGIN)
    if index < 0:
        return message
    return message[index + len(USER_MESSAGE_BEGIN) :].strip()


# --------------------------------------------------------------------------
# Shapes of records (the reference's serde rules, as far as listing needs them)
# --------------------------------------------------------------------------


def _opt_str(obj: dict[str, Any], key: str) -> bool:
    value = obj.get(key)
    return value is None or type(value) is str


def _is_str(value: Any) -> bool:
    return type(value) is str


def _str_list(value: Any) -> bool:
    return type(value) is list and all(type(v) is str for v in value)


def session_meta_source(payload: Any) -> str | None:
    """The source of a valid ``session_meta`` payload; None when invalid."""
    if type(payload) is not dict:
        return None
    conversation_id = payload.get("id")
    if type(conversation_id) is not str or parse_uuid(conversation_id) is None:
        return None
    for key in ("timestamp", "cwd", "originator", "cli_version"):
        if type(payload.get(key)) is not str:
            return None
    if not _opt_str(payload, "instructions"):
        return None
    git = payload.get("git")
    if git is not None and (
        type(git) is not dict
        or not all(_opt_str(git, k) for k in ("commit_hash", "branch", "repository_url"))
    ):
        return None
    source = payload.get("source", DEFAULT_SOURCE)
    return source if type(source) is str else None


_CONTENT_TEXT_FIELD: Final = {
    "input_text": "text",
    "input_image": "image_url",
    "output_text": "text",
}


_PHASES: Final = frozenset({None, "commentary", "final_answer"})


def message_parts(payload: dict[str, Any]) -> list[tuple[str, str]] | None:
    """The ``(type, text)`` parts of a message item; None when malformed."""
    if not (_opt_str(payload, "id") and _is_str(payload.get("role"))):
        return None
    end_turn, phase = payload.get("end_turn"), payload.get("phase")
    if not (end_turn is None or type(end_turn) is bool) or phase not in _PHASES:
        return None
    content = payload.get("content")
    if type(content) is not list:
        return None
    parts: list[tuple[str, str]] = []
    for part in content:
        if type(part) is not dict:
            return None
        kind = part.get("type")
        if type(kind) is not str:
            return None
        field = _CONTENT_TEXT_FIELD.get(kind)
        if field is None:
            return None
        value = part.get(field)
        if type(value) is not str:
            return None
        parts.append((kind, value))
    return parts


def _typed_list(value: Any, types: frozenset[str]) -> bool:
    return type(value) is list and all(
        type(v) is dict and v.get("type") in types and _is_str(v.get("text")) for v in value
    )


def _valid_reasoning(p: dict[str, Any]) -> bool:
    content = p.get("content")
    return (
        _is_str(p.get("id", ""))
        and _typed_list(p.get("summary"), frozenset({"summary_text"}))
        and (content is None or _typed_list(content, frozenset({"reasoning_text", "text"})))
        and _opt_str(p, "encrypted_content")
    )


def _valid_local_shell_call(p: dict[str, Any]) -> bool:
    action = p.get("action")
    if not (
        _opt_str(p, "id")
        and _opt_str(p, "call_id")
        and p.get("status") in ("completed", "in_progress", "incomplete")
        and type(action) is dict
        and action.get("type") == "exec"
        and _str_list(action.get("command"))
        and _opt_str(action, "working_directory")
        and _opt_str(action, "user")
    ):
        return False
    timeout = action.get("timeout_ms")
    env = action.get("env")
    return (timeout is None or type(timeout) is int) and (
        env is None or (type(env) is dict and all(type(v) is str for v in env.values()))
    )


def _valid_output_part(part: Any) -> bool:
    if type(part) is not dict:
        return False
    kind = part.get("type")
    if kind == "input_text":
        return _is_str(part.get("text"))
    return kind == "input_image" and _is_str(part.get("image_url"))


def _valid_tool_output(output: Any) -> bool:
    """A tool's output: text, or a list of text and image parts."""
    if type(output) is list:
        return all(_valid_output_part(part) for part in output)
    return _is_str(output)


def _valid_web_search_call(p: dict[str, Any]) -> bool:
    if not (_opt_str(p, "id") and _opt_str(p, "status")):
        return False
    action = p.get("action")
    if action is None:
        return True
    if type(action) is not dict or not _is_str(action.get("type")):
        return False
    match action["type"]:
        case "search":
            queries = action.get("queries")
            return _opt_str(action, "query") and (queries is None or _str_list(queries))
        case "open_page":
            return _opt_str(action, "url")
        case "find_in_page":
            return _opt_str(action, "url") and _opt_str(action, "pattern")
        case _:
            return True


def _all_str(p: dict[str, Any], *keys: str) -> bool:
    return all(type(p.get(k)) is str for k in keys)


def valid_response_item(payload: Any) -> bool:
    """Whether a ``response_item`` payload is a valid item (one of an unknown
    kind is valid: it is read as ``other``)."""
    if type(payload) is not dict:
        return False
    kind = payload.get("type")
    if type(kind) is not str:
        return False
    if kind == "message":
        return message_parts(payload) is not None
    if kind == "reasoning":
        return _valid_reasoning(payload)
    if kind == "local_shell_call":
        return _valid_local_shell_call(payload)
    if kind == "function_call":
        return _opt_str(payload, "id") and _all_str(payload, "name", "arguments", "call_id")
    if kind == "function_call_output":
        return _is_str(payload.get("call_id")) and _valid_tool_output(payload.get("output"))
    if kind == "custom_tool_call":
        return (
            _opt_str(payload, "id")
            and _opt_str(payload, "status")
            and _all_str(payload, "call_id", "name", "input")
        )
    if kind == "custom_tool_call_output":
        return _is_str(payload.get("call_id")) and _valid_tool_output(payload.get("output"))
    if kind == "web_search_call":
        return _valid_web_search_call(payload)
    if kind == "ghost_snapshot":
        return _valid_ghost_commit(payload.get("ghost_commit"))
    if kind == "compaction":
        return _is_str(payload.get("encrypted_content"))
    return True


def _valid_ghost_commit(commit: Any) -> bool:
    if type(commit) is not dict:
        return False
    files = commit.get("preexisting_untracked_files", [])
    folders = commit.get("preexisting_untracked_dirs", [])
    return (
        _is_str(commit.get("id"))
        and _opt_str(commit, "parent")
        and _str_list(files)
        and _str_list(folders)
    )


def is_user_message_event(payload: Any) -> bool:
    """Whether an ``event_msg`` payload is a valid ``user_message`` event."""
    if type(payload) is not dict or payload.get("type") != "user_message":
        return False
    images = payload.get("images")
    return _is_str(payload.get("message")) and (images is None or _str_list(images))


# --------------------------------------------------------------------------
# The scan
# --------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_decode: Final = json.JSONDecoder(parse_constant=_reject_constant).decode


def _dumps_utf8(value: Any) -> bytes:
    """Raises `UnicodeEncodeError` (a `ValueError`) for lone surrogates."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _may_matter(line: bytes) -> bool:
    """False for a line that cannot be a session_meta, a response_item or a
    user_message event (the scan ignores it). A JSON escape could spell those
    names otherwise, so such lines are always parsed."""
    return (
        b"response_item" in line
        or b"session_meta" in line
        or b"user_message" in line
        or b"\\u" in line
    )


def _may_hold_session_meta(data: bytes | bytearray) -> bool:
    return b"session_meta" in data or b"\\u" in data


class HeadScan:
    """The state of one head scan, fed line by line."""

    __slots__ = ("counted", "first_meta", "first_seen", "preview", "saw_user_event", "source")

    def __init__(self) -> None:
        self.counted = 0
        self.first_seen = False
        self.first_meta: dict[str, Any] | None = None
        """The first counted record's payload, when it is a session_meta."""
        self.source: str | None = None
        self.saw_user_event = False
        self.preview: str | None = None

    @property
    def full(self) -> bool:
        return self.counted >= HEAD_RECORD_LIMIT

    @property
    def settled(self) -> bool:
        """Only a later ``session_meta`` (its source) could change the outcome."""
        return self.first_seen and self.saw_user_event and self.preview is not None

    def feed(self, raw: bytes) -> None:
        line = raw.strip()
        if not line or not _may_matter(line):
            return
        try:
            record = _decode(line.decode("utf-8"))
            if b"\\u" in line:
                # A lone surrogate escape makes the line invalid JSON text for
                # the reference (and unwritable for us).
                _dumps_utf8(record)
        except (ValueError, RecursionError):
            return
        if type(record) is not dict or type(record.get("timestamp")) is not str:
            return
        kind = record.get("type")
        payload: Any = record.get("payload")
        if kind == "session_meta":
            source = session_meta_source(payload)
            if source is None:
                return
            self.counted += 1
            if not self.first_seen:
                self.first_seen = True
                self.first_meta = payload
            self.source = source
        elif kind == "response_item":
            parts: list[tuple[str, str]] | None = None
            if type(payload) is dict and payload.get("type") == "message":
                parts = message_parts(payload)  # validates it, too
                if parts is None:
                    return
            elif not valid_response_item(payload):
                return
            self.counted += 1
            self.first_seen = True
            if self.preview is None and parts is not None:
                text = user_text(payload["role"], parts)
                if text is not None:
                    self.preview = preview_of(text)
        elif kind == "event_msg" and is_user_message_event(payload):
            self.saw_user_event = True

    def summary(self) -> HeadSummary | None:
        meta = self.first_meta
        if meta is None or self.source not in INTERACTIVE_SOURCES:
            return None
        if not self.saw_user_event or self.preview is None:
            return None
        conversation_id = parse_uuid(meta["id"])
        assert conversation_id is not None  # checked by session_meta_source
        return HeadSummary(conversation_id, self.preview, meta["timestamp"] or None, meta)


def summarize_head(lines: Iterable[bytes]) -> HeadSummary | None:
    """Apply the listing rules to a file's lines (only the head is consumed)."""
    scan = HeadScan()
    for raw in lines:
        if scan.full:
            break
        scan.feed(raw)
    return scan.summary()


def read_head_summary(path: str) -> HeadSummary | None:
    """The listing summary of one file; None when it is not listed or cannot
    be read. Blocking."""
    return read_head(path)[0]


def read_head(path: str) -> tuple[HeadSummary | None, os.stat_result | None]:
    """The listing summary of one file, and the file's status as it was read
    (None when it cannot be read or is not a regular file). Blocking."""
    try:
        fd, st = open_regular(path)
    except (OSError, ValueError):
        return None, None
    try:
        return _scan_file(fd, st.st_size), st
    except OSError:
        return None, None
    finally:
        os.close(fd)


def _scan_file(fd: int, size: int, max_line: int = MAX_ROLLOUT_LINE_BYTES) -> HeadSummary | None:
    """Scan the head of an open file of ``size`` bytes (as it was when opened:
    lines appended since are left for the next request). A line longer than
    ``max_line`` is skipped without being kept."""
    scan = HeadScan()
    buffer = bytearray()
    pos = 0  # where the next line starts in `buffer`
    scanned = 0  # `buffer[pos:scanned]` holds no newline
    skipping = False  # inside an over-long line
    done_reading = size == 0
    read = 0
    while not scan.full:
        end = buffer.find(b"\n", max(pos, scanned))
        if end < 0:
            if done_reading:
                if pos < len(buffer) and not skipping:
                    scan.feed(bytes(buffer[pos:]))  # a last line without newline (maybe torn)
                break
            del buffer[:pos]
            pos = 0
            if len(buffer) > max_line:
                skipping = True
                buffer.clear()
            scanned = len(buffer)
            chunk = os.read(fd, min(_CHUNK, size - read))
            read += len(chunk)
            buffer += chunk
            done_reading = not chunk or read >= size
            continue
        if skipping:
            skipping = False
        else:
            scan.feed(bytes(buffer[pos:end]))
        pos = end + 1
        if done_reading and scan.settled and not _may_hold_session_meta(buffer[pos:]):
            break  # nothing left could change the outcome
    return scan.summary()
