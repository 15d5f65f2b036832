"""Answers that write their own JSON.

A handler's answer is a model, written by its method's result adapter with
the client's serialization context. An answer that is also a `SelfEncoding`
is written by its own `encoded` instead (given the same adapter and
context): a long thread's turns, for instance, made JSON as they were read
rather than all held as models.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter


class SelfEncoding:
    """Mixin of an answer model that writes its own JSON."""

    def encoded(self, adapter: TypeAdapter[Any], context: dict[str, Any] | None) -> bytes:
        """The answer's JSON, as ``adapter.dump_json(self, context=context)``
        would write the model it stands for."""
        raise NotImplementedError
