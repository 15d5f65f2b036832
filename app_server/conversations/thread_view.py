"""A rollout file seen as a v2 `Thread`: its summary (what `thread/list`
shows) and, when asked, its turns (what `thread/read` with `includeTurns`,
`thread/resume` and `thread/fork` return).

Lines are read as plain JSON, so that both our rollouts and the 0.107.0
binary's (whose ``session_meta`` carries ``model_provider`` and whose events
differ in details) are read alike; a line that is not JSON is skipped.

A summary and its wire fields need no pydantic (the early stage lists threads
with them, see `app_server.early`); only a sub-agent's source, when asked
for, and the `Thread` model do.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from ..gc_pause import collector_paused
from .naming import parse_rollout_file_name, parse_uuid
from .plain_history import HISTORY_EVENT_TYPES, HISTORY_LINE_KINDS, plain_turns
from .rollout_file import bounded_lines, open_regular

if TYPE_CHECKING:
    from app_server_protocol.v2.threads import Thread, ThreadStatus
    from app_server_protocol.v2.turns import Turn

#: The provider of a thread whose ``session_meta`` names none (older rollouts, ours).
DEFAULT_MODEL_PROVIDER: Final = "openai"
#: The wire status of a thread that is not loaded.
NOT_LOADED_STATUS: Final = {"type": "notLoaded"}
_SOURCES: Final = {"cli": "cli", "vscode": "vscode", "exec": "exec", "mcp": "appServer"}
#: The head of a line as both we and the reference write it: the kinds of
#: the line and of its payload are known without parsing the line.
_LINE_HEAD: Final = re.compile(
    rb'\{"timestamp":"[^"\\]*","type":"([a-z_]+)","payload":(?:\{"type":"([a-z_]+)")?'
)
_SUB_AGENT_KINDS: Final = {
    "review": "subAgentReview",
    "compact": "subAgentCompact",
    "thread_spawn": "subAgentThreadSpawn",
}


class ThreadReadError(Exception):
    """The file is not a readable thread; the message says why."""


class ThreadSummary:
    """What the head of a rollout says about its thread."""

    __slots__ = (
        "_source",
        "_source_kind",
        "agent_nickname",
        "agent_role",
        "cli_version",
        "created_at",
        "cwd",
        "git",
        "id",
        "model_provider",
        "path",
        "plain_source_kind",
        "preview",
        "raw_source",
        "updated_at",
    )

    def __init__(self, path: str, meta: dict[str, Any], preview: str | None, mtime: float) -> None:
        self.path = path
        thread_id = parse_uuid(str(meta.get("id")))
        if thread_id is None:
            raise ThreadReadError("failed to parse conversation ID from rollout file")
        self.id = thread_id
        self.preview = preview
        """The first user message; None when the thread has none."""
        provider = meta.get("model_provider")
        self.model_provider = provider if isinstance(provider, str) else None
        self.cwd = str(meta.get("cwd") or "")
        self.cli_version = str(meta.get("cli_version") or "")
        self.raw_source: object = meta.get("source", "vscode")
        self.plain_source_kind = _plain_source(self.raw_source)
        """The source's kind when it is a plain name; None for a sub-agent's."""
        self._source: Any = None
        self._source_kind: str | None = None
        self.git = _git_info(meta.get("git"))
        """The wire `GitInfo`, or None."""
        self.agent_nickname, self.agent_role = _agent_names(meta)
        created_at = _unix_seconds(meta.get("timestamp"))
        if created_at is None:
            key = parse_rollout_file_name(os.path.basename(path))
            created_at = _file_ts_seconds(key.ts) if key is not None else int(mtime)
        self.created_at: int = created_at
        self.updated_at = int(mtime)

    @property
    def source(self) -> Any:
        """The v2 source: a name, or the `SessionSourceSubAgent` model."""
        self._decide_source()
        return self._source

    @property
    def source_kind(self) -> str:
        """What `thread/list`'s ``sourceKinds`` filters by."""
        self._decide_source()
        assert self._source_kind is not None
        return self._source_kind

    def _decide_source(self) -> None:
        if self._source_kind is None:
            self._source, self._source_kind = _source(self.raw_source)

    def wire_fields(
        self, default_provider: str, name: str | None, *, newer_fields: bool = False
    ) -> dict[str, Any]:
        """The thread's wire JSON without turns (status notLoaded), in the
        order the `Thread` model writes it; only for a thread whose source
        is a plain name (`plain_source_kind`)."""
        assert self.plain_source_kind is not None
        fields: dict[str, Any] = {"id": self.id}
        if newer_fields:
            fields["sessionId"] = self.id
        fields.update(
            preview=self.preview or "",
            ephemeral=False,
            modelProvider=self.model_provider or default_provider,
            createdAt=self.created_at,
            updatedAt=self.updated_at,
            status=NOT_LOADED_STATUS,
            path=self.path,
            cwd=self.cwd,
            cliVersion=self.cli_version,
            source=self.plain_source_kind,
            agentNickname=self.agent_nickname,
            agentRole=self.agent_role,
            gitInfo=self.git,
            name=name,
            turns=[],
        )
        return fields

    def thread(
        self,
        *,
        default_provider: str = DEFAULT_MODEL_PROVIDER,
        name: str | None = None,
        status: ThreadStatus | None = None,
    ) -> Thread:
        """The thread, without its turns."""
        from app_server_protocol.v2.common import GitInfo
        from app_server_protocol.v2.threads import Thread, ThreadStatusNotLoaded

        return Thread(
            id=self.id,
            session_id=self.id,
            preview=self.preview or "",
            ephemeral=False,
            model_provider=self.model_provider or default_provider,
            created_at=self.created_at,
            updated_at=self.updated_at,
            status=status or ThreadStatusNotLoaded(),
            path=self.path,
            cwd=self.cwd,
            cli_version=self.cli_version,
            source=self.source,
            agent_nickname=self.agent_nickname,
            agent_role=self.agent_role,
            git_info=GitInfo.model_validate(self.git) if self.git is not None else None,
            name=name,
            turns=[],
        )


