"""An administrator's limits on how users sign in (`forced_login_method`,
`forced_chatgpt_workspace_id`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from app_server_protocol.common import AuthMode, ForcedLoginMethod

from .credentials import Credentials

if TYPE_CHECKING:
    from ..config.model import Config, ConfigToml

API_KEY_LOGIN_DISABLED: Final = "API key login is disabled. Use ChatGPT login instead."
CHATGPT_LOGIN_DISABLED: Final = "ChatGPT login is disabled. Use API key login instead."


@dataclass(frozen=True)
class LoginRestrictions:
    method: ForcedLoginMethod | None = None
    """The only way users may sign in."""
    workspace_id: str | None = None
    """The only ChatGPT workspace (account id) a ChatGPT sign-in may belong to."""

    @classmethod
    def from_config(cls, config: Config | ConfigToml) -> LoginRestrictions:
        return cls(config.forced_login_method, config.forced_chatgpt_workspace_id)

    def login_refusal(self, mode: AuthMode) -> str | None:
        """Why a new sign-in with ``mode`` is not allowed (None when it is)."""
        if self.method is ForcedLoginMethod.CHATGPT and mode is AuthMode.API_KEY:
            return API_KEY_LOGIN_DISABLED
        if self.method is ForcedLoginMethod.API and mode is AuthMode.CHATGPT:
            return CHATGPT_LOGIN_DISABLED
        return None

    def violation(self, credentials: Credentials) -> str | None:
        """Why saved credentials may not be used (None when they may)."""
        mode = credentials.mode
        if mode is None:
            return None
        if self.method is ForcedLoginMethod.CHATGPT and mode is AuthMode.API_KEY:
            return "ChatGPT login is required, but an API key is saved"
        if self.method is ForcedLoginMethod.API and mode is AuthMode.CHATGPT:
            return "API key login is required, but a ChatGPT login is saved"
        if self.workspace_id is not None and mode is AuthMode.CHATGPT:
            assert credentials.tokens is not None
            actual = credentials.tokens.claims.account_id
            if actual is None:
                return (
                    f"login is restricted to workspace {self.workspace_id}, "
                    "but the saved ChatGPT login has no workspace"
                )
            if actual != self.workspace_id:
                return (
                    f"login is restricted to workspace {self.workspace_id}, "
                    f"but the saved ChatGPT login belongs to {actual}"
                )
        return None
