"""The app-server daemon: spawned by an editor, driven over stdio with JSON lines."""

import sys

from ._version import __version__ as __version__

# `import httpx` imports its command line (click and pygments: tens of ms and
# some 2.4 MB) when click is installed, as the MCP package's dependencies
# install it; the daemon never runs it, and httpx then defines a stub `main`.
# Set here, before any module of the daemon imports httpx, whichever is first
# (the model client, a token refresh, the rate limits, MCP, remote models).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
