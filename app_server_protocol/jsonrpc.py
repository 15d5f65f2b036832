"""JSON-RPC "lite": JSON-RPC 2.0 without the ``"jsonrpc"`` member.

One message per line. A request has ``id`` and ``method``; a notification has
``method`` only; a response has ``id`` and ``result``; an error response has
``id`` and ``error``.
"""

from typing import Final

from typing_extensions import TypeAliasType

from ._base import JsonValue as JsonValue  # re-export for the envelope payloads
from ._base import SnakeModel, skip_none

RequestId = TypeAliasType("RequestId", str | int)
"""A request id: a string or an integer, echoed back with the same JSON type."""

#: The reference answers every request-level problem (unknown method, invalid
#: params, not initialized, unknown conversation, ...) with this code.
INVALID_REQUEST: Final = -32600
#: Failures inside a handler.
INTERNAL_ERROR: Final = -32603
# Standard JSON-RPC codes, kept for completeness; the reference does not use them.
PARSE_ERROR: Final = -32700
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602


class JSONRPCRequest(SnakeModel):
    """A request that expects a response."""

    id: RequestId
    method: str
    params: JsonValue | None = skip_none()


class JSONRPCNotification(SnakeModel):
    """A message that expects no response."""

    method: str
    params: JsonValue | None = skip_none()


class JSONRPCResponse(SnakeModel):
    """A successful response to a request."""

    id: RequestId
    result: JsonValue


class JSONRPCErrorError(SnakeModel):
    """The ``error`` member of an error response."""

    code: int
    message: str
    data: JsonValue | None = skip_none()


class JSONRPCError(SnakeModel):
    """An error response to a request."""

    error: JSONRPCErrorError
    id: RequestId


JSONRPCMessage = TypeAliasType(
    "JSONRPCMessage", JSONRPCRequest | JSONRPCNotification | JSONRPCResponse | JSONRPCError
)
"""Any message of the protocol, in either direction."""
