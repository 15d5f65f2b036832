"""Confining a command to what the sandbox policy allows, with bubblewrap.

- ``danger-full-access``: the command runs as it is.
- ``read-only``: the whole file system is mounted read-only and the network
  namespace is empty (no network, loopback included).
- ``workspace-write``: the same, except that the working directory, the
  policy's ``writable_roots`` and the temp folders (``/tmp`` and ``$TMPDIR``,
  unless excluded) are mounted read-write; the network stays off unless
  ``network_access``.

The command also gets its own PID namespace (everything in it dies with
it) and a fresh ``/dev`` and ``/proc``. bubblewrap (`bwrap`, the Debian
package ``bubblewrap``) must be installed and allowed to create namespaces;
when it is not, `SandboxUnavailable` says why and nothing runs: a sandboxed
policy never silently runs unconfined.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from app_server_protocol.common import (
    SandboxPolicy,
    SandboxPolicyDangerFullAccess,
    SandboxPolicyReadOnly,
    SandboxPolicyWorkspaceWrite,
)

#: Overrides where bubblewrap is looked for (a path to the `bwrap` program).
BWRAP_ENV: Final = "CODEX_APP_SERVER_BWRAP"
#: Set in a command's environment when its network is cut off (as the reference does).
NETWORK_DISABLED_ENV: Final = "CODEX_SANDBOX_NETWORK_DISABLED"

_PROBE_TIMEOUT_S: Final = 10.0


class SandboxUnavailable(Exception):
    """The policy asks for a sandbox this machine cannot provide."""


def writable_roots(policy: SandboxPolicyWorkspaceWrite, cwd: Path) -> list[Path]:
    """The folders a ``workspace-write`` command may write (absolute, possibly missing)."""
    roots = [cwd / root for root in policy.writable_roots]
    roots.append(cwd)
    if not policy.exclude_slash_tmp:
        roots.append(Path("/tmp"))
    tmpdir = os.environ.get("TMPDIR")
    if tmpdir and not policy.exclude_tmpdir_env_var:
        roots.append(cwd / tmpdir)
    return roots


def has_network(policy: SandboxPolicy) -> bool:
    if isinstance(policy, SandboxPolicyDangerFullAccess):
        return True
    if isinstance(policy, SandboxPolicyWorkspaceWrite):
        return policy.network_access
    return False


def is_sandboxed(policy: SandboxPolicy) -> bool:
    return not isinstance(policy, SandboxPolicyDangerFullAccess)


def confine(argv: Sequence[str], policy: SandboxPolicy, cwd: Path) -> list[str]:
    """The command line that runs ``argv`` in ``cwd`` under ``policy``.

    Raises `SandboxUnavailable` when the policy needs a sandbox and bubblewrap
    cannot provide one. (Blocking the first time: it checks bubblewrap once.)
    """
    if not is_sandboxed(policy):
        return list(argv)
    bwrap = require_bubblewrap()
    args = [
        bwrap,
        "--die-with-parent",
        "--unshare-pid",
        "--ro-bind", "/", "/",
        "--dev", "/dev",
        "--proc", "/proc",
    ]  # fmt: skip
    if isinstance(policy, SandboxPolicyWorkspaceWrite):
        for root in _mountable(writable_roots(policy, cwd)):
            args += ["--bind", root, root]
    elif not isinstance(policy, SandboxPolicyReadOnly):  # pragma: no cover - exhaustive
        raise SandboxUnavailable(f"unknown sandbox policy {policy!r}")
    if not has_network(policy):
        args.append("--unshare-net")
    args += ["--chdir", str(cwd), "--", *argv]
    return args


def _mountable(roots: list[Path]) -> list[str]:
    """Existing roots, resolved, parents before children (so that no bind hides another)."""
    resolved: set[str] = set()
    for root in roots:
        try:
            real = root.resolve(strict=True)
        except OSError:
            continue
        if real.is_dir():
            resolved.add(str(real))
    return sorted(resolved, key=lambda p: (p.count("/"), p))


_lock = threading.Lock()
_checked: dict[str, str | None] = {}
"""bwrap path -> None when it works, else why it does not."""


def bubblewrap_path() -> str | None:
    override = os.environ.get(BWRAP_ENV)
    if override:
        return override
    return shutil.which("bwrap")


def require_bubblewrap() -> str:
    """The path of a working bubblewrap, or `SandboxUnavailable` saying why not."""
    path = bubblewrap_path()
    if path is None:
        raise SandboxUnavailable(
            "sandbox unavailable: bubblewrap (`bwrap`) is not installed; install the "
            "`bubblewrap` package, or use the `danger-full-access` sandbox policy"
        )
    with _lock:
        if path not in _checked:
            _checked[path] = _probe(path)
        problem = _checked[path]
    if problem is not None:
        raise SandboxUnavailable(problem)
    return path


def _probe(bwrap: str) -> str | None:
    """Run a trivial command the way `confine` would; None when it works."""
    argv = [
        bwrap, "--die-with-parent", "--unshare-pid", "--ro-bind", "/", "/",
        "--dev", "/dev", "--proc", "/proc", "--unshare-net", "--", "true",
    ]  # fmt: skip
    try:
        result = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=_PROBE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"sandbox unavailable: cannot run bubblewrap ({bwrap}): {exc}"
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", errors="replace").strip() or (
            f"exit status {result.returncode}"
        )
        return (
            f"sandbox unavailable: bubblewrap cannot create a sandbox here ({detail}); "
            "it needs user namespaces (or root), see README.md"
        )
    return None


def forget_probe_results() -> None:
    """Check bubblewrap again next time (tests, or after installing it)."""
    with _lock:
        _checked.clear()
