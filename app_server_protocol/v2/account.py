"""The signed-in account: `account/login/*`, `account/logout`, `account/read`
and its rate limits."""

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field
from typing_extensions import TypeAliasType

from .._base import CamelModel
from .shared import PlanType


class AccountApiKey(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["apiKey"] = "apiKey"


class AccountChatgpt(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["chatgpt"] = "chatgpt"
    email: str
    plan_type: PlanType


Account = TypeAliasType(
    "Account",
    Annotated[
        AccountApiKey | AccountChatgpt,
        Field(discriminator="type"),
    ],
)
"""How the daemon is signed in."""


class LoginAccountParamsApiKey(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["apiKey"] = "apiKey"
    api_key: str


class LoginAccountParamsChatgpt(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["chatgpt"] = "chatgpt"


class LoginAccountParamsChatgptAuthTokens(CamelModel):
    """Tokens that the client obtained and refreshes (`account/chatgptAuthTokens/refresh`)."""

    ts_inline: ClassVar[bool] = True
    type: Literal["chatgptAuthTokens"] = "chatgptAuthTokens"
    access_token: str
    chatgpt_account_id: str
    chatgpt_plan_type: str | None = None
    """When absent, read from the access token's claims (else `unknown`)."""


LoginAccountParams = TypeAliasType(
    "LoginAccountParams",
    Annotated[
        LoginAccountParamsApiKey | LoginAccountParamsChatgpt | LoginAccountParamsChatgptAuthTokens,
        Field(discriminator="type"),
    ],
)
"""How to sign in: with an API key, in the browser with a ChatGPT account, or with ChatGPT tokens
the client manages."""


class LoginAccountResponseApiKey(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["apiKey"] = "apiKey"


class LoginAccountResponseChatgpt(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["chatgpt"] = "chatgpt"
    login_id: str
    auth_url: str


class LoginAccountResponseChatgptAuthTokens(CamelModel):
    ts_inline: ClassVar[bool] = True
    type: Literal["chatgptAuthTokens"] = "chatgptAuthTokens"


LoginAccountResponse = TypeAliasType(
    "LoginAccountResponse",
    Annotated[
        LoginAccountResponseApiKey
        | LoginAccountResponseChatgpt
        | LoginAccountResponseChatgptAuthTokens,
        Field(discriminator="type"),
    ],
)
"""The login started (ChatGPT: open `authUrl`; `account/login/completed` follows) or is done."""


class CancelLoginAccountParams(CamelModel):
    """Cancel a browser login that has not completed."""

    login_id: str


class CancelLoginAccountStatus(StrEnum):
    """Whether there was such a login to cancel."""

    CANCELED = "canceled"
    NOT_FOUND = "notFound"


class CancelLoginAccountResponse(CamelModel):
    status: CancelLoginAccountStatus


class LogoutAccountResponse(CamelModel):
    pass


class GetAccountParams(CamelModel):
    refresh_token: bool = False
    """Refresh the ChatGPT tokens before answering (ignored when the client
    manages the tokens itself)."""


class GetAccountResponse(CamelModel):
    """The account (null when signed out) and whether the model provider needs an OpenAI login at
    all."""

    account: Account | None = None
    requires_openai_auth: bool


class RateLimitWindow(CamelModel):
    """One rate-limit window of the account's plan."""

    used_percent: int
    """From 0 to 100."""
    window_duration_mins: int | None = None
    resets_at: int | None = None
    """Unix time, in seconds."""


class CreditsSnapshot(CamelModel):
    """The account's credits."""

    has_credits: bool
    unlimited: bool
    balance: str | None = None


class RateLimitSnapshot(CamelModel):
    """The account's rate limits for one metered limit."""

    limit_id: str | None = None
    limit_name: str | None = None
    primary: RateLimitWindow | None = None
    secondary: RateLimitWindow | None = None
    credits: CreditsSnapshot | None = None
    plan_type: PlanType | None = None


class GetAccountRateLimitsResponse(CamelModel):
    """The rate limits: `rateLimits` for the main limit, and every limit by its id."""

    rate_limits: RateLimitSnapshot
    rate_limits_by_limit_id: dict[str, RateLimitSnapshot] | None = None
