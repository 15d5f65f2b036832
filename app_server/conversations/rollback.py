"""`thread/rollback`: dropping the last turns of a thread.

As 0.107.0 does it, the rollout is not rewritten: a ``thread_rolled_back``
event (``{"num_turns": N}``) is appended, and whoever reads the file back
(`thread/read`, a resume) drops the last N turns before it. The loaded
thread's model history is cut at the same place: before the user message
that opened the N-th last turn. Files the agent changed stay changed.
"""

from __future__ import annotations

import json
from typing import Final

from app_server_protocol.items import (
    ContentItemInputText,
    ResponseItem,
    ResponseItemMessage,
)

from ..context_tags import is_injected_context
from ..model_client.history import History, user_items

ROLLED_BACK_EVENT: Final = "thread_rolled_back"


def rolled_back_payload(num_turns: int) -> bytes:
    """The ``event_msg`` payload that records a rollback."""
    return json.dumps({"type": ROLLED_BACK_EVENT, "num_turns": num_turns}).encode()


def _opens_turn(item: ResponseItem) -> bool:
    """Whether the item is a message the user typed (not context the daemon added)."""
    if not isinstance(item, ResponseItemMessage) or item.role != "user":
        return False
    for part in item.content:
        if isinstance(part, ContentItemInputText) and is_injected_context(part.text):
            return False
    return True


def drop_last_turns(history: History, num_turns: int) -> History:
    """The history without its last ``num_turns`` user turns (all of them,
    when it has fewer; the initial context stays)."""
    starts = [index for index, item in user_items(history) if _opens_turn(item)]
    if not starts or num_turns <= 0:
        return history.copy()
    cut = starts[0] if num_turns >= len(starts) else starts[-num_turns]
    return history[:cut]
