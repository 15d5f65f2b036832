"""How the messages the daemon adds to a thread's history begin (as 0.107.0
writes them): the model sees them as user messages, but they are context,
not what the user typed. A leaf: the agent, which writes them, and the
rollout readers (standard library only) both use it."""

from __future__ import annotations

from typing import Final

ENVIRONMENT_CONTEXT_OPEN: Final = "<environment_context>"
#: How 0.50.0 opened the user's instructions (still recognised in old rollouts).
USER_INSTRUCTIONS_OPEN: Final = "<user_instructions>"
#: How 0.107.0 opens them (followed by the thread's folder).
AGENTS_MD_HEADING: Final = "# AGENTS.md instructions for "
#: Opens the message 0.107.0 adds to the history when the user interrupts a turn.
TURN_ABORTED_OPEN: Final = "<turn_aborted>"
