"""Handshake and identity: `initialize`, `getUserAgent`, `userInfo`."""

from __future__ import annotations

from pydantic import Field

from .._base import CamelModel


class ClientInfo(CamelModel):
    """Who the client is; it becomes part of the user agent."""

    name: str
    title: str | None = None
    version: str


class InitializeParams(CamelModel):
    client_info: ClientInfo


class InitializeResponse(CamelModel):
    user_agent: str


class GetUserAgentResponse(CamelModel):
    user_agent: str


class UserInfoResponse(CamelModel):
    alleged_user_email: str | None = Field(
        default=None, description="The email in the saved ChatGPT credentials; not verified."
    )
