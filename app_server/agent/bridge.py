"""The history a compacted thread goes on with (the "bridge"), as 0.107.0
builds it: the user's own messages (the newest ones, within a token budget)
followed by a summary of the work so far, which the model wrote when asked.

Pure functions: the compaction task (`compaction`) asks the model, the
rollout reader rebuilds a resumed thread's history with the same rules."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from app_server_protocol.items import ContentItemInputText, ResponseItem, ResponseItemMessage

from ..context_tags import ENVIRONMENT_CONTEXT_OPEN, is_injected_context
from ..model_client.history import user_items
from ..tools.truncation import TruncationPolicy, approx_token_count, truncate_text
from .context import context_message

#: What the model is asked, after the history, to get the summary.
SUMMARY_REQUEST: Final = """\
Context checkpoint: the history of this task is about to be replaced by a summary \
that you write now. Another model will carry on from that summary alone, so write \
it for that model.

Cover:
- what has been done so far, and the decisions taken along the way;
- what the user asked for, their constraints and preferences;
- what is left to do, as concrete next steps;
- anything needed to continue: file paths, commands, names, data, errors seen.

Keep it short and structured. Do not call tools.
"""

#: The first line of the summary message in a bridge (its own line; the summary follows).
SUMMARY_PREFIX: Final = """\
Earlier work on this task was summarised by a model that has since handed over. \
The tools it used have left their effects in place. Build on its summary below \
rather than redoing its work."""

#: How the summary message of a 0.107.0 bridge begins (a thread it compacted
#: may be resumed here).
REFERENCE_SUMMARY_OPEN: Final = "Another language model started to solve this problem"

#: Used when the model gave no summary.
NO_SUMMARY: Final = "(no summary available)"

#: Tokens of the user's own messages a bridge keeps (the newest first).
USER_MESSAGES_TOKEN_BUDGET: Final = 20_000

#: Tokens of ``text``, estimated as the reference does (four bytes a token).
approx_tokens: Final = approx_token_count


def truncate_to_tokens(text: str, budget: int) -> str:
    """``text`` cut in its middle to ``budget`` tokens, saying how many went
    (the cut of a tool's output)."""
    return truncate_text(text, TruncationPolicy("tokens", max(budget, 0)))


def summary_text(message: str | None) -> str:
    """The summary message of a bridge, around what the model wrote."""
    return f"{SUMMARY_PREFIX}\n{message or ''}"


def is_summary(text: str) -> bool:
    """Whether a user message is the summary of an earlier compaction (ours or 0.107.0's)."""
    return text.startswith((f"{SUMMARY_PREFIX}\n", REFERENCE_SUMMARY_OPEN))


def _texts(item: ResponseItem) -> list[str]:
    if not isinstance(item, ResponseItemMessage):
        return []
    return [part.text for part in item.content if isinstance(part, ContentItemInputText)]


def user_messages(history: Iterable[ResponseItem]) -> list[str]:
    """What the user wrote, oldest first: the user messages that are neither
    context the harness added nor the summary of an earlier compaction."""
    messages: list[str] = []
    for _, item in user_items(history):
        if not isinstance(item, ResponseItemMessage) or item.role != "user":
            continue
        texts = _texts(item)
        if not texts or any(is_injected_context(text) for text in texts):
            continue
        message = "".join(texts)
        if not is_summary(message):
            messages.append(message)
    return messages


def has_environment_context(history: Iterable[ResponseItem]) -> bool:
    """Whether the model has been told its environment (a bridge has not)."""
    return any(
        text.lstrip().startswith(ENVIRONMENT_CONTEXT_OPEN)
        for _, item in user_items(history)
        if isinstance(item, ResponseItemMessage) and item.role == "user"
        for text in _texts(item)
    )


def build_bridge(
    messages: Sequence[str], summary: str, budget: int = USER_MESSAGES_TOKEN_BUDGET
) -> list[ResponseItem]:
    """The user's messages (the newest that fit ``budget`` tokens, the oldest
    of them cut to fit) and then the summary, each a user message."""
    kept: list[str] = []
    remaining = budget
    for message in reversed(messages):
        if remaining <= 0:
            break
        tokens = approx_tokens(message)
        if tokens <= remaining:
            kept.append(message)
            remaining -= tokens
        else:
            kept.append(truncate_to_tokens(message, remaining))
            break
    kept.reverse()
    return [context_message(text) for text in [*kept, summary or NO_SUMMARY]]


def with_context_before_last_user_message(
    bridge: Sequence[ResponseItem], context: Sequence[ResponseItem]
) -> list[ResponseItem]:
    """A bridge made in the middle of a turn: the initial context goes in
    before the last message the user wrote (before the summary when none)."""
    items = list(bridge)
    at = len(items) - 1
    for index in range(len(items) - 2, -1, -1):
        texts = _texts(items[index])
        if texts and not is_summary("".join(texts)):
            at = index
            break
    return [*items[:at], *context, *items[at:]]


def rebuilt_history(
    history: Sequence[ResponseItem], message: str, replacement: Sequence[ResponseItem] | None
) -> list[ResponseItem]:
    """The history after a recorded compaction: its replacement history when
    the record has one, else a bridge made from ``history`` and the summary."""
    if replacement is not None:
        return list(replacement)
    return build_bridge(user_messages(history), message)
