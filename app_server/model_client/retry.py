"""How long to wait before sending a failed request again."""

from __future__ import annotations

import random
import re
from typing import Final

INITIAL_DELAY_S: Final = 0.2
BACKOFF_FACTOR: Final = 2.0

# "Please try again in 1.898s" / "... in 250ms", in the message of a
# `rate_limit_exceeded` error.
_TRY_AGAIN_IN: Final = re.compile(r"Please try again in (\d+(?:\.\d+)?)(s|ms)")
_SECONDS: Final = re.compile(r"\d+(?:\.\d+)?")


def backoff(attempt: int, initial_delay: float = INITIAL_DELAY_S) -> float:
    """Exponential backoff with jitter: ``attempt`` 1 waits about 0.2 s, 2 about 0.4 s, ..."""
    base = initial_delay * BACKOFF_FACTOR ** max(attempt - 1, 0)
    return base * random.uniform(0.9, 1.1)


def retry_after_header(value: str | None) -> float | None:
    """The delay a ``retry-after`` header asks for, in seconds (HTTP dates are ignored)."""
    if value is None:
        return None
    value = value.strip()
    return float(value) if _SECONDS.fullmatch(value) else None


def retry_hint_in_message(code: str | None, message: str | None) -> float | None:
    """The delay a rate-limit error's message suggests, in seconds."""
    if code != "rate_limit_exceeded" or not message:
        return None
    found = _TRY_AGAIN_IN.search(message)
    if found is None:
        return None
    value = float(found.group(1))
    return value / 1000 if found.group(2) == "ms" else value
