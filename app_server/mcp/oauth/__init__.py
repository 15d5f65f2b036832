"""OAuth for streamable HTTP MCP servers: discovery of the authorization
server, the login (authorization code with PKCE through a loopback
callback), the stored tokens and their refresh."""
