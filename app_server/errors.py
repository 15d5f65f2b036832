"""Errors a handler raises to answer a request with a JSON-RPC error."""

from __future__ import annotations

from app_server_protocol.jsonrpc import INTERNAL_ERROR, INVALID_REQUEST


class RpcError(Exception):
    """Answer the request with this error code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class InvalidRequest(RpcError):
    """The request cannot be served as asked (-32600, as the reference answers)."""

    def __init__(self, message: str) -> None:
        super().__init__(INVALID_REQUEST, message)


class InternalError(RpcError):
    """The request was fine but serving it failed (-32603)."""

    def __init__(self, message: str) -> None:
        super().__init__(INTERNAL_ERROR, message)
