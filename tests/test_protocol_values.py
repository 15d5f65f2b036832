"""Helpers on protocol values."""

from __future__ import annotations

import pytest

from app_server_protocol.exec_types import Duration


@pytest.mark.parametrize(
    ("seconds", "secs", "nanos"),
    [
        (0.0, 0, 0),
        (1.5, 1, 500_000_000),
        (2.000000001, 2, 1),
        # rounds up to the next second, not to 1e9 nanoseconds
        (0.9999999999, 1, 0),
        (2.9999999996, 3, 0),
    ],
)
def test_durations_keep_nanoseconds_below_one_second(seconds: float, secs: int, nanos: int) -> None:
    assert Duration.from_seconds(seconds) == Duration(secs=secs, nanos=nanos)
