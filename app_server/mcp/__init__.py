"""Model Context Protocol servers: the tools and resources of the servers
declared in ``[mcp_servers.NAME]``, for the conversations that use them.

Nothing here imports the `mcp` SDK (nor httpx) at module level except
`client`, `stdio` and `http_auth`, which the connection manager imports when a
conversation actually starts a server: the daemon's start-up stays light.
"""
