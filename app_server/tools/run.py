"""One command under a sandbox policy, from start to end.

This is what the shell tool and ``execOneOffCommand`` share: the
environment is built from the ``[shell_environment_policy]`` table, the
command is confined by `sandbox.confine` unless the policy is
``danger-full-access``, and it runs with `process.run_process`. The command
runs in ``cwd``, but what it may write is decided from ``sandbox_cwd`` (the
turn's folder): a ``workdir`` the model picks never widens the sandbox.

A confined command is started by bubblewrap, which would report a missing
program or working directory as its own failure; they are checked first so
that the caller gets the same `OSError` (``No such file or directory``,
``Permission denied``) as for an unconfined command. A NUL character, which
no argument, path or environment variable can hold, is an `OSError` too
(the reference's ``nul byte found in provided data``), not a `ValueError`
from deep inside `subprocess`.
"""

from __future__ import annotations

import errno
import functools
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import anyio.to_thread

from app_server_protocol.common import SandboxPolicy

from ..config.model import ShellEnvironmentPolicyToml
from .environment import command_environment
from .exec_output import DEFAULT_OUTPUT_LIMIT
from .process import MAX_OUTPUT_EVENTS, OutputCallback, ProcessResult, run_process
from .sandbox import Confinement, confine, is_sandboxed

#: The error for a NUL character in a command, its folder or its environment.
NUL_IN_COMMAND: Final = "nul byte found in provided data"


async def run_command(
    argv: Sequence[str],
    *,
    cwd: Path,
    sandbox_cwd: Path,
    sandbox_policy: SandboxPolicy,
    timeout: float | None,
    environment_policy: ShellEnvironmentPolicyToml | None = None,
    on_output: OutputCallback | None = None,
    max_output_events: int = MAX_OUTPUT_EVENTS,
    output_limit: int = DEFAULT_OUTPUT_LIMIT,
) -> ProcessResult:
    """Run ``argv`` in ``cwd`` as ``sandbox_policy`` allows, its writable
    roots relative to ``sandbox_cwd`` (see `sandbox.write_roots`).

    Raises `sandbox.SandboxUnavailable` when the policy needs a sandbox that
    cannot be provided (nothing runs), `OSError` when the program cannot be
    started (or the command holds a NUL), `ValueError` for an empty command.
    """
    if not argv:
        raise ValueError("command must not be empty")
    if not cwd.is_absolute():
        cwd = Path.cwd() / cwd
    if not sandbox_cwd.is_absolute():
        sandbox_cwd = Path.cwd() / sandbox_cwd
    env = command_environment(environment_policy, network_disabled=not sandbox_policy.has_network)
    if any("\0" in text for text in (*argv, str(cwd), *env, *env.values())):
        raise OSError(NUL_IN_COMMAND)
    confinement = Confinement(list(argv))
    if is_sandboxed(sandbox_policy):
        _check_startable(argv[0], cwd, env.get("PATH"))
        confinement = await anyio.to_thread.run_sync(
            functools.partial(confine, argv, sandbox_policy, cwd, sandbox_cwd=sandbox_cwd)
        )
    try:
        return await run_process(
            confinement.argv,
            cwd=cwd,
            env=env,
            timeout=timeout,
            on_output=on_output,
            max_output_events=max_output_events,
            output_limit=output_limit,
            pass_fds=confinement.pass_fds,
        )
    finally:
        confinement.close()


def _check_startable(program: str, cwd: Path, search_path: str | None) -> None:
    """Raise the `OSError` that starting ``program`` in ``cwd`` would raise, if any."""
    if not cwd.is_dir():
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(cwd))
    if "/" in program:
        path = cwd / program
        if not path.exists():
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), program)
        if path.is_dir() or not os.access(path, os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), program)
        return
    if not program or shutil.which(program, path=search_path or os.defpath) is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), program)
