"""Token usage and rate-limit snapshots (as events and rollouts write them;
the account requests use the v2 shapes, see `app_server.account_limits`)."""

from enum import StrEnum

from pydantic import Field

from ._base import SnakeModel

#: The id of the limit the model provider's response headers describe.
CODEX_LIMIT_ID = "codex"


class TokenUsage(SnakeModel):
    """Token counts of one model response, or of a whole conversation."""

    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_output_tokens: int = 0
    total_tokens: int = 0


class TokenUsageInfo(SnakeModel):
    """Usage of the last response and of the conversation so far."""

    total_token_usage: TokenUsage
    last_token_usage: TokenUsage
    model_context_window: int | None = None


class PlanType(StrEnum):
    """The ChatGPT plan of the account."""

    FREE = "free"
    GO = "go"
    PLUS = "plus"
    PRO = "pro"
    TEAM = "team"
    BUSINESS = "business"
    ENTERPRISE = "enterprise"
    EDU = "edu"
    UNKNOWN = "unknown"


class RateLimitWindow(SnakeModel):
    """One rate-limit window of the account's plan."""

    used_percent: float = Field(description="How much of the window is used, from 0 to 100.")
    window_minutes: int | None = Field(default=None, description="The window's length.")
    resets_at: int | None = Field(
        default=None, description="When the window resets, in seconds since the Unix epoch."
    )


class CreditsSnapshot(SnakeModel):
    """The account's credits, when its plan has them."""

    has_credits: bool
    unlimited: bool
    balance: str | None = None


class RateLimitSnapshot(SnakeModel):
    """The account's rate limits: a short (primary) and a long (secondary) window."""

    limit_id: str | None = None
    limit_name: str | None = None
    primary: RateLimitWindow | None = None
    secondary: RateLimitWindow | None = None
    credits: CreditsSnapshot | None = None
    plan_type: PlanType | None = None
