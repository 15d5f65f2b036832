"""What may run without asking, and what happens when the sandbox gets in the way.

Pure functions, no I/O. The rules are 0.107.0's (observed on the binary with
every approval policy). A plain shell script is judged command by command, a
script feeding one command a here-document by that command, anything else as
a whole:

- A *known-safe* command (read-only: `ls`, `cat`, `grep`, `git status`,
  `sed -n 1,5p f`...: `known_safe`) never needs approval; it still runs inside
  the sandbox. The command of a here-document script never counts as one.
- A destructive-looking one (`rm -rf`: `dangerous`) is asked about under every
  policy but ``never``.
- ``untrusted`` asks for everything else; ``on-failure`` and ``never`` run it
  in the sandbox; ``on-request`` runs it in the sandbox unless the model asks
  for escalated permissions. Asking for escalated permissions is refused
  outright under any policy but ``on-request``.
- When the sandbox seems to have stopped a command, ``on-failure`` and
  ``untrusted`` offer to run it again without the sandbox (without asking
  again when the user already approved it); ``never`` and ``on-request``
  report the failure to the model.
- A patch is applied without asking when every file it touches is writable
  under the sandbox policy (or under ``on-failure``); ``never`` refuses the
  others, the other policies ask.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Final

from app_server_protocol.common import ApprovalMode, SandboxPolicy

from .dangerous import command_might_be_dangerous
from .known_safe import is_known_safe_command
from .sandbox import is_sandboxed, write_roots
from .shell_heredoc import heredoc_command
from .shell_syntax import parse_plain_script
from .shells import shell_script

__all__ = [
    "AfterSandboxDenial",
    "Decision",
    "Verdict",
    "after_sandbox_denial",
    "approval_key",
    "command_might_be_dangerous",
    "escalation_refusal",
    "exec_decision",
    "is_known_safe_command",
    "is_likely_sandbox_denial",
    "patch_decision",
    "paths_are_writable",
    "runs_sandboxed",
    "sandbox_denial_message",
]

# --- the commands an approval decision looks at ---------------------------------


def _policy_commands(argv: Sequence[str]) -> tuple[list[list[str]], bool]:
    """What 0.107.0 judges one by one when deciding about ``argv``: the commands
    of a plain shell script, else the command fed a here-document (judged
    "complex": never waved through as known safe), else ``argv`` itself."""
    script = shell_script(argv)
    if script is not None:
        commands = parse_plain_script(script)
        if commands:
            return commands, False
        heredoc = heredoc_command(script)
        if heredoc is not None:
            return [heredoc], True
    return [list(argv)], False


# --- what an approval for the session covers ----------------------------------

#: Marks the approval of a shell script that is more than one plain command
#: (no argument can hold a NUL character, so no command looks like it).
_SCRIPT: Final = "\0script"


def approval_key(argv: Sequence[str], cwd: str, *, escalated: bool) -> tuple[str, ...]:
    """What approving ``argv`` for the session covers, as 0.107.0 keys it: the
    command in its folder, with or without escalated permissions. A shell
    script of one plain command counts as that command (``bash -lc 'ls  x'``,
    ``/bin/zsh -c "ls x"`` and ``ls x`` are one), any other script as its text
    and flag, whatever the shell."""
    script = shell_script(argv)
    if script is None:
        command = tuple(argv)
    else:
        commands = parse_plain_script(script)
        if commands is not None and len(commands) == 1:
            command = tuple(commands[0])
        else:
            command = (_SCRIPT, argv[1], script)
    return (str(escalated), cwd, *command)


# --- decisions for a command ------------------------------------------------------


class Verdict(Enum):
    RUN = "run"
    """Run without asking."""
    ASK = "ask"
    """Ask the user first."""
    REFUSE = "refuse"
    """Do not run; tell the model why."""


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str | None = None
    """For `REFUSE`: what the model is told."""


#: How the reference names the approval policies in messages to the model.
POLICY_DEBUG_NAMES: Final = {
    ApprovalMode.UNTRUSTED: "UnlessTrusted",
    ApprovalMode.ON_FAILURE: "OnFailure",
    ApprovalMode.ON_REQUEST: "OnRequest",
    ApprovalMode.NEVER: "Never",
}


def exec_decision(
    argv: Sequence[str],
    approval_policy: ApprovalMode,
    sandbox_policy: SandboxPolicy,
    *,
    approved_for_session: bool = False,
    with_escalated_permissions: bool = False,
) -> Decision:
    """Whether the shell tool may run ``argv`` now, must ask, or must refuse.

    ``approved_for_session``: the user answered ``approved_for_session`` for
    this same command earlier in the conversation.
    """
    if with_escalated_permissions:
        refusal = escalation_refusal(approval_policy)
        if refusal is not None:
            return Decision(Verdict.REFUSE, refusal)
    if approved_for_session:
        return Decision(Verdict.RUN)
    # Escalating means leaving the sandbox: a known-safe command is safe inside
    # it, not outside (`git log --output=FILE` writes), so it is not waved through.
    escalates = with_escalated_permissions and is_sandboxed(sandbox_policy)
    commands, complex_script = _policy_commands(argv)
    asks = any(
        _asks_for(command, approval_policy, escalates=escalates, complex_script=complex_script)
        for command in commands
    )
    return Decision(Verdict.ASK if asks else Verdict.RUN)


def _asks_for(
    command: list[str], approval_policy: ApprovalMode, *, escalates: bool, complex_script: bool
) -> bool:
    """Whether one of the commands `exec_decision` judges needs the user's approval."""
    if is_known_safe_command(command) and not complex_script and not escalates:
        return False
    if command_might_be_dangerous(command) and approval_policy is not ApprovalMode.NEVER:
        return True
    match approval_policy:
        case ApprovalMode.UNTRUSTED:
            return True
        case ApprovalMode.ON_FAILURE | ApprovalMode.NEVER:
            return False
        case ApprovalMode.ON_REQUEST:
            # Nothing to ask for an escalation without a sandbox to leave.
            return escalates


