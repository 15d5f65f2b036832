"""The account's rate limits, read from the provider's ``x-codex-*`` response headers.

For each window (``primary``, the short one, and ``secondary``):

* ``x-codex-<window>-used-percent`` (a number; without it there is no window),
* ``x-codex-<window>-window-minutes`` (an integer),
* ``x-codex-<window>-reset-at`` (an integer, seconds since the epoch), or the
  older ``x-codex-<window>-reset-after-seconds`` (seconds from now) when the
  former is absent.

A window that says nothing (0 % used, no length, no reset time) is None, as
is a value that does not parse, as the reference does.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping
from typing import Final

from app_server_protocol.usage import CODEX_LIMIT_ID, RateLimitSnapshot, RateLimitWindow

_INTEGER: Final = re.compile(r"[+-]?[0-9]+")
_NUMBER: Final = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_rate_limits(
    headers: Mapping[str, str], now: Callable[[], float] = time.time
) -> RateLimitSnapshot:
    """The snapshot the headers describe (both windows None when they say nothing).

    ``headers`` must look names up case-insensitively (``httpx.Headers`` does)
    or have lower-case names."""
    return RateLimitSnapshot(
        limit_id=CODEX_LIMIT_ID,
        primary=_window(headers, "primary", now),
        secondary=_window(headers, "secondary", now),
    )


def _window(
    headers: Mapping[str, str], name: str, now: Callable[[], float]
) -> RateLimitWindow | None:
    prefix = f"x-codex-{name}-"
    used_percent = _number(headers.get(prefix + "used-percent"))
    if used_percent is None:
        return None
    window_minutes = _integer(headers.get(prefix + "window-minutes"))
    resets_at = _integer(headers.get(prefix + "reset-at"))
    if resets_at is None:
        after = _integer(headers.get(prefix + "reset-after-seconds"))
        if after is not None:
            resets_at = int(now()) + after
    if used_percent == 0 and not window_minutes and resets_at is None:
        return None
    return RateLimitWindow(
        used_percent=used_percent, window_minutes=window_minutes, resets_at=resets_at
    )


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if not _NUMBER.fullmatch(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _integer(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    return int(value) if _INTEGER.fullmatch(value) else None
