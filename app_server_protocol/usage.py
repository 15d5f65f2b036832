"""Token usage and rate-limit snapshots.

Rate limits have two spellings: snake_case inside events and rollouts
(`RateLimitSnapshot`), camelCase in the account requests and notifications
(`AccountRateLimitSnapshot`, with the window length named differently).
"""

from __future__ import annotations

import math
from enum import StrEnum

from pydantic import Field

from ._base import CamelModel, SnakeModel

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

    def for_account(self) -> AccountRateLimitSnapshot:
        """The same snapshot as the account requests and notifications write it."""
        return AccountRateLimitSnapshot(
            limit_id=self.limit_id,
            limit_name=self.limit_name,
            primary=_account_window(self.primary),
            secondary=_account_window(self.secondary),
            credits=None
            if self.credits is None
            else AccountCreditsSnapshot(
                has_credits=self.credits.has_credits,
                unlimited=self.credits.unlimited,
                balance=self.credits.balance,
            ),
            plan_type=self.plan_type,
        )


class AccountRateLimitWindow(CamelModel):
    """A rate-limit window as the account requests write it."""

    used_percent: int = Field(description="How much of the window is used, from 0 to 100.")
    window_duration_mins: int | None = None
    resets_at: int | None = Field(
        default=None, description="When the window resets, in seconds since the Unix epoch."
    )


class AccountCreditsSnapshot(CamelModel):
    has_credits: bool
    unlimited: bool
    balance: str | None = None


class AccountRateLimitSnapshot(CamelModel):
    """The account's rate limits as the account requests write them."""

    limit_id: str | None = None
    limit_name: str | None = None
    primary: AccountRateLimitWindow | None = None
    secondary: AccountRateLimitWindow | None = None
    credits: AccountCreditsSnapshot | None = None
    plan_type: PlanType | None = None


class AccountRateLimitsUpdatedNotification(CamelModel):
    """The params of ``account/rateLimits/updated``."""

    rate_limits: AccountRateLimitSnapshot


def _account_window(window: RateLimitWindow | None) -> AccountRateLimitWindow | None:
    if window is None:
        return None
    # A whole number here, rounded half away from zero as the reference rounds it.
    rounded = math.copysign(math.floor(abs(window.used_percent) + 0.5), window.used_percent)
    return AccountRateLimitWindow(
        used_percent=int(rounded),
        window_duration_mins=window.window_minutes,
        resets_at=window.resets_at,
    )
