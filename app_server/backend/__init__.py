"""The ChatGPT backend: the usage endpoint behind ``account/rateLimits/read``.

`models` is generated from ``codex-backend.openapi.yaml`` by
``tools/generate_backend_models.py``; `usage` imports httpx, so nothing here
is imported at start-up.
"""
