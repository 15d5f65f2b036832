"""Handshake and identity: `initialize`, `getUserAgent`, `userInfo`."""

from __future__ import annotations

from pydantic import Field

from .._base import CamelModel


class ClientInfo(CamelModel):
    """Who the client is; it becomes part of the user agent."""

    name: str
    title: str | None = None
    version: str


class InitializeCapabilities(CamelModel):
    """What the client declares it can take."""

    experimental_api: bool = Field(
        default=False, description="Receive experimental methods and fields."
    )
    opt_out_notification_methods: list[str] | None = Field(
        default=None,
        description="Notification methods not to send on this connection, by exact name.",
    )


class InitializeParams(CamelModel):
    client_info: ClientInfo
    capabilities: InitializeCapabilities | None = None


class InitializeResponse(CamelModel):
    user_agent: str


class GetUserAgentResponse(CamelModel):
    user_agent: str


class UserInfoResponse(CamelModel):
    alleged_user_email: str | None = Field(
        default=None, description="The email in the saved ChatGPT credentials; not verified."
    )
