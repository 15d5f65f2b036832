"""Login, logout and authentication status."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import Field
from typing_extensions import TypeAliasType

from .._base import CamelModel, skip_none
from ..common import AuthMode
from ..usage import RateLimitSnapshot


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
    auth_method: AuthMode | None = skip_none()
    auth_token: str | None = skip_none()
    requires_openai_auth: bool | None = skip_none(
        "Whether the active model provider needs OpenAI credentials."
    )


class AuthStatusChangeNotification(CamelModel):
    auth_method: AuthMode | None = skip_none("Absent when signed out.")


class LoginChatGptCompleteNotification(CamelModel):
    login_id: UUID
    success: bool
    error: str | None = skip_none()


class LoginAccountApiKey(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["apiKey"] = "apiKey"
    api_key: str


class LoginAccountChatgpt(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["chatgpt"] = "chatgpt"


LoginAccountParams = TypeAliasType(
    "LoginAccountParams",
    Annotated[LoginAccountApiKey | LoginAccountChatgpt, Field(discriminator="type")],
)
"""How to sign in: with an API key, or with a ChatGPT account in the browser."""


class LoginAccountResponse(CamelModel):
    login_id: UUID | None = Field(default=None, description="Set for a ChatGPT login.")
    auth_url: str | None = Field(default=None, description="Set for a ChatGPT login.")


class LogoutAccountResponse(CamelModel):
    pass


class GetAccountRateLimitsResponse(CamelModel):
    rate_limits: RateLimitSnapshot


class AccountApiKey(CamelModel):
    """Signed in with an API key."""

    ts_inline: ClassVar[bool] = True
    type: Literal["apiKey"] = "apiKey"


class AccountChatgpt(CamelModel):
    """Signed in with a ChatGPT account."""

    ts_inline: ClassVar[bool] = True
    type: Literal["chatgpt"] = "chatgpt"
    email: str | None = None
    plan_type: str | None = None


Account = TypeAliasType(
    "Account", Annotated[AccountApiKey | AccountChatgpt, Field(discriminator="type")]
)
"""The signed-in account."""

GetAccountResponse = TypeAliasType("GetAccountResponse", Account | None)
"""The signed-in account, or null when signed out."""
