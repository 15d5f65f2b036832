"""What the client is told when a ChatGPT login ends: ``loginChatGptComplete``
and, after a success, ``authStatusChange`` with the mode now in use (an API
key obtained during the login takes precedence, as with the reference)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from uuid import UUID

from app_server_protocol.v1.auth import (
    AuthStatusChangeNotification,
    LoginChatGptCompleteNotification,
)

from ..logs import log
from .login import Reporter
from .restrictions import LoginRestrictions

if TYPE_CHECKING:
    from ..config.model import ConfigToml
    from .manager import AuthManager

#: Sends a notification to the client: its method and its params as JSON.
Notify = Callable[[str, bytes], Awaitable[None]]


def login_reporter(
    notify: Notify, auth: AuthManager, config_toml: Callable[[], ConfigToml]
) -> Reporter:
    async def report(login_id: UUID, error: str | None) -> None:
        complete = LoginChatGptCompleteNotification(
            login_id=login_id, success=error is None, error=error
        )
        await notify("loginChatGptComplete", complete.model_dump_json().encode())
        if error is None:
            try:
                restrictions = LoginRestrictions.from_config(config_toml())
            except Exception as exc:  # a broken config: report the saved mode as is
                log.warning("reporting the login without the config's restrictions: %s", exc)
                restrictions = LoginRestrictions()
            status = AuthStatusChangeNotification(auth_method=await auth.mode(restrictions))
            await notify("authStatusChange", status.model_dump_json().encode())

    return report
