"""The v2 API (`thread/*`, `turn/*`, `item/*`, `account/*`, ...): one module per domain.

Type names are the reference's; where a name is also a top-level (v1) type
(`SandboxPolicy`, `AskForApproval`, `GitInfo`, ...) the two are different types
that live in different modules and are exported under different folders.
"""
