"""How the messages the daemon adds to a thread's history begin (as 0.107.0
writes them): the model sees them as user messages, but they are context,
not what the user typed. A leaf: the agent, which writes them, and the
rollout readers (standard library only) both use it.

`is_injected_context` tells such a message part from what the user typed,
as 0.107.0 does: by how it starts, ignoring leading blanks and ASCII case."""

from __future__ import annotations

from typing import Final

ENVIRONMENT_CONTEXT_OPEN: Final = "<environment_context>"
#: How 0.50.0 opened the user's instructions (still recognised in old rollouts).
USER_INSTRUCTIONS_OPEN: Final = "<user_instructions>"
#: How 0.107.0 opens them (followed by the thread's folder).
AGENTS_MD_HEADING: Final = "# AGENTS.md instructions for "
#: Opens the message 0.107.0 adds to the history when the user interrupts a turn.
TURN_ABORTED_OPEN: Final = "<turn_aborted>"

_OPENINGS: Final = (
    ENVIRONMENT_CONTEXT_OPEN,
    USER_INSTRUCTIONS_OPEN,
    AGENTS_MD_HEADING.lower(),
    TURN_ABORTED_OPEN,
)
_PREFIX_WIDTH: Final = max(len(opening) for opening in _OPENINGS)


def is_injected_context(text: str) -> bool:
    """Whether a message part is context the daemon added (environment, user
    instructions, an interruption) rather than something the user typed."""
    head = text.lstrip()[:_PREFIX_WIDTH]
    return head.isascii() and head.lower().startswith(_OPENINGS)
