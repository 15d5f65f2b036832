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
import httpx  # without its command line: see `app_server/__init__.py`

from ..logs import log

CONNECT_TIMEOUT_S: Final = 30.0
POOL_LIMITS: Final = httpx.Limits(max_connections=64, max_keepalive_connections=16)

_client: httpx.AsyncClient | None = None
_client_loop: object = None
_spare: httpx.AsyncClient | None = None
"""A client built ahead, before any event loop (`prebuild`)."""


def shared_client() -> httpx.AsyncClient:
    """The process's client (created now if needed)."""
    global _client, _client_loop
    loop = anyio.lowlevel.current_token().native_token
    if _client is None or _client.is_closed or _client_loop is not loop:
        _client = spare_or_new_client()
        _client_loop = loop
    return _client


def prebuild() -> None:
    """Build the client ahead, from any thread (the loader's, before the
    event loop runs); the first loop that asks for one adopts it."""
    global _spare
    if _spare is None:
        _spare = new_client()


def spare_or_new_client() -> httpx.AsyncClient:
    """The client built ahead, if any (taken), else a new one."""
    global _spare
    client, _spare = _spare, None
    if client is None or client.is_closed:
        return new_client()
    return client


def new_client() -> httpx.AsyncClient:
    """A client for model requests (building one loads the TLS certificates:
    tens of milliseconds). Safe to call from a worker thread."""
    # Read timeouts are the caller's business: it knows the provider's idle timeout.
    timeout = httpx.Timeout(CONNECT_TIMEOUT_S, read=None)
    log.debug("creating the HTTP client for model requests")
    return httpx.AsyncClient(timeout=timeout, limits=POOL_LIMITS, trust_env=True)


def adopt(client: httpx.AsyncClient) -> bool:
    """Make ``client`` the shared one for the current event loop, unless there
    is one already (then False: the caller closes ``client``)."""
    global _client, _client_loop
    loop = anyio.lowlevel.current_token().native_token
    if _client is not None and not _client.is_closed and _client_loop is loop:
        return False
    _client, _client_loop = client, loop
    return True


async def close_shared_client() -> None:
    """Close the pool (at shutdown); a later request creates a new one."""
    global _client, _client_loop
    client, _client, _client_loop = _client, None, None
    if client is not None and not client.is_closed:
        await client.aclose()
