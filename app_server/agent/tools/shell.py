"""`shell`: run a command on the user's machine (and the provider's built-in
``local_shell``, which asks for the same thing in another shape).

A command that is an ``apply_patch`` invocation (``["apply_patch", PATCH]``
or a shell script that is a heredoc feeding it) is applied as a patch, with the
patch's approval rules and events, not run. Every other command goes
through `exec_flow`. Both act on the machine, so they hold the turn's
`TurnScope.exclusive` lock: calls made together run one after the other.

The flows (and the sandbox, process and patch modules behind them) are
imported at the first call, not when the daemon starts.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from ..tool_specs import LOCAL_SHELL, SHELL, SHELL_COMMAND
from .base import JsonObject, ToolCall, ToolResult, bad_arguments, describe_arguments_error

if TYPE_CHECKING:
    from ..scope import TurnScope


class ShellArguments(BaseModel):
    """The ``shell`` function's arguments."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    command: list[str]
    workdir: str | None = None
    timeout_ms: int | None = Field(
        default=None, validation_alias=AliasChoices("timeout_ms", "timeout")
    )
    # 0.107's models ask for escalation with ``sandbox_permissions``; older
    # ones with ``with_escalated_permissions``. Either one escalates.
    sandbox_permissions: Literal["use_default", "require_escalated"] | None = None
    with_escalated_permissions: bool | None = None
    justification: str | None = None

    @property
    def escalated(self) -> bool:
        return bool(self.with_escalated_permissions) or (
            self.sandbox_permissions == "require_escalated"
        )


class ShellTool:
    name = "shell"

    def spec(self, scope: TurnScope) -> JsonObject:
        return SHELL

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        try:
            args = ShellArguments.model_validate_json(call.arguments or "null")
        except ValidationError as exc:
            return bad_arguments(describe_arguments_error(exc))
        return await run_shell(scope, call.call_id, args)


class ShellCommandArguments(ShellArguments):
    """The ``shell_command`` function's arguments: one script, not an argv."""

    command: str  # type: ignore[assignment]
    login: bool = True


class ShellCommandTool:
    """``shell_command``: a script run by the user's shell (``/bin/bash -lc
    SCRIPT``, or ``-c`` when the model asks for no login shell; see
    `shells.user_shell`), under the same approval and sandbox rules as
    ``shell`` (the turn's cwd and policy)."""

    name = "shell_command"

    def spec(self, scope: TurnScope) -> JsonObject:
        return SHELL_COMMAND

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        try:
            args = ShellCommandArguments.model_validate_json(call.arguments or "null")
        except ValidationError as exc:
            return bad_arguments(describe_arguments_error(exc))
        from ...tools.shells import user_shell

        argv = user_shell().script_argv(args.command, login=args.login)
        shell_args = ShellArguments(
            command=argv,
            workdir=args.workdir,
            timeout_ms=args.timeout_ms,
            sandbox_permissions=args.sandbox_permissions,
            with_escalated_permissions=args.with_escalated_permissions,
            justification=args.justification,
        )
        return await run_shell(scope, call.call_id, shell_args, freeform=True)


class LocalShellTool:
    name = "local_shell"

    def spec(self, scope: TurnScope) -> JsonObject:
        return LOCAL_SHELL

    async def call(self, call: ToolCall, scope: TurnScope) -> ToolResult:
        if call.local_shell is None:
            return ToolResult(f"unsupported payload for {self.name}", success=False)
        action = call.local_shell.action
        args = ShellArguments(
            command=action.command, workdir=action.working_directory, timeout_ms=action.timeout_ms
        )
        return await run_shell(scope, call.call_id, args)


async def run_shell(
    scope: TurnScope, call_id: str, args: ShellArguments, *, freeform: bool = False
) -> ToolResult:
    """``freeform``: the command's output is answered as text, not JSON."""
    from ...tools.apply_patch import find_patch_invocation
    from ...tools.safety import escalation_refusal
    from .exec_flow import ExecRequest, run_exec
    from .patch_flow import apply_patch_call

    escalated = args.escalated
    if escalated:
        refusal = escalation_refusal(scope.settings.approval_policy)
        if refusal is not None:
            return ToolResult(refusal, success=False)
    cwd = os.path.join(scope.settings.cwd, args.workdir) if args.workdir else scope.settings.cwd
    async with scope.exclusive:
        invocation = find_patch_invocation(args.command)
        if invocation is not None:
            patch_cwd = os.path.join(cwd, invocation.workdir) if invocation.workdir else cwd
            return await apply_patch_call(scope, call_id, invocation.patch, patch_cwd)
        request = ExecRequest(
            call_id=call_id,
            command=args.command,
            cwd=cwd,
            timeout_ms=args.timeout_ms,
            escalated=escalated,
            justification=args.justification,
            freeform=freeform,
        )
        return await run_exec(scope, request)