def _first_meta(record: dict[str, Any]) -> dict[str, Any] | None:
    payload = record.get("payload")
    if record.get("type") == "session_meta" and isinstance(payload, dict):
        return payload
    return None


def _user_message(record: dict[str, Any]) -> str | None:
    payload = record.get("payload")
    if (
        record.get("type") == "event_msg"
        and isinstance(payload, dict)
        and payload.get("type") == "user_message"
        and isinstance(payload.get("message"), str)
    ):
        return str(payload["message"])
    return None


def summarize_thread(path: str) -> ThreadSummary:
    """The summary of one rollout file: its first ``session_meta`` and its
    first user message (the file is read until both are found). Blocking."""
    try:
        mtime = os.stat(path).st_mtime
    except OSError as exc:
        raise ThreadReadError(str(exc)) from None
    meta: dict[str, Any] | None = None
    preview: str | None = None
    for record in _summary_lines(path):
        if meta is None:
            meta = _first_meta(record)
        if preview is None:
            preview = _user_message(record)
        if meta is not None and preview is not None:
            break
    if meta is None:
        raise ThreadReadError("failed to parse conversation ID from rollout file")
    return ThreadSummary(path, meta, preview, mtime)


def _summary_lines(path: str) -> Iterator[dict[str, Any]]:
    # Only lines that could be a session_meta or a user_message are parsed.
    try:
        fd, _ = open_regular(path)
    except (OSError, ValueError) as exc:
        raise ThreadReadError(str(exc)) from None
    with os.fdopen(fd, "rb") as file:
        for raw in bounded_lines(file):
            if b"session_meta" not in raw and b"user_message" not in raw and b"\\u" not in raw:
                continue
            try:
                record = json.loads(raw)
            except (ValueError, RecursionError):
                continue
            if isinstance(record, dict):
                yield record


def read_thread(
    path: str | os.PathLike[str],
    include_turns: bool,
    *,
    default_provider: str = DEFAULT_MODEL_PROVIDER,
    name: str | None = None,
    status: ThreadStatus | None = None,
) -> Thread:
    """The v2 thread a rollout file records, with its turns when asked
    (status notLoaded unless given). Blocking; raises `ThreadReadError`."""
    text_path = os.fspath(path)
    if not include_turns:
        summary = summarize_thread(text_path)
        return summary.thread(default_provider=default_provider, name=name, status=status)
    from .thread_history import ThreadHistoryBuilder

    builder = ThreadHistoryBuilder()
    with collector_paused():
        summary = _read_lines(text_path, builder.feed_line)
        thread = summary.thread(default_provider=default_provider, name=name, status=status)
        thread.turns = builder.finish()
    return thread


def read_thread_turns_json(
    path: str | os.PathLike[str],
    encode: Callable[[Turn], bytes],
    decode: Callable[[bytes], Turn],
    *,
    default_provider: str = DEFAULT_MODEL_PROVIDER,
    name: str | None = None,
    status: ThreadStatus | None = None,
) -> tuple[Thread, bytes]:
    """`read_thread` with its turns, given apart as their JSON array (each
    written by ``encode``; ``decode`` reads one back) and left out of the
    thread: the turns of a long thread are not all held as models at once.
    Blocking; raises `ThreadReadError`."""
    from .thread_history import ThreadHistoryBuilder

    builder = ThreadHistoryBuilder(encode, decode)
    summary = _read_lines(os.fspath(path), builder.feed_line)
    thread = summary.thread(default_provider=default_provider, name=name, status=status)
    return thread, builder.finish_encoded()


