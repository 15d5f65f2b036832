"""What crosses stdio, in the log: at ``debug`` one line per request (method,
id, duration, error code) and per notification sent; at ``trace`` every
message, in and out, with credentials masked.

Nothing is measured or formatted unless the level asks for it: the checks
are one ``isEnabledFor`` each.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from .logs import TRACE, log, mask_message

_NOTIFICATION_START = b'{"method":"'


def received(line: bytes) -> None:
    """A line from the client (before it is parsed)."""
    if log.isEnabledFor(TRACE):
        log.log(TRACE, "<- %s", mask_message(line))


def sent(data: bytes) -> None:
    """A serialised message queued for the client."""
    if not log.isEnabledFor(logging.DEBUG):
        return
    if log.isEnabledFor(TRACE):
        log.log(TRACE, "-> %s", mask_message(data))
    elif data.startswith(_NOTIFICATION_START):
        end = data.find(b'"', len(_NOTIFICATION_START))
        method = data[len(_NOTIFICATION_START) : end].decode("utf-8", "replace")
        # A server request has its id right after the method; a notification its params.
        if data.startswith(b',"params"', end + 1):
            log.debug("notification %s sent", method)
        else:
            log.debug("server request %s sent", method)


class RequestTimes:
    """The start of each request in progress, for the line logged when it is answered."""

    def __init__(self) -> None:
        self._started: dict[Any, tuple[str, float]] = {}

    def started(self, method: str, request_id: Any) -> None:
        if log.isEnabledFor(logging.DEBUG):
            self._started[request_id] = (method, time.monotonic())

    def answered(self, request_id: Any, error_code: int | None = None) -> None:
        if not self._started:
            return
        entry = self._started.pop(request_id, None)
        if entry is None:
            return
        method, start = entry
        elapsed_ms = (time.monotonic() - start) * 1000
        outcome = "ok" if error_code is None else f"error {error_code}"
        log.debug(
            "request %s id=%s %s in %.1fms", method, _show_id(request_id), outcome, elapsed_ms
        )


def _show_id(request_id: Any) -> str:
    return repr(request_id) if isinstance(request_id, str) else str(request_id)
