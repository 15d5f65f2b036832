"""The process's HTTP connection pool for model requests.

This module imports httpx: import it only where a request is about to be
made, never at start-up.

One `httpx.AsyncClient` is created on first use and kept for the life of the
process, so that turns reuse the provider's connections (and TLS sessions).
A client belongs to the event loop it was created in; when another loop asks
(tests run one loop per test), it gets a fresh client.
"""

from __future__ import annotations

from typing import Final

import anyio.lowlevel
import httpx

from ..logs import log

CONNECT_TIMEOUT_S: Final = 30.0
POOL_LIMITS: Final = httpx.Limits(max_connections=64, max_keepalive_connections=16)

_client: httpx.AsyncClient | None = None
_client_loop: object = None


def shared_client() -> httpx.AsyncClient:
    """The process's client (created now if needed)."""
    global _client, _client_loop
    loop = anyio.lowlevel.current_token().native_token
    if _client is None or _client.is_closed or _client_loop is not loop:
        # Read timeouts are the caller's business: it knows the provider's idle timeout.
        timeout = httpx.Timeout(CONNECT_TIMEOUT_S, read=None)
        _client = httpx.AsyncClient(timeout=timeout, limits=POOL_LIMITS, trust_env=True)
        _client_loop = loop
        log.debug("created the HTTP client for model requests")
    return _client


async def close_shared_client() -> None:
    """Close the pool (at shutdown); a later request creates a new one."""
    global _client, _client_loop
    client, _client, _client_loop = _client, None, None
    if client is not None and not client.is_closed:
        await client.aclose()
