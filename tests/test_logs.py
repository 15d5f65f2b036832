"""The log redactor."""

from __future__ import annotations

import itertools

from app_server.logs import redact, register_secret

_numbers = itertools.count()


class _RegistersWhileSearched(str):
    """Text whose search registers a new secret, as a worker thread may at that moment."""

    def __contains__(self, item: object) -> bool:
        register_secret(f"secret-registered-meanwhile-{next(_numbers)}")
        return isinstance(item, str) and str.__contains__(self, item)


def test_a_secret_registered_during_redaction_does_not_break_it() -> None:
    register_secret("first-secret-value")
    text = _RegistersWhileSearched("holds first-secret-value")
    assert redact(text) == "holds [REDACTED]"
