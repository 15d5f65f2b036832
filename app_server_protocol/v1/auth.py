"""Login, logout and authentication status."""

from uuid import UUID

from pydantic import Field

from .._base import CamelModel
from ..common import AuthMode


class LoginApiKeyParams(CamelModel):
    api_key: str


class LoginApiKeyResponse(CamelModel):
    pass


class LoginChatGptResponse(CamelModel):
    login_id: UUID
    auth_url: str = Field(description="The page the user opens to sign in.")


class CancelLoginChatGptParams(CamelModel):
    login_id: UUID


class CancelLoginChatGptResponse(CamelModel):
    pass


class LogoutChatGptResponse(CamelModel):
    pass


class GetAuthStatusParams(CamelModel):
    include_token: bool | None = Field(
        default=None, description="Include the current token in the answer."
    )
    refresh_token: bool | None = Field(default=None, description="Refresh the ChatGPT token first.")


class GetAuthStatusResponse(CamelModel):
    auth_method: AuthMode | None = None
    auth_token: str | None = None
    requires_openai_auth: bool | None = Field(
        default=None, description="Whether the active model provider needs OpenAI credentials."
    )


class AuthStatusChangeNotification(CamelModel):
    auth_method: AuthMode | None = Field(default=None, description="Null when signed out.")


class LoginChatGptCompleteNotification(CamelModel):
    login_id: UUID
    success: bool
    error: str | None = None
