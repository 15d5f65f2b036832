"""ChatGPT sign-in in the browser (``loginChatGpt``, ``account/login {type:
"chatgpt"}``).

A login is a `LoginFlow`: a callback server on ``127.0.0.1`` (port 1455, as
the reference), a PKCE pair and a random state, and the authorization URL the
client opens. When the browser comes back to ``/auth/callback`` with the
right state and a code, the code is exchanged for tokens, the ID token is
checked against a forced workspace, an API key is asked for (best effort),
the credentials are saved through the `AuthManager`, and the browser gets a
small success page. Then the flow reports ``loginChatGptComplete`` (and
``authStatusChange`` after a success) and frees its port.

A wrong state, a missing code or a failed exchange gets an error page and
the flow goes on waiting (the user can open the URL again); a refused
workspace or an error from the provider ends it. At most one flow runs:
a new one replaces the old (reported as cancelled), ``cancelLoginChatGpt``,
an API-key login and a logout stop it, and a flow never completed times out
after ten minutes. ``GET /cancel`` stops it too, so that a later login, in
this process or another, can take the port over, as the reference's does.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Final
from uuid import UUID, uuid4

import anyio
from anyio.abc import SocketListener, TaskGroup

from ..logs import log
from . import callback_server as http
from .credentials import ChatGptTokens, Credentials, format_timestamp
from .manager import AuthManager
from .oauth import (
    OAuthError,
    OAuthSettings,
    Pkce,
    TokenSet,
    authorize_url,
    exchange_code,
    exchange_for_api_key,
    new_state,
    redirect_uri,
)
from .tokens import InvalidIdToken, parse_id_token

#: Why a flow ended without signing in (the reference's texts).
CANCELLED: Final = "Login cancelled"
NOT_COMPLETED: Final = "Login was not completed"
TIMED_OUT: Final = "Login timed out"

#: Binding a busy port: tries, and the pause between them (the reference's).
BIND_ATTEMPTS: Final = 10
BIND_RETRY_DELAY_S: Final = 0.2
#: How long the answer to a cancelLoginChatGpt may hold the flow's report back.
REPORT_HOLD_S: Final = 5.0

Reporter = Callable[[UUID, str | None], Awaitable[None]]
"""Tells the client a login ended: its id and the error (None: signed in)."""


class LoginServerError(Exception):
    """The callback server could not start; the message is safe to show."""


def workspace_violation(expected: str | None, id_token: str) -> str | None:
    """Why the tokens may not be used with a forced workspace (None: they may)."""
    if expected is None:
        return None
    try:
        actual = parse_id_token(id_token).account_id
    except InvalidIdToken:
        actual = None
    if actual is None:
        return (
            "Login is restricted to a specific workspace, but the token did not include "
            "an chatgpt_account_id claim."
        )
    if actual != expected:
        return f"Login is restricted to workspace id {expected}."
    return None


class LoginFlow:
    """One sign-in: its callback server and how it ended."""

    def __init__(
        self,
        auth: AuthManager,
        settings: OAuthSettings,
        listener: SocketListener,
        originator: str,
        workspace_id: str | None,
    ) -> None:
        self.login_id = uuid4()
        self.port = http.bound_port(listener)
        self._auth = auth
        self._settings = settings
        self._listener = listener
        self._workspace_id = workspace_id
        self._pkce = Pkce.new()
        self._state = new_state()
        self._redirect_uri = redirect_uri(self.port)
        self.auth_url = authorize_url(
            settings, self._redirect_uri, self._pkce, self._state, originator, workspace_id
        )
        self._scope = anyio.CancelScope()
        self._callbacks = anyio.Lock()
        self._over = False
        self._error: str | None = None
        self._report_allowed = anyio.Event()
        self._report_allowed.set()
        self.closed = anyio.Event()
        """Set once the port is free again."""

    # -- ending ---------------------------------------------------------------------
    def _end(self, error: str | None) -> bool:
        """Record how the flow ended; False when it had ended already."""
        if self._over:
            return False
        self._over, self._error = True, error
        return True

    def cancel(self, reason: str, *, hold_report: bool = False) -> None:
        """Stop waiting for the browser (no effect once the flow has ended).
        With ``hold_report``, the report waits for `release_report` (so that
        it follows the answer to the request that cancelled)."""
        if self._end(reason):
            if hold_report:
                self._report_allowed = anyio.Event()
            self._scope.cancel()

    async def release_report(self) -> None:
        self._report_allowed.set()

    async def run(self, report: Reporter) -> None:
        """Serve the callback until the flow ends, then report how it ended."""
        try:
            with anyio.move_on_after(self._settings.login_timeout_s) as timer, self._scope:
                await http.serve(self._listener, self._handle)
        except Exception as exc:  # the server broke (accept failed...): end, don't crash
            log.exception("the login callback server failed")
            self._end(str(exc) or type(exc).__name__)
        finally:
            self.closed.set()
        if not self._over:
            self._end(TIMED_OUT if timer.cancelled_caught else NOT_COMPLETED)
        error = self._error
        if error is not None and error != TIMED_OUT:
            error = f"Login server error: {error}"
        with anyio.move_on_after(REPORT_HOLD_S):
            await self._report_allowed.wait()
        log.info("ChatGPT login %s ended: %s", self.login_id, error or "signed in")
        await report(self.login_id, error)

    # -- the browser's requests ------------------------------------------------------
    async def _handle(self, request: http.Request) -> http.Page:
        if request.path == "/auth/callback":
            async with self._callbacks:
                return await self._callback(request.query)
        if request.path == "/cancel":
            self._end(CANCELLED)
            return http.final(http.html_page(200, "Login cancelled", "This sign-in was cancelled."))
        return http.html_page(404, "Not Found", "This address only serves the Codex sign-in.")

    async def _callback(self, query: dict[str, str]) -> http.Page:
        if not hmac.compare_digest(query.get("state", "").encode(), self._state.encode()):
            log.warning("login callback refused: state mismatch")
            return _failure(400, "State mismatch")
        if self._over:
            return _failure(409, "This sign-in is already over.")
        if query.get("error"):
            message = f"Sign-in failed: {query['error']}"
            if query.get("error_description"):
                message += f": {query['error_description']}"
            self._end(message)
            return http.final(_failure(403, message))
        code = query.get("code")
        if not code:
            return _failure(400, "Missing authorization code")
        try:
            tokens = await exchange_code(self._settings, code, self._redirect_uri, self._pkce)
        except OAuthError as exc:
            log.error("login token exchange failed: %s", exc)
            return _failure(500, f"Token exchange failed: {exc}")
        refusal = workspace_violation(self._workspace_id, tokens.id_token)
        if refusal is not None:
            log.error("login refused: %s", refusal)
            self._end(refusal)
            return http.final(_failure(403, refusal))
        try:
            credentials = await self._credentials(tokens)
            # Once saved, the login has happened, whatever asks to stop it meanwhile.
            with anyio.CancelScope(shield=True):
                await self._auth.save(credentials)
                self._over, self._error = True, None
        except (InvalidIdToken, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            log.error("cannot save the login: %s", reason)
            return _failure(500, f"Unable to persist auth file: {reason}")
        return http.final(
            http.html_page(
                200,
                "Signed in to Codex",
                "You are signed in. You can close this window and go back to your editor.",
            )
        )

    async def _credentials(self, tokens: TokenSet) -> Credentials:
        """What to save: the tokens, and an API key when the provider gives one."""
        claims = parse_id_token(tokens.id_token)
        try:
            api_key: str | None = await exchange_for_api_key(self._settings, tokens.id_token)
        except OAuthError as exc:
            log.info("no API key for this ChatGPT account: %s", exc)
            api_key = None
        credentials = Credentials(
            api_key=api_key,
            tokens=ChatGptTokens(
                tokens.id_token,
                tokens.access_token,
                tokens.refresh_token,
                account_id=claims.account_id,
                claims=claims,
            ),
            last_refresh=format_timestamp(datetime.now(UTC)),
        )
        return credentials


def _failure(status: int, message: str) -> http.Page:
    return http.html_page(status, "Sign-in failed", message, "Go back to your editor to try again.")


class ChatGptLogins:
    """The login flow under way, if any (one at a time, as with the reference)."""

    def __init__(
        self,
        auth: AuthManager,
        task_group: TaskGroup,
        report: Reporter,
        originator: Callable[[], str],
    ) -> None:
        self._auth = auth
        self._task_group = task_group
        self._report = report
        self._originator = originator
        self._active: LoginFlow | None = None
        self._starting = anyio.Lock()

    @property
    def active(self) -> LoginFlow | None:
        return self._active

    async def start(
        self,
        workspace_id: str | None,
        settings: OAuthSettings | None = None,
        report: Reporter | None = None,
    ) -> LoginFlow:
        """Start a login, replacing the one under way; raises `LoginServerError`.
        ``report`` tells the client how it ended (the v1 reports by default)."""
        settings = settings or OAuthSettings.from_env()
        async with self._starting:
            old, self._active = self._active, None
            if old is not None:
                old.cancel(CANCELLED)
                await old.closed.wait()
            listener = await _bind(settings.callback_port)
            flow = LoginFlow(self._auth, settings, listener, self._originator(), workspace_id)
            self._active = flow
            self._task_group.start_soon(self._run, flow, report or self._report)
            log.info("ChatGPT login %s waiting on port %d", flow.login_id, flow.port)
            return flow

    async def _run(self, flow: LoginFlow, report: Reporter) -> None:
        try:
            await flow.run(report)
        except Exception:  # never take the daemon's task group down with a login
            log.exception("ChatGPT login %s failed", flow.login_id)
        finally:
            if self._active is flow:
                self._active = None

    def take(self, login_id: UUID) -> LoginFlow | None:
        """The flow ``login_id``, no longer the active one; None when it is not
        the login under way."""
        flow = self._active
        if flow is None or flow.login_id != login_id:
            return None
        self._active = None
        return flow

    def cancel_active(self, reason: str = NOT_COMPLETED) -> None:
        flow, self._active = self._active, None
        if flow is not None:
            flow.cancel(reason)


async def _bind(port: int) -> SocketListener:
    """Listen on the callback port; when another login server holds it, ask
    that one to stop, and try again for two seconds."""
    asked = False
    for attempt in range(1, BIND_ATTEMPTS + 1):
        try:
            return await http.bind(port)
        except OSError as exc:
            if port == 0 or not http.is_address_in_use(exc):
                raise LoginServerError(exc.strerror or str(exc)) from None
        if not asked:
            asked = True
            await _ask_to_cancel(port)
        if attempt < BIND_ATTEMPTS:
            await anyio.sleep(BIND_RETRY_DELAY_S)
    raise LoginServerError(f"Port {http.LOOPBACK}:{port} is already in use")


async def _ask_to_cancel(port: int) -> None:
    request = f"GET /cancel HTTP/1.1\r\nHost: {http.LOOPBACK}:{port}\r\nConnection: close\r\n\r\n"
    try:
        with anyio.fail_after(2):
            async with await anyio.connect_tcp(http.LOOPBACK, port) as stream:
                await stream.send(request.encode("ascii"))
                await stream.receive(64)
    except (OSError, TimeoutError, anyio.EndOfStream, anyio.BrokenResourceError) as exc:
        log.info("could not cancel the previous login server on port %d: %s", port, exc)


__all__ = [
    "CANCELLED",
    "NOT_COMPLETED",
    "TIMED_OUT",
    "ChatGptLogins",
    "LoginFlow",
    "LoginServerError",
]
