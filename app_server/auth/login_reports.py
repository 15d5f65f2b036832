"""What the client is told when a ChatGPT login ends: ``loginChatGptComplete``
and, after a success, ``authStatusChange`` with the mode now in use (an API
key obtained during the login takes precedence, as with the reference). A
login started by v2's ``account/login/start`` reports through
``account/login/completed`` and ``account/updated`` instead."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol, TypeVar
from uuid import UUID

from app_server_protocol import methods
from app_server_protocol.v1.auth import (
    AuthStatusChangeNotification,
    LoginChatGptCompleteNotification,
)
from app_server_protocol.v2.notifications import (
    AccountLoginCompletedNotification,
    AccountUpdatedNotification,
)

from ..logs import log
from .login import Reporter
from .restrictions import LoginRestrictions

if TYPE_CHECKING:
    from ..config.model import ConfigToml
    from .manager import AuthManager

P = TypeVar("P")


class Notify(Protocol):
    """Sends the notification of a row of the method table to the client."""

    def __call__(self, row: methods.Notification[P], params: P, /) -> Awaitable[None]: ...


def login_reporter(
    notify: Notify, auth: AuthManager, config_toml: Callable[[], ConfigToml], *, v2: bool = False
) -> Reporter:
    async def report(login_id: UUID, error: str | None) -> None:
        if v2:
            completed = AccountLoginCompletedNotification(
                login_id=str(login_id), success=error is None, error=error
            )
            await notify(methods.ACCOUNT_LOGIN_COMPLETED, completed)
        else:
            complete = LoginChatGptCompleteNotification(
                login_id=login_id, success=error is None, error=error
            )
            await notify(methods.LOGIN_CHAT_GPT_COMPLETE, complete)
        if error is None:
            try:
                restrictions = LoginRestrictions.from_config(config_toml())
            except Exception as exc:  # a broken config: report the saved mode as is
                log.warning("reporting the login without the config's restrictions: %s", exc)
                restrictions = LoginRestrictions()
            mode = await auth.mode(restrictions)
            if v2:
                await notify(methods.ACCOUNT_UPDATED, AccountUpdatedNotification(auth_mode=mode))
            else:
                status = AuthStatusChangeNotification(auth_method=mode)
                await notify(methods.AUTH_STATUS_CHANGE, status)

    return report
