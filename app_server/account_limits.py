"""Rate limits as the account requests and notifications write them (v2:
``account/rateLimits/read``, ``account/rateLimits/updated``), from the
snapshots the model client and the usage endpoint produce."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

from app_server_protocol import usage
from app_server_protocol.v2.account import CreditsSnapshot, RateLimitSnapshot, RateLimitWindow
from app_server_protocol.v2.shared import PlanType

if TYPE_CHECKING:
    from .backend.models import CreditStatusDetails, RateLimitStatusPayload

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


def _plan_type(plan: str) -> PlanType:
    if plan == "education":
        return PlanType.EDU
    try:
        return PlanType(plan)
    except ValueError:
        return PlanType.UNKNOWN


def _credits(credits: CreditStatusDetails | None) -> CreditsSnapshot | None:
    if credits is None:
        return None
    return CreditsSnapshot(
        has_credits=credits.has_credits, unlimited=credits.unlimited, balance=credits.balance
    )


def usage_rate_limits(
    payload: RateLimitStatusPayload,
) -> tuple[RateLimitSnapshot, dict[str, RateLimitSnapshot]]:
    """What the usage endpoint answered, as ``account/rateLimits/read`` gives
    it: the Codex limit (with the credits and the plan), and every limit by
    its id (the additional ones named, without credits)."""
    from .backend.usage import snapshot_from_details

    plan = _plan_type(str(payload.plan_type))
    codex = account_rate_limits(snapshot_from_details(payload.rate_limit)).model_copy(
        update={"credits": _credits(payload.credits), "plan_type": plan}
    )
    by_id: dict[str, RateLimitSnapshot] = {}
    for extra in payload.additional_rate_limits or ():
        snapshot = account_rate_limits(snapshot_from_details(extra.rate_limit))
        by_id[extra.metered_feature] = snapshot.model_copy(
            update={
                "limit_id": extra.metered_feature,
                "limit_name": extra.limit_name,
                "plan_type": plan,
            }
        )
    by_id[CODEX_LIMIT_ID] = codex
    return codex, by_id
