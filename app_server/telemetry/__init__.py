"""OpenTelemetry log events (and spans) describing each run, for teams that
collect them from many daemons; off unless ``[otel]`` names an exporter.

`Telemetry` is the daemon's one instance (``app.telemetry``). The places
where things happen call it with one line each (a conversation starts, a
turn's prompt, a tool decision or result; the model client reports its
requests and SSE events through the conversation's `ConversationTelemetry`).
When nothing is exported those calls return at once, and nothing from
OpenTelemetry is ever imported: the SDK is loaded, off the event loop, only
when the config asks for an exporter (see `export`). Events that happen
while it loads wait in a bounded buffer. Delivery is a background batch
processor: a turn never waits for the collector.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import weakref
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Protocol
from uuid import UUID

import anyio

from .._version import __version__
from ..logs import log
from ..user_agent import originator, terminal
from .events import (
    Attributes,
    ConversationMetadata,
    ConversationStart,
    ConversationTelemetry,
    DecisionSource,
)

if TYPE_CHECKING:
    from ..auth.manager import AuthManager
    from ..config.model import Config
    from ..config.otel import OtelSettings
    from .export import OtelSink

#: Events kept while the exporter loads; later ones are dropped.
PENDING_LIMIT: Final = 10_000
#: How long the daemon's exit may wait for the last events to go out.
FLUSH_SECONDS: Final = 2.0

__all__ = ["ConversationTelemetry", "DecisionSource", "Telemetry"]


class FamilyFacts(Protocol):
    """What the events say of a conversation's model family."""

    @property
    def slug(self) -> str: ...

    @property
    def context_window(self) -> int | None: ...


