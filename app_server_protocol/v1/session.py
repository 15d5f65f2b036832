"""Handshake and identity: `initialize`, `getUserAgent`, `userInfo`."""

from pydantic import Field

from .._base import CamelModel, optional


class ClientInfo(CamelModel):
    """Who the client is; it becomes part of the user agent."""

    name: str
    title: str | None = None
    version: str


class InitializeCapabilities(CamelModel):
    """What the client declares it can take."""

    experimental_api: bool = False
    """Opt into the experimental methods and fields."""
    opt_out_notification_methods: list[str] | None = optional()
    """Notification methods never to send to this client (exact names, such
    as ``codex/event/session_configured``)."""


class InitializeParams(CamelModel):
    client_info: ClientInfo
    capabilities: InitializeCapabilities | None = optional()


class InitializeResponse(CamelModel):
    user_agent: str


class GetUserAgentResponse(CamelModel):
    user_agent: str


class UserInfoResponse(CamelModel):
    alleged_user_email: str | None = Field(
        default=None, description="The email in the saved ChatGPT credentials; not verified."
    )
