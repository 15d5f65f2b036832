"""Login, logout and authentication status."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import Field
from typing_extensions import TypeAliasType

from .._base import CamelModel
from ..common import AuthMode
from ..usage import AccountRateLimitSnapshot, PlanType


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


class LoginAccountApiKey(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["apiKey"] = "apiKey"
    api_key: str


class LoginAccountChatgpt(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["chatgpt"] = "chatgpt"


class LoginAccountChatgptAuthTokens(CamelModel):
    """ChatGPT tokens the client obtained itself (the daemon does not accept them)."""

    ts_inline: ClassVar[bool] = True
    type: Literal["chatgptAuthTokens"] = "chatgptAuthTokens"
    access_token: str
    chatgpt_account_id: str
    chatgpt_plan_type: str | None = None


LoginAccountParams = TypeAliasType(
    "LoginAccountParams",
    Annotated[
        LoginAccountApiKey | LoginAccountChatgpt | LoginAccountChatgptAuthTokens,
        Field(discriminator="type"),
    ],
)
"""How to sign in: with an API key, or with a ChatGPT account in the browser."""


class LoginAccountApiKeyResponse(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["apiKey"] = "apiKey"


class LoginAccountChatgptResponse(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["chatgpt"] = "chatgpt"
    login_id: UUID
    auth_url: str = Field(description="The page the user opens to sign in.")


class LoginAccountChatgptAuthTokensResponse(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["chatgptAuthTokens"] = "chatgptAuthTokens"


LoginAccountResponse = TypeAliasType(
    "LoginAccountResponse",
    Annotated[
        LoginAccountApiKeyResponse
        | LoginAccountChatgptResponse
        | LoginAccountChatgptAuthTokensResponse,
        Field(discriminator="type"),
    ],
)
"""What the login started: done (API key), or a browser login to follow."""


class LogoutAccountResponse(CamelModel):
    pass


class GetAccountRateLimitsResponse(CamelModel):
    rate_limits: AccountRateLimitSnapshot = Field(description="The limit of the Codex models.")
    rate_limits_by_limit_id: dict[str, AccountRateLimitSnapshot] | None = Field(
        default=None, description="Every limit of the account, by its id."
    )


class GetAccountParams(CamelModel):
    refresh_token: bool = Field(default=False, description="Refresh the ChatGPT token first.")


class AccountApiKey(CamelModel):
    """Signed in with an API key."""

    ts_inline: ClassVar[bool] = True
    type: Literal["apiKey"] = "apiKey"


class AccountChatgpt(CamelModel):
    """Signed in with a ChatGPT account."""

    ts_inline: ClassVar[bool] = True
    type: Literal["chatgpt"] = "chatgpt"
    email: str
    plan_type: PlanType


Account = TypeAliasType(
    "Account", Annotated[AccountApiKey | AccountChatgpt, Field(discriminator="type")]
)
"""The signed-in account."""


class GetAccountResponse(CamelModel):
    account: Account | None = Field(description="Null when signed out.")
    requires_openai_auth: bool = Field(
        description="Whether the active model provider needs OpenAI credentials."
    )
