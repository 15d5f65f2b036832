"""The v2 API's types (``thread/*``, ``turn/*``, ``item/*``, ...), one module per domain."""
