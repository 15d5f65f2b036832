"""``execOneOffCommand`` (v1) and ``command/exec`` (v2): one command, outside
any conversation, under the same sandbox rules as a turn's commands.

Errors are the reference's: ``command must not be empty`` (-32600), and
-32603 ``exec failed: ...`` for a program or folder that cannot be used
(``No such file or directory (os error 2)``), a timeout (``sandbox error:
command timed out``), a command killed by a signal, and a command the
sandbox stopped (``sandbox error: sandbox denied exec error, exit code: N,
stdout: ..., stderr: ...``). A sandbox that cannot be set up is an error too:
the command never runs unconfined.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import anyio.to_thread

from app_server_protocol import methods
from app_server_protocol.common import SandboxPolicy
from app_server_protocol.v1.workspace import ExecOneOffCommandParams, ExecOneOffCommandResponse
from app_server_protocol.v2.command import CommandExecParams, CommandExecResponse

from ..app import RequestContext
from ..errors import InternalError, InvalidRequest
from .config_access import resolved_config
from .registry import handles

DEFAULT_TIMEOUT_MS: Final = 10_000
#: Output kept per stream: far more than a one-off command should print.
OUTPUT_LIMIT_BYTES: Final = 16 * 1024 * 1024


@handles(methods.EXEC_ONE_OFF_COMMAND)
async def exec_one_off_command(
    params: ExecOneOffCommandParams, ctx: RequestContext
) -> ExecOneOffCommandResponse:
    exit_code, stdout, stderr = await _run_one_off(
        ctx, params.command, params.cwd, params.sandbox_policy, params.timeout_ms
    )
    return ExecOneOffCommandResponse(exit_code=exit_code, stdout=stdout, stderr=stderr)


@handles(methods.COMMAND_EXEC)
async def command_exec(params: CommandExecParams, ctx: RequestContext) -> CommandExecResponse:
    from ..tools.policy_v2 import core_sandbox_policy

    policy = (
        core_sandbox_policy(params.sandbox_policy) if params.sandbox_policy is not None else None
    )
    exit_code, stdout, stderr = await _run_one_off(
        ctx, params.command, params.cwd, policy, params.timeout_ms
    )
    return CommandExecResponse(exit_code=exit_code, stdout=stdout, stderr=stderr)


async def _run_one_off(
    ctx: RequestContext,
    command: list[str],
    cwd_param: str | None,
    sandbox_policy: SandboxPolicy | None,
    timeout_param: int | None,
) -> tuple[int, str, str]:
    """Run ``command``; its exit code, stdout and stderr, or the reference's error."""
    if not command:
        raise InvalidRequest("command must not be empty")
    # Imported here: the daemon answers `initialize` before any of this is needed.
    from ..rust_format import os_error_message
    from ..tools.run import run_command
    from ..tools.safety import is_likely_sandbox_denial
    from ..tools.sandbox import SandboxUnavailable, is_sandboxed

    # The configured defaults, as a conversation would get them (profile, -c overrides...).
    config = await anyio.to_thread.run_sync(resolved_config, ctx)
    policy = sandbox_policy or config.sandbox_policy
    cwd = Path(cwd_param) if cwd_param is not None else Path.cwd()
    timeout_ms = DEFAULT_TIMEOUT_MS if timeout_param is None else timeout_param
    try:
        result = await run_command(
            command,
            cwd=cwd,
            # As the reference does: the roots come from the configuration's
            # folder, whatever folder the client runs the command in.
            sandbox_cwd=config.cwd,
            sandbox_policy=policy,
            timeout=timeout_ms / 1000,
            environment_policy=config.toml.shell_environment_policy,
            output_limit=OUTPUT_LIMIT_BYTES,
        )
    except SandboxUnavailable as exc:
        raise InternalError(f"exec failed: {exc}") from None
    except OSError as exc:
        raise InternalError(f"exec failed: {os_error_message(exc)}") from None
    if result.timed_out:
        raise InternalError("exec failed: sandbox error: command timed out")
    if result.signal is not None:
        raise InternalError("exec failed: sandbox error: command was killed by a signal")
    stdout, stderr = result.stdout.text(), result.stderr.text()
    if is_likely_sandbox_denial(
        is_sandboxed(policy), result.exit_code, stdout, stderr, result.aggregated.text()
    ):
        raise InternalError(
            "exec failed: sandbox error: sandbox denied exec error, "
            f"exit code: {result.exit_code}, stdout: {stdout}, stderr: {stderr}"
        )
    return result.exit_code, stdout, stderr
