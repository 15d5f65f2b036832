"""What the client is told when a ChatGPT login ends: ``loginChatGptComplete``
and, after a success, ``authStatusChange`` with the mode now in use (an API
key obtained during the login takes precedence, as with the reference)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from app_server_protocol import methods
from app_server_protocol.v1.auth import (
    AuthStatusChangeNotification,
    LoginChatGptCompleteNotification,
)

from ..logs import log
from .login import Reporter
from .restrictions import LoginRestrictions

if TYPE_CHECKING:
    from ..app import App


def login_reporter(app: App) -> Reporter:
    async def report(login_id: UUID, error: str | None) -> None:
        complete = LoginChatGptCompleteNotification(
            login_id=login_id, success=error is None, error=error
        )
        await app.outgoing.notify(methods.LOGIN_CHAT_GPT_COMPLETE, complete)
        if error is None:
            try:
                restrictions = LoginRestrictions.from_config(app.config.toml())
            except Exception as exc:  # a broken config: report the saved mode as is
                log.warning("reporting the login without the config's restrictions: %s", exc)
                restrictions = LoginRestrictions()
            status = AuthStatusChangeNotification(auth_method=await app.auth.mode(restrictions))
            await app.outgoing.notify(methods.AUTH_STATUS_CHANGE, status)

    return report
