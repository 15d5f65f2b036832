"""`command/exec`: run one command outside any thread (under a sandbox policy)."""

from .._base import CamelModel, Int64
from .common import SandboxPolicy


class CommandExecParams(CamelModel):
    """Run a command (argv) and wait for it; the configured sandbox applies unless `sandboxPolicy`
    says otherwise."""

    command: list[str]
    timeout_ms: Int64 | None = None
    """Kill the command after this long (a default applies when absent)."""
    cwd: str | None = None
    sandbox_policy: SandboxPolicy | None = None


class CommandExecResponse(CamelModel):
    """The command's exit code and its whole output."""

    exit_code: int
    stdout: str
    stderr: str
