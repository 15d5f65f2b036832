"""Rate limits as the account requests and notifications write them (v2:
``account/rateLimits/read``, ``account/rateLimits/updated``), from the
snapshots the model client and the usage endpoint produce."""

from __future__ import annotations

import math
from typing import Final

from app_server_protocol import usage
from app_server_protocol.v2.account import CreditsSnapshot, RateLimitSnapshot, RateLimitWindow

#: The id of the limit of the Codex models (the one the response headers describe).
CODEX_LIMIT_ID: Final = usage.CODEX_LIMIT_ID


def _window(window: usage.RateLimitWindow | None) -> RateLimitWindow | None:
    if window is None:
        return None
    # A whole percentage, rounded half away from zero as the reference rounds it.
    rounded = math.copysign(math.floor(abs(window.used_percent) + 0.5), window.used_percent)
    return RateLimitWindow(
        used_percent=int(rounded),
        window_duration_mins=window.window_minutes,
        resets_at=window.resets_at,
    )


def account_rate_limits(snapshot: usage.RateLimitSnapshot) -> RateLimitSnapshot:
    """The snapshot of the Codex limit, in the account requests' spelling."""
    credits = snapshot.credits
    return RateLimitSnapshot(
        limit_id=snapshot.limit_id or CODEX_LIMIT_ID,
        limit_name=snapshot.limit_name,
        primary=_window(snapshot.primary),
        secondary=_window(snapshot.secondary),
        credits=None
        if credits is None
        else CreditsSnapshot(
            has_credits=credits.has_credits, unlimited=credits.unlimited, balance=credits.balance
        ),
        plan_type=snapshot.plan_type,
    )