class Telemetry:
    """The daemon's telemetry: off, loading or on."""

    def __init__(
        self,
        *,
        auth: AuthManager | None = None,
        client_name: Callable[[], str | None] = lambda: None,
    ) -> None:
        """``client_name``: the initialized client's name (the reference's
        ``originator`` attribute), None before ``initialize``."""
        self._auth = auth
        self._client_name = client_name
        self._settings: OtelSettings | None = None
        self._decided = anyio.Event()
        """Set once the settings are read (whether anything is exported is known)."""
        self._sink: OtelSink | None = None
        self._pending: deque[Callable[[OtelSink], None]] = deque(maxlen=PENDING_LIMIT)
        """What happened while the exporter loaded, to replay into it."""
        self._conversations: weakref.WeakKeyDictionary[object, ConversationTelemetry] = (
            weakref.WeakKeyDictionary()
        )
        self._signal_installed = False
        self._failed = False

    @property
    def enabled(self) -> bool:
        """Whether events are (or will be, once loaded) exported."""
        return self._settings is not None and self._settings.exports

    # -- the daemon's lifetime ----------------------------------------------------

    async def start(self, read_settings: Callable[[], OtelSettings]) -> None:
        """Read ``[otel]``; when it names an exporter, load the SDK and start
        exporting (both off the event loop). A bad table or missing packages
        are logged and leave telemetry off; the daemon goes on."""
        from ..config.layers import ConfigError

        try:
            try:
                settings = await anyio.to_thread.run_sync(read_settings)
            except ConfigError as exc:
                log.error("telemetry is off: invalid configuration: %s", exc)
                return
            except Exception:
                log.exception("telemetry is off: the configuration could not be read")
                return
            self._settings = settings
            self._decided.set()
            if not settings.exports:
                return
            from .export import ExportUnavailable, build_sink

            try:
                sink = await anyio.to_thread.run_sync(build_sink, settings, originator())
            except Exception as exc:
                if isinstance(exc, ExportUnavailable):
                    log.error("telemetry is off: %s", exc)
                else:
                    log.exception("telemetry is off: the exporter could not be set up")
                self._settings = None
                self._pending.clear()
                return
            self._sink = sink
            self._drain()
            self._install_sigterm_flush()
        finally:
            self._decided.set()

    def _drain(self) -> None:
        sink = self._sink
        assert sink is not None
        while self._pending:
            self._pending.popleft()(sink)

    async def shutdown(self) -> None:
        """Send what is queued, within `FLUSH_SECONDS`; stop exporting."""
        sink, self._sink = self._sink, None
        self._settings = None
        self._remove_sigterm_flush()
        if sink is None:
            return
        with anyio.move_on_after(FLUSH_SECONDS):
            await anyio.to_thread.run_sync(sink.shutdown, FLUSH_SECONDS, abandon_on_cancel=True)

    def _install_sigterm_flush(self) -> None:
        """On SIGTERM, send what is queued (briefly) before the process dies
        as it always did."""
        import asyncio

        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self._flush_and_die)
        except (RuntimeError, NotImplementedError, ValueError):
            return  # not the main thread, or no signals here
        self._signal_installed = True

    def _remove_sigterm_flush(self) -> None:
        if not self._signal_installed:
            return
        import asyncio

        self._signal_installed = False
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)

    def _flush_and_die(self) -> None:
        sink = self._sink
        if sink is not None:
            # In a thread of its own: a collector that hangs cannot hold the exit up.
            flushing = threading.Thread(target=sink.shutdown, args=(FLUSH_SECONDS,), daemon=True)
            flushing.start()
            flushing.join(FLUSH_SECONDS)
        sys.stderr.flush()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    # -- the sink the conversations write to --------------------------------------

    def emit(self, name: str, attributes: Attributes, time_ns: int) -> None:
        self._deliver(lambda sink: sink.emit(name, attributes, time_ns))

    def span(self, name: str, start_ns: int, end_ns: int, attributes: Attributes) -> None:
        self._deliver(lambda sink: sink.span(name, start_ns, end_ns, attributes))

    def _deliver(self, action: Callable[[OtelSink], None]) -> None:
        if self._sink is None:
            if self.enabled:
                self._pending.append(action)
            return
        try:
            action(self._sink)
        except Exception:  # telemetry never breaks a turn
            if not self._failed:
                self._failed = True
                log.exception("telemetry: an event could not be queued")

    # -- hooks ----------------------------------------------------------------------

    def of(self, conversation: object) -> ConversationTelemetry | None:
        """The conversation's events, or None when nothing is exported."""
        if not self.enabled:
            return None
        return self._conversations.get(conversation)

    async def conversation_starts(
        self, conversation: object, conversation_id: UUID, config: Config, family: FamilyFacts
    ) -> None:
        """The conversation ``conversation`` (the key of its events) was
        created or resumed with ``config``, for a model of ``family``."""
        await self._decided.wait()
        settings = self._settings
        if settings is None or not settings.exports:
            return
        auth_mode = account_id = email = None
        credentials = await self._auth.stored() if self._auth is not None else None
        if credentials is not None and credentials.mode is not None:
            auth_mode = "Chatgpt" if credentials.mode == "chatgpt" else "ApiKey"
            account_id = credentials.account_id
            email = credentials.email
        metadata = ConversationMetadata(
            conversation_id=str(conversation_id),
            app_version=__version__,
            originator=self._client_name() or originator(),
            terminal_type=terminal(),
            model=config.model,
            slug=family.slug,
            auth_mode=auth_mode,
            account_id=account_id,
            account_email=email,
        )
        events = ConversationTelemetry(metadata, self, log_user_prompt=settings.log_user_prompt)
        self._conversations[conversation] = events
        effort = config.model_reasoning_effort
        events.conversation_starts(
            ConversationStart(
                provider_name=config.model_provider.name or config.model_provider_id,
                reasoning_effort=None if effort is None else str(effort),
                reasoning_summary=str(config.model_reasoning_summary),
                context_window=config.model_context_window or family.context_window,
                approval_policy=str(config.approval_policy),
                sandbox_policy=_sandbox_name(config.sandbox_policy),
                mcp_servers=tuple(
                    name for name, server in config.mcp_servers.items() if server.enabled
                ),
                active_profile=config.active_profile,
            )
        )


def _sandbox_name(policy: object) -> str:
    """``read-only``, ``workspace-write`` or ``danger-full-access``."""
    name = getattr(policy, "mode", None) or getattr(policy, "type", None)
    return str(name) if name is not None else ""
