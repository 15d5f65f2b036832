"""Model responses are acknowledged at once (no delayed-ACK wait on kept-alive connections)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from app_server.model_client.client import _acknowledge_now


class _Stream:
    def __init__(self, sock: Any) -> None:
        self.sock = sock

    def get_extra_info(self, name: str) -> Any:
        return self.sock if name == "socket" else None


class _Response:
    def __init__(self, stream: Any) -> None:
        self.extensions = {"network_stream": stream}


class _RecordingSocket:
    def __init__(self) -> None:
        self.options: list[tuple[int, int, int]] = []

    def setsockopt(self, level: int, option: int, value: int) -> None:
        self.options.append((level, option, value))


@pytest.mark.skipif(not hasattr(socket, "TCP_QUICKACK"), reason="TCP_QUICKACK is Linux-only")
def test_the_response_socket_gets_quickack() -> None:
    sock = _RecordingSocket()
    _acknowledge_now(_Response(_Stream(sock)))  # type: ignore[arg-type]
    assert sock.options == [(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)]


def test_responses_without_a_socket_are_left_alone() -> None:
    _acknowledge_now(_Response(None))  # type: ignore[arg-type]
    _acknowledge_now(_Response(_Stream(None)))  # type: ignore[arg-type]
