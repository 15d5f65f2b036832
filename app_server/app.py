"""The daemon's state shared by every handler (the services, `App`), and
what belongs to one connection (`Connection`: its output and its session)."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anyio.abc import TaskGroup

from app_server_protocol.jsonrpc import RequestId
from app_server_protocol.methods import ClientMethod

from . import process_groups
from .agent import turn
from .agent.credentials import AuthCredentials
from .audience import Clients
from .auth import AuthManager
from .auth.manager import OAuthTokenRefresher
from .auth.restrictions import LoginRestrictions
from .auth.storage import ConfiguredCredentialStore
from .client_face import ClientFace
from .config.service import ConfigService
from .conversations.manager import ConversationManager
from .conversations.turns import AgentServices
from .outgoing import Outgoing
from .telemetry import Telemetry
from .user_agent import base_user_agent, user_agent

if TYPE_CHECKING:
    from uuid import UUID

    from .auth.login import ChatGptLogins, LoginFlow
    from .config.model import Config
    from .early import HandedOver
    from .options import ServeOptions
    from .remote_models import RemoteModels
    from .search import FileSearch


@dataclass
class Session:
    """The handshake's outcome."""

    initialized: bool = False
    user_agent: str = field(default_factory=base_user_agent)
    """Ours, with the client's name and version once it has introduced itself."""
    client_name: str | None = None
    face: ClientFace = field(default_factory=ClientFace)
    """What this client is sent (opt-outs, newer fields)."""

    def initialize(
        self, name: str, version: str, opt_out: Iterable[str] | None = None
    ) -> ClientFace:
        self.initialized = True
        self.user_agent = user_agent(name, version)
        self.client_name = name
        self.face = ClientFace.decide(name, opt_out, os.environ)
        return self.face


@dataclass(eq=False)
class Connection:
    """One client: what the daemon sends it, and its handshake."""

    outgoing: Outgoing
    session: Session = field(default_factory=Session)

    def __post_init__(self) -> None:
        self.outgoing.face = self.session.face
        self.outgoing.initialized = self.session.initialized


class App:
    """Services and state, created once per process."""

    def __init__(
        self,
        clients: Clients,
        options: ServeOptions,
        codex_home: Path,
        task_group: TaskGroup,
        session: Session | None = None,
        handed_over: HandedOver | None = None,
    ) -> None:
        self.clients = clients
        """Every connection: what is for every client goes through it."""
        self.options = options
        self.codex_home = codex_home
        self.task_group = task_group
        """Where handlers start background work that outlives their request."""
        self.session = session or Session()
        """The session of the first client: its name is in the daemon's user
        agent (model requests, telemetry); each connection has its own too."""
        self.config = ConfigService(codex_home, options)
        store = ConfiguredCredentialStore(
            codex_home, lambda: self.config.toml().cli_auth_credentials_store
        )
        self.auth = AuthManager(store, OAuthTokenRefresher())
        """The saved credentials; model requests get their bearer token here."""
        self._chatgpt_logins: ChatGptLogins | None = None
        self._remote_models: RemoteModels | None = None
        self._file_search = handed_over.file_search if handed_over is not None else None
        self._shutdown_hooks: list[Callable[[], Awaitable[None]]] = [_kill_running_commands]
        self.telemetry = Telemetry(auth=self.auth, client_name=lambda: self.session.client_name)
        """OpenTelemetry events, when `[otel]` names an exporter (flushed after
        the conversations have closed)."""
        task_group.start_soon(self.telemetry.start, self.config.otel_settings)
        self.on_shutdown(self.telemetry.shutdown)
        self.conversations = ConversationManager(
            codex_home=codex_home,
            config=self.config,
            clients=clients,
            task_group=task_group,
            services=AgentServices(
                user_agent=self._user_agent,
                credentials=self._credentials,
                telemetry=self.telemetry.of,
            ),
            index=handed_over.rollout_index if handed_over is not None else None,
            thread_catalog=handed_over.thread_catalog if handed_over is not None else None,
        )
        self.on_shutdown(self.conversations.close_all)
        self.conversations.telemetry = self.telemetry
        # Looked up on its module at this point: tests swap the runner there.
        self.turns = turn.ModelTurnRunner(task_group)
        """Runs every conversation's user turns."""
        self.conversations.turn_runner = self.turns

    def _user_agent(self) -> str:
        return self.session.user_agent

    def _credentials(self, config: Config) -> AuthCredentials:
        return AuthCredentials(self.auth, LoginRestrictions.from_config(config))

    @property
    def file_search(self) -> FileSearch:
        """Fuzzy file search, with the listings of the roots searched so far
        (created, and its modules imported, at the first search)."""
        if self._file_search is None:
            from .search import FileSearch

            self._file_search = FileSearch()
        return self._file_search

    @property
    def chatgpt_logins(self) -> ChatGptLogins:
        """The ChatGPT browser login under way (created at the first login)."""
        if self._chatgpt_logins is None:
            from .auth.login import ChatGptLogins
            from .auth.login_reports import login_reporter
            from .user_agent import originator

            self._chatgpt_logins = ChatGptLogins(
                self.auth,
                self.task_group,
                login_reporter(self.clients.notify, self.auth, self.config.toml),
                originator,
            )
        return self._chatgpt_logins

    @property
    def remote_models(self) -> RemoteModels:
        """The provider's models as last fetched (`model/list`)."""
        if self._remote_models is None:
            from .remote_models import RemoteModels

            self._remote_models = RemoteModels(self.codex_home, self.task_group)
        return self._remote_models

    def take_chatgpt_login(self, login_id: UUID) -> LoginFlow | None:
        """The ChatGPT login ``login_id`` if it is the one under way, no longer
        tracked (the caller stops it); None otherwise."""
        if self._chatgpt_logins is None:
            return None
        return self._chatgpt_logins.take(login_id)

    def cancel_chatgpt_login(self) -> None:
        """Stop the ChatGPT login under way, if any (another sign-in replaces it)."""
        if self._chatgpt_logins is not None:
            self._chatgpt_logins.cancel_active()

    def connect(self, connection: Connection) -> None:
        """Serve ``connection`` from now on."""
        self.clients.add(connection.outgoing)
        if connection.session.initialized and not self.session.initialized:
            self.session = connection.session
        outgoing = connection.outgoing
        outgoing.on_gone(lambda: self.conversations.drop_connection(outgoing))

    def disconnect(self, connection: Connection) -> None:
        """``connection`` is closed: its subscriptions end (its threads go on)."""
        connection.outgoing.close()
        self.clients.remove(connection.outgoing)
        self.conversations.drop_connection(connection.outgoing, closed_by_client=True)

    def on_shutdown(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run ``hook`` when the daemon stops (stdin closed)."""
        self._shutdown_hooks.append(hook)

    async def shutdown(self) -> None:
        for hook in reversed(self._shutdown_hooks):
            await hook()


async def _kill_running_commands() -> None:
    """Nothing the daemon started may outlive it (runs last: registered first)."""
    process_groups.kill_all()


@dataclass
class RequestContext:
    """What a handler gets besides its params."""

    app: App
    request_id: RequestId
    row: ClientMethod[Any, Any]
    """The method table's row of the request."""
    connection: Connection
    """The client that sent it."""
    after_response_actions: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @property
    def outgoing(self) -> Outgoing:
        """What this client is sent (what is for every client goes through ``app.clients``)."""
        return self.connection.outgoing

    @property
    def session(self) -> Session:
        return self.connection.session

    def after_response(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run ``action`` once the response is queued (to send a notification
        that must follow it, for instance)."""
        self.after_response_actions.append(action)