def escalation_refusal(approval_policy: ApprovalMode) -> str | None:
    """What the model is told when it asks for escalated permissions under a
    policy that does not allow asking (any but ``on-request``), else None."""
    if approval_policy is ApprovalMode.ON_REQUEST:
        return None
    name = POLICY_DEBUG_NAMES[approval_policy]
    return (
        f"approval policy is {name}; reject command \u2014 you should not ask for "
        f"escalated permissions if the approval policy is {name}"
    )


def runs_sandboxed(sandbox_policy: SandboxPolicy, *, with_escalated_permissions: bool) -> bool:
    """Whether the first attempt runs inside the sandbox (escalated commands run
    outside it once approved; ``danger-full-access`` has no sandbox)."""
    return not with_escalated_permissions and is_sandboxed(sandbox_policy)


#: The reason given when offering to run a command again outside the sandbox.
RETRY_WITHOUT_SANDBOX_REASON: Final = "command failed; retry without sandbox?"


class AfterSandboxDenial(Enum):
    REPORT = "report"
    """Tell the model the sandbox stopped the command (`sandbox_denial_message`)."""
    ASK_TO_RETRY = "ask"
    """Ask the user (with `RETRY_WITHOUT_SANDBOX_REASON`) whether to run it unsandboxed."""
    RETRY = "retry"
    """Run it again outside the sandbox without asking (already approved)."""


def after_sandbox_denial(
    approval_policy: ApprovalMode, *, user_approved: bool
) -> AfterSandboxDenial:
    """What to do when `is_likely_sandbox_denial` says the sandbox stopped a command.

    ``user_approved``: the user approved this command before its first attempt.
    """
    if approval_policy in (ApprovalMode.NEVER, ApprovalMode.ON_REQUEST):
        return AfterSandboxDenial.REPORT
    if user_approved:
        return AfterSandboxDenial.RETRY
    return AfterSandboxDenial.ASK_TO_RETRY


_DENIAL_KEYWORDS: Final = (
    "operation not permitted",
    "permission denied",
    "read-only file system",
    "seccomp",
    "sandbox",
    "landlock",
    "failed to write file",
)
_SIGSYS_EXIT: Final = 128 + 31


def is_likely_sandbox_denial(sandboxed: bool, exit_code: int, *outputs: str) -> bool:
    """Whether a failed sandboxed command was probably stopped by the sandbox.

    ``outputs``: its stdout, stderr and aggregated output.
    """
    if not sandboxed or exit_code == 0:
        return False
    if exit_code == _SIGSYS_EXIT:
        return True
    lowered = [text.lower() for text in outputs]
    return any(keyword in text for text in lowered for keyword in _DENIAL_KEYWORDS)


_DENIAL_REASONS: Final = (
    ("permission denied", "Permission denied"),
    ("operation not permitted", "Operation not permitted"),
    ("read-only file system", "Read-only file system"),
)


def sandbox_denial_message(*outputs: str) -> str:
    """What the model is told when the sandbox stopped a command and no retry follows."""
    lowered = " ".join(text.lower() for text in outputs)
    for needle, reason in _DENIAL_REASONS:
        if needle in lowered:
            return f"failed in sandbox: {reason}"
    return "failed in sandbox"


# --- decisions for a patch ----------------------------------------------------------


def patch_decision(
    paths: Iterable[Path],
    approval_policy: ApprovalMode,
    sandbox_policy: SandboxPolicy,
    cwd: Path,
) -> Decision:
    """Whether a patch touching ``paths`` (absolute; move destinations included)
    may be applied now, must be approved, or is refused (``reason`` without the
    ``patch rejected: `` prefix the model sees)."""
    targets = list(paths)
    if not targets:
        return Decision(Verdict.REFUSE, "empty patch")
    if approval_policy is ApprovalMode.UNTRUSTED:
        return Decision(Verdict.ASK)
    if approval_policy is ApprovalMode.ON_FAILURE or paths_are_writable(
        targets, sandbox_policy, cwd
    ):
        return Decision(Verdict.RUN)
    if approval_policy is ApprovalMode.NEVER:
        return Decision(
            Verdict.REFUSE, "writing outside of the project; rejected by user approval settings"
        )
    return Decision(Verdict.ASK)


def paths_are_writable(paths: Iterable[Path], sandbox_policy: SandboxPolicy, cwd: Path) -> bool:
    """Whether the sandbox policy lets a command write every one of ``paths``.

    Paths are normalised lexically (``..`` resolved without touching the disk),
    as the reference does; `apply_patch` checks real paths again when writing.
    """
    allowed = write_roots(sandbox_policy, cwd)
    if allowed is None:
        return True
    roots = [Path(os.path.normpath(root)) for root in allowed]
    for path in paths:
        absolute = Path(os.path.normpath(cwd / path))
        if not any(absolute == root or root in absolute.parents for root in roots):
            return False
    return True
