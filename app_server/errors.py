"""Errors a handler raises to answer a request with a JSON-RPC error."""

from __future__ import annotations

from app_server_protocol._base import JsonValue
from app_server_protocol.jsonrpc import INTERNAL_ERROR, INVALID_REQUEST


class RpcError(Exception):
    """Answer the request with this error code and message.

    ``data`` (the error's optional ``data`` member) carries detail that the
    reference's message lacks, so that the message itself can stay the
    reference's, word for word."""

    def __init__(self, code: int, message: str, data: JsonValue = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class InvalidRequest(RpcError):
    """The request cannot be served as asked (-32600, as the reference answers)."""

    def __init__(self, message: str, data: JsonValue = None) -> None:
        super().__init__(INVALID_REQUEST, message, data)


class InternalError(RpcError):
    """The request was fine but serving it failed (-32603)."""

    def __init__(self, message: str, data: JsonValue = None) -> None:
        super().__init__(INTERNAL_ERROR, message, data)