def _read_lines(path: str, feed: Callable[[dict[str, Any]], None]) -> ThreadSummary:
    """The thread's summary, each line that could give its turns passed to
    ``feed`` on the way. Blocking; raises `ThreadReadError`."""
    try:
        mtime = os.stat(path).st_mtime
    except OSError as exc:
        raise ThreadReadError(str(exc)) from None
    meta: dict[str, Any] | None = None
    preview: str | None = None
    for record in _history_lines(path):
        if meta is None:
            meta = _first_meta(record)
        if preview is None:
            preview = _user_message(record)
        feed(record)
    if meta is None:
        raise ThreadReadError("failed to parse conversation ID from rollout file")
    return ThreadSummary(path, meta, preview, mtime)


def _history_lines(path: str) -> Iterator[dict[str, Any]]:
    """The lines (parsed) that could give the thread's summary or turns; a
    line whose head shows it gives neither (a response item, a token count)
    is not parsed. Blocking."""
    try:
        fd, _ = open_regular(path)
    except (OSError, ValueError) as exc:
        raise ThreadReadError(str(exc)) from None
    with os.fdopen(fd, "rb") as file:
        for raw in bounded_lines(file):
            head = _LINE_HEAD.match(raw)
            if head is not None:
                kind, event = head.group(1).decode(), head.group(2)
                if kind == "event_msg":
                    if event is not None and event.decode() not in HISTORY_EVENT_TYPES:
                        continue
                elif kind != "session_meta" and kind not in HISTORY_LINE_KINDS:
                    continue
            line = raw.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(record, dict):
                yield record


def _plain_source(value: object) -> str | None:
    """The v2 source of a ``session_meta`` source, unless it is a sub-agent's."""
    if isinstance(value, str):
        return _SOURCES.get(value, "unknown")
    if isinstance(value, dict) and "subagent" in value:
        return None
    return "unknown"


def read_plain_thread(
    path: str,
    include_turns: bool,
    *,
    default_provider: str,
    name: str | None,
    newer_fields: bool,
) -> dict[str, Any] | None:
    """`read_thread`'s wire JSON (status notLoaded) without pydantic, for a
    thread whose source is a plain name and whose turns are plain (see
    `plain_history`); None otherwise. Blocking; raises `ThreadReadError`."""
    if not include_turns:
        summary = summarize_thread(path)
        if summary.plain_source_kind is None:
            return None
        return summary.wire_fields(default_provider, name, newer_fields=newer_fields)
    records: list[dict[str, Any]] = []
    summary = _read_lines(path, records.append)
    if summary.plain_source_kind is None:
        return None
    turns = plain_turns(records)
    if turns is None:
        return None
    fields = summary.wire_fields(default_provider, name, newer_fields=newer_fields)
    fields["turns"] = turns
    return fields


def _source(value: object) -> tuple[Any, str]:
    """The v2 source of a ``session_meta`` source, and its kind (for filtering)."""
    plain = _plain_source(value)
    if plain is not None:
        return plain, plain
    if isinstance(value, dict):
        from pydantic import ValidationError

        from app_server_protocol.v2.common import SessionSourceSubAgent

        detail = value["subagent"]
        try:
            source = SessionSourceSubAgent.model_validate({"subAgent": detail})
        except ValidationError:
            return "unknown", "unknown"
        return source, _SUB_AGENT_KINDS.get(
            next(iter(detail)) if isinstance(detail, dict) and detail else str(detail),
            "subAgentOther",
        )
    return "unknown", "unknown"


def _agent_names(meta: dict[str, Any]) -> tuple[str | None, str | None]:
    """A spawned sub-agent's nickname and role (in its meta, or its source)."""
    names: dict[str, Any] = {}
    source = meta.get("source")
    if isinstance(source, dict) and isinstance(source.get("subagent"), dict):
        spawn = source["subagent"].get("thread_spawn")
        if isinstance(spawn, dict):
            names.update(spawn)
    names.update({k: v for k, v in meta.items() if k in ("agent_nickname", "agent_role") and v})
    nickname, role = names.get("agent_nickname"), names.get("agent_role")
    return (
        nickname if isinstance(nickname, str) else None,
        role if isinstance(role, str) else None,
    )


def _git_info(value: object) -> dict[str, str | None] | None:
    if not isinstance(value, dict):
        return None

    def text(key: str) -> str | None:
        part = value.get(key)
        return part if isinstance(part, str) else None

    return {
        "sha": text("commit_hash"),
        "branch": text("branch"),
        "originUrl": text("repository_url"),
    }


def _unix_seconds(value: object) -> int | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def _file_ts_seconds(ts: str) -> int:
    # File names carry local time, as the reference names them.
    return int(datetime.strptime(ts, "%Y-%m-%dT%H-%M-%S").timestamp())
