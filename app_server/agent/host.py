"""`TurnHost`: the agent's one way into the rest of the daemon.

The agent (the turn loop, its tools, the approval flow) never imports the
daemon: the thread a turn runs for hands it a host, which is the thread's
link to the client (events, approval questions, notifications), its rollout,
its running turn, and the daemon's services (credentials, user agent). Which
face a question or an event goes out through (v1's ``codex/event/*`` and
``execCommandApproval``, ...) is the host's business, not the agent's.

A leaf: protocol types only (the daemon's own types just for the checker).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from app_server_protocol.common import ReviewDecisionKind, TurnAbortReason
from app_server_protocol.events import EventMsg
from app_server_protocol.exec_types import FileChange
from app_server_protocol.items import ResponseItem
from app_server_protocol.rollout import CompactedItem, TurnContextItem
from app_server_protocol.usage import RateLimitSnapshot

if TYPE_CHECKING:
    from ..config.model import Config
    from ..model_client import CredentialsSource
    from ..telemetry.events import ConversationTelemetry


@dataclass(frozen=True)
class CommandApproval:
    """May ``command`` run (in ``cwd``)? ``reason``: why the user is asked."""

    call_id: str
    command: Sequence[str]
    cwd: str
    reason: str | None = None


@dataclass(frozen=True)
class PatchApproval:
    """May a patch making ``changes`` be applied?"""

    call_id: str
    changes: Mapping[str, FileChange]


ApprovalQuestion = CommandApproval | PatchApproval


class TurnHost(Protocol):
    """What the agent asks of the daemon, for one thread."""

    @property
    def thread_id(self) -> UUID: ...

    # -- the daemon's services ------------------------------------------------

    @property
    def user_agent(self) -> str:
        """The user agent of the thread's model requests."""
        ...

    def credentials(self, config: Config) -> CredentialsSource:
        """The saved credentials, under ``config``'s login restrictions."""
        ...

    @property
    def telemetry(self) -> ConversationTelemetry | None:
        """Where the thread's telemetry events go; None when none are exported."""
        ...

    # -- the client -----------------------------------------------------------

    async def emit(self, submission_id: str, event: EventMsg) -> None:
        """Report ``event`` of the submission ``submission_id`` (to the
        client, and to the rollout when its kind is kept)."""
        ...

    async def emit_raw_item(self, submission_id: str, item: ResponseItem) -> None:
        """Report a model item as it came, to the clients that asked for them."""
        ...

    async def ask_approval(
        self, submission_id: str, question: ApprovalQuestion
    ) -> ReviewDecisionKind:
        """The user's decision. Never raises for the client's sake: a client
        that answers with an error has denied, one that went away aborts."""
        ...

    async def report_rate_limits(self, snapshot: RateLimitSnapshot) -> None:
        """The provider's latest rate limits (for the account, not the thread)."""
        ...

    # -- the rollout ------------------------------------------------------------

    def record_items(self, items: Iterable[ResponseItem]) -> None:
        """Keep model items in the thread's rollout."""
        ...

    def record_turn_context(self, context: TurnContextItem) -> None: ...

    def record_compaction(self, compacted: CompactedItem) -> None:
        """Keep a compaction (the summary and the history that replaced the old one)."""
        ...

    async def flush(self) -> None:
        """Wait until everything recorded so far is on disk."""
        ...

    # -- the running turn ---------------------------------------------------------

    def abort_turn(self, reason: TurnAbortReason) -> None:
        """Stop the running turn from inside it; ``turn_aborted`` follows
        once it has stopped."""
        ...
