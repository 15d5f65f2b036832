"""The `ConversationSummary` of a listed rollout file, as wire JSON: what its
head says (see `head`), completed from its first ``session_meta`` and its
mtime. Plain Python (no pydantic), so that the early listing stage
(`app_server.early`) writes the very bytes the full server writes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from .listing import ListedConversation

#: The provider named for files that do not say when no configuration reads.
DEFAULT_PROVIDER_ID: Final = "openai"


def needs_provider(item: ListedConversation) -> bool:
    """Whether the file does not name its model provider (the configured one
    is then named)."""
    return not isinstance(item.summary.meta.get("model_provider"), str)


def summary_fields(
    item: ListedConversation, fallback_provider: str, *, exact_timestamp: bool = False
) -> dict[str, Any]:
    """The summary's wire fields, in order. ``fallback_provider`` names the
    provider of files whose meta does not. The start time is given in whole
    seconds, as listings give it, unless ``exact_timestamp`` (as
    `getConversationSummary` by path gives it)."""
    meta = item.summary.meta
    provider = meta.get("model_provider")
    timestamp = item.summary.timestamp
    return {
        "conversationId": item.summary.conversation_id,
        "path": item.path,
        "preview": item.summary.preview,
        "timestamp": timestamp if exact_timestamp else _to_seconds(timestamp),
        "updatedAt": _rfc3339_seconds(item.mtime_ns) if item.mtime_ns else None,
        "modelProvider": provider if isinstance(provider, str) else fallback_provider,
        "cwd": _text(meta, "cwd"),
        "cliVersion": _text(meta, "cli_version"),
        # Only conversations of interactive sources (plain names) are listed.
        "source": meta.get("source", "vscode"),
        "gitInfo": _git_info(meta.get("git")),
    }


def _to_seconds(timestamp: str | None) -> str | None:
    """An RFC 3339 time in whole seconds, UTC (as 0.107 lists it); kept as it is
    when it does not parse."""
    if timestamp is None:
        return None
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    if moment.tzinfo is None:
        return timestamp
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rfc3339_seconds(mtime_ns: int) -> str:
    moment = datetime.fromtimestamp(mtime_ns // 1_000_000_000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    return value if isinstance(value, str) else ""


def _git_info(git: Any) -> dict[str, str | None] | None:
    if not isinstance(git, dict):
        return None

    def part(key: str) -> str | None:
        value = git.get(key)
        return value if isinstance(value, str) else None

    return {
        "sha": part("commit_hash"),
        "branch": part("branch"),
        "origin_url": part("repository_url"),
    }
