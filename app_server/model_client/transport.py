"""The process's HTTP connection pool for model requests.

This module imports httpx: import it only where a request is about to be
made, never at start-up.

One `httpx.AsyncClient` is created on first use and kept for the life of the
process, so that turns reuse the provider's connections (and TLS sessions).
A client belongs to the event loop it was created in; when another loop asks
(tests run one loop per test), it gets a fresh client.

Its TLS context (the CA bundle loaded into OpenSSL: about a megabyte, and
some 30 ms) is made only for a provider reached over https (`SchemeTransport`):
a daemon whose provider is a local http server never makes it.
"""

from __future__ import annotations

import threading
from typing import Final

import anyio.lowlevel
import anyio.to_thread
import httpx  # without its command line: see `app_server/__init__.py`

from ..logs import log

CONNECT_TIMEOUT_S: Final = 30.0
POOL_LIMITS: Final = httpx.Limits(max_connections=64, max_keepalive_connections=16)


class SchemeTransport(httpx.AsyncBaseTransport):
    """Plain http through one pool; https through another, made (with its
    TLS context) on its first request, off the event loop, or ahead by
    `prepare_tls`."""

    def __init__(self) -> None:
        # Its TLS context (no certificates) is never used: it carries http only.
        self._plain = httpx.AsyncHTTPTransport(verify=False, limits=POOL_LIMITS)
        self._secure: httpx.AsyncHTTPTransport | None = None
        self._making = threading.Lock()

    @property
    def tls_ready(self) -> bool:
        return self._secure is not None

    def prepare_tls(self) -> httpx.AsyncHTTPTransport:
        """The https pool, made now if needed. Blocking: call it off the
        event loop (from any thread)."""
        with self._making:
            if self._secure is None:
                log.debug("loading the TLS certificates for model requests")
                self._secure = httpx.AsyncHTTPTransport(limits=POOL_LIMITS, trust_env=True)
            return self._secure

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            secure = self._secure
            if secure is None:
                secure = await anyio.to_thread.run_sync(self.prepare_tls)
            return await secure.handle_async_request(request)
        return await self._plain.handle_async_request(request)

    async def aclose(self) -> None:
        await self._plain.aclose()
        if self._secure is not None:
            await self._secure.aclose()


class ModelHttpClient(httpx.AsyncClient):
    """An `httpx.AsyncClient` for model requests over a `SchemeTransport`."""

    def __init__(self) -> None:
        self.pools = SchemeTransport()
        # Read timeouts are the caller's business: it knows the provider's idle timeout.
        timeout = httpx.Timeout(CONNECT_TIMEOUT_S, read=None)
        super().__init__(timeout=timeout, transport=self.pools, trust_env=True)


_client: httpx.AsyncClient | None = None
_client_loop: object = None
_spare: ModelHttpClient | None = None
"""A client built ahead, before any event loop (`prebuild`)."""


def shared_client() -> httpx.AsyncClient:
    """The process's client (created now if needed)."""
    global _client, _client_loop
    loop = anyio.lowlevel.current_token().native_token
    if _client is None or _client.is_closed or _client_loop is not loop:
        _client = spare_or_new_client()
        _client_loop = loop
    return _client


def prebuild(tls: bool = True) -> None:
    """Build the client ahead (with its TLS context when ``tls``), from any
    thread (the loader's, before the event loop runs); the first loop that
    asks for one adopts it."""
    global _spare
    if _spare is None:
        _spare = new_client()
    if tls:
        _spare.pools.prepare_tls()


def spare_or_new_client(tls: bool = False) -> ModelHttpClient:
    """The client built ahead, if any (taken), else a new one; with its TLS
    context made when ``tls``. Blocking: call it off the event loop."""
    global _spare
    client, _spare = _spare, None
    if client is None or client.is_closed:
        client = new_client()
    if tls:
        client.pools.prepare_tls()
    return client


def new_client() -> ModelHttpClient:
    """A client for model requests (building one takes milliseconds; its
    TLS context, tens more, is made on demand). Safe to call from a worker
    thread."""
    log.debug("creating the HTTP client for model requests")
    return ModelHttpClient()


def prepare_shared_tls() -> None:
    """Make the shared client's TLS context now, if it has none. Blocking:
    call it off the event loop."""
    client = _client
    if isinstance(client, ModelHttpClient) and not client.is_closed:
        client.pools.prepare_tls()


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
