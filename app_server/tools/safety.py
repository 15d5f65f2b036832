"""What may run without asking, and what happens when the sandbox gets in the way.

Pure functions, no I/O. The rules are the reference's (observed on the
0.50.0 binary with every approval policy):

- A *known-safe* command (read-only: `ls`, `cat`, `grep`, `git status`,
  `sed -n 1,5p f`, a plain ``bash -lc`` script of such commands...) never
  needs approval; it still runs inside the sandbox.
- ``untrusted`` asks for everything else; ``on-failure`` and ``never`` run it
  in the sandbox; ``on-request`` runs it in the sandbox unless the model asks
  for escalated permissions or the command looks destructive (`rm -rf`,
  `git reset`...). Asking for escalated permissions is refused outright under
  any policy but ``on-request``.
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
import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Final

from app_server_protocol.common import ApprovalMode, SandboxPolicy

from .sandbox import is_sandboxed, write_roots
from .shell_syntax import parse_plain_script
from .shells import shell_script

# --- known-safe commands --------------------------------------------------------

_ALWAYS_SAFE: Final = frozenset(
    {"cat", "cd", "echo", "false", "grep", "head", "ls", "nl", "pwd", "tail", "true", "wc", "which"}
)
_UNSAFE_FIND_OPTIONS: Final = frozenset(
    {"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0", "-fprintf"}
)
_UNSAFE_RG_FLAGS: Final = frozenset({"--search-zip", "-z"})
_UNSAFE_RG_OPTIONS_WITH_VALUE: Final = ("--pre", "--hostname-bin")
_SAFE_GIT_SUBCOMMANDS: Final = frozenset({"branch", "status", "log", "diff", "show"})


def _script_commands(argv: Sequence[str]) -> list[list[str]] | None:
    """The commands of a plain shell script (``bash -lc``, ``/bin/sh -c``...; see
    `shells.shell_script` and `parse_plain_script`)."""
    script = shell_script(argv)
    return None if script is None else parse_plain_script(script)


def is_known_safe_command(argv: Sequence[str]) -> bool:
    """Whether ``argv`` only reads (so it may run without approval)."""
    if _is_safe_to_exec(argv):
        return True
    commands = _script_commands(argv)
    return bool(commands) and all(_is_safe_to_exec(words) for words in commands or ())


def _program_name(word: str) -> str | None:
    """The file name of a program path, as the reference takes it (``/bin/ls/`` -> ``ls``)."""
    name = posixpath.basename(word.rstrip("/"))
    return None if name in ("", ".", "..") else name


def _is_safe_to_exec(command: Sequence[str]) -> bool:
    if not command:
        return False
    name = _program_name(command[0])
    second = command[1] if len(command) > 1 else None
    if name in _ALWAYS_SAFE:
        return True
    if name == "find":
        return not any(arg in _UNSAFE_FIND_OPTIONS for arg in command)
    if name == "rg":
        return not any(
            arg in _UNSAFE_RG_FLAGS
            or any(arg == opt or arg.startswith(opt + "=") for opt in _UNSAFE_RG_OPTIONS_WITH_VALUE)
            for arg in command
        )
    if name == "git":
        return second in _SAFE_GIT_SUBCOMMANDS
    if name == "cargo":
        return second == "check"
    if name == "sed":
        return 3 <= len(command) <= 4 and second == "-n" and is_sed_print_range(command[2])
    return False


def is_sed_print_range(arg: str) -> bool:
    """Whether ``arg`` is a sed script printing lines ``N`` or ``N,M`` (``5p``, ``1,20p``)."""
    core = arg.removesuffix("p")
    parts = core.split(",")
    return core != arg and len(parts) in (1, 2) and all(p.isascii() and p.isdigit() for p in parts)


# --- destructive-looking commands --------------------------------------------


def command_might_be_dangerous(argv: Sequence[str]) -> bool:
    """Whether ``argv`` looks destructive (asked about under ``on-request``)."""
    return _is_dangerous(argv) or any(
        _is_dangerous(words) for words in _script_commands(argv) or ()
    )


def _is_dangerous(command: Sequence[str]) -> bool:
    if not command:
        return False
    name, second = command[0], command[1] if len(command) > 1 else None
    if name.endswith("git"):
        return second in ("reset", "rm")
    if name == "rm":
        return second in ("-f", "-rf")
    if name == "sudo":
        return _is_dangerous(command[1:])
    return False


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
    # Escalating means leaving the sandbox: a known-safe command is safe inside
    # it, not outside (`git log --output=FILE` writes), so it is not waved through.
    escalates = with_escalated_permissions and is_sandboxed(sandbox_policy)
    if approved_for_session or (is_known_safe_command(argv) and not escalates):
        return Decision(Verdict.RUN)
    match approval_policy:
        case ApprovalMode.UNTRUSTED:
            return Decision(Verdict.ASK)
        case ApprovalMode.ON_FAILURE | ApprovalMode.NEVER:
            return Decision(Verdict.RUN)
        case ApprovalMode.ON_REQUEST:
            # Nothing to ask for an escalation without a sandbox to leave.
            asks = escalates or command_might_be_dangerous(argv)
            return Decision(Verdict.ASK if asks else Verdict.RUN)


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
