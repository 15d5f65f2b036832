"""Confining a command to what the sandbox policy allows, with bubblewrap.

- ``danger-full-access``: the command runs as it is.
- ``read-only``: the whole file system is mounted read-only and the network
  namespace is empty (no network, loopback included).
- ``workspace-write``: the same, except that `write_roots` are mounted
  read-write: the turn's folder, the policy's ``writable_roots`` and the temp
  folders (``/tmp`` and ``$TMPDIR``, unless excluded); the network stays off
  unless ``network_access``.

A policy may also restrict reading (``access`` of ``read-only``,
``read_only_access`` of ``workspace-write``: ``restricted``). Then nothing of
the file system is mounted but `readable_roots`: the turn's folder, the
listed roots, the writable roots and, when ``include_platform_defaults``,
`PLATFORM_READ_ROOTS`; everything else is absent from the command's view.

The writable roots come from the *turn's* folder (``sandbox_cwd``), never from
the folder a command runs in: the model chooses a call's ``workdir``, and a
command run in a folder outside the roots may read there, not write. Every
way of running a command or writing a patch (the shell tools, ``apply_patch``,
``execOneOffCommand``, and v2's turns and ``command/exec`` when they come) asks
`write_roots` with the folder of the turn or of the configuration.

Without network, an empty network namespace is not enough: a read-only
mount does not stop ``connect`` to a Unix socket of the host (a D-Bus bus,
the Docker socket, an SSH agent), through which a command could have
something run outside the sandbox. So, as the reference does, a seccomp
filter (handed to bubblewrap with ``--seccomp``) makes the socket calls
fail with ``EPERM``: creating any socket but a Unix one, connecting,
binding, listening, accepting, the address and option calls, ``sendto``
and ``sendmmsg``; ``ptrace`` and io_uring too. Only x86_64 and aarch64
have the filter; elsewhere such a policy is refused.

The command also gets its own PID namespace (everything in it dies with
it) and a fresh ``/dev`` and ``/proc``. bubblewrap (`bwrap`, the Debian
package ``bubblewrap``) must be installed and allowed to create namespaces;
when it is not, `SandboxUnavailable` says why and nothing runs: a sandboxed
policy never silently runs unconfined.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from app_server_protocol.common import (
    ReadOnlyAccessRestricted,
    SandboxPolicy,
    SandboxPolicyDangerFullAccess,
    SandboxPolicyExternalSandbox,
    SandboxPolicyReadOnly,
    SandboxPolicyWorkspaceWrite,
)

#: Overrides where bubblewrap is looked for (a path to the `bwrap` program).
BWRAP_ENV: Final = "CODEX_APP_SERVER_BWRAP"
#: Set in a command's environment when its network is cut off (as the reference does).
NETWORK_DISABLED_ENV: Final = "CODEX_SANDBOX_NETWORK_DISABLED"

_PROBE_TIMEOUT_S: Final = 10.0

#: What ``include_platform_defaults`` makes readable on Linux (the reference's
#: list: the system's programs, libraries and configuration, nobody's data).
PLATFORM_READ_ROOTS: Final = (
    "/bin", "/sbin", "/usr", "/etc", "/lib", "/lib64", "/nix/store", "/run/current-system/sw",
)  # fmt: skip


class SandboxUnavailable(Exception):
    """The policy asks for a sandbox this machine cannot provide."""


def writable_roots(policy: SandboxPolicyWorkspaceWrite, sandbox_cwd: Path) -> list[Path]:
    """The folders a ``workspace-write`` command may write (absolute, possibly
    missing); ``sandbox_cwd`` is the turn's folder, not a call's ``workdir``."""
    roots = [sandbox_cwd / root for root in policy.writable_roots]
    roots.append(sandbox_cwd)
    if not policy.exclude_slash_tmp:
        roots.append(Path("/tmp"))
    tmpdir = os.environ.get("TMPDIR")
    if tmpdir and not policy.exclude_tmpdir_env_var:
        roots.append(sandbox_cwd / tmpdir)
    return roots


def write_roots(policy: SandboxPolicy, sandbox_cwd: Path) -> list[Path] | None:
    """Where a command or patch under ``policy`` may write: `writable_roots`,
    nowhere (read-only) or anywhere (None, with ``danger-full-access`` and
    when an external sandbox confines the daemon itself).

    ``sandbox_cwd`` is the folder of the turn (or, outside a conversation, of
    the configuration): never the folder the model asked a command to run in.
    """
    if isinstance(policy, SandboxPolicyDangerFullAccess | SandboxPolicyExternalSandbox):
        return None
    if isinstance(policy, SandboxPolicyWorkspaceWrite):
        return writable_roots(policy, sandbox_cwd)
    return []


def restricted_read(policy: SandboxPolicy) -> ReadOnlyAccessRestricted | None:
    """The policy's read restriction; None when commands may read everything."""
    if isinstance(policy, SandboxPolicyReadOnly):
        access = policy.access
    elif isinstance(policy, SandboxPolicyWorkspaceWrite):
        access = policy.read_only_access
    else:
        return None
    return access if isinstance(access, ReadOnlyAccessRestricted) else None


def readable_roots(policy: SandboxPolicy, sandbox_cwd: Path) -> list[Path] | None:
    """What a command under ``policy`` may read: None for everything, else the
    turn's folder, the policy's readable roots, its `write_roots` and (when
    asked) `PLATFORM_READ_ROOTS`. Like `write_roots`, relative to the turn's
    folder, never to a call's ``workdir``."""
    access = restricted_read(policy)
    if access is None:
        return None
    roots = [sandbox_cwd, *(sandbox_cwd / root for root in access.readable_roots)]
    roots += write_roots(policy, sandbox_cwd) or []
    if access.include_platform_defaults:
        roots += [Path(root) for root in PLATFORM_READ_ROOTS]
    return roots


def may_read(path: Path, policy: SandboxPolicy, sandbox_cwd: Path) -> bool:
    """Whether ``path`` (absolute) lies in what ``policy`` lets commands read
    (symbolic links resolved, so that none leads out of the roots)."""
    roots = readable_roots(policy, sandbox_cwd)
    if roots is None:
        return True
    real = path.resolve()
    return any(real.is_relative_to(root.resolve()) for root in roots)


def is_sandboxed(policy: SandboxPolicy) -> bool:
    """Whether the daemon confines commands itself under ``policy``."""
    return not isinstance(policy, SandboxPolicyDangerFullAccess | SandboxPolicyExternalSandbox)


@dataclass(frozen=True)
class Confinement:
    """How to start a command confined: its command line, and the descriptors
    the new process must inherit (the seccomp filter bubblewrap reads)."""

    argv: list[str]
    pass_fds: tuple[int, ...] = ()

    def close(self) -> None:
        """Close the descriptors (once the process has started, or failed to)."""
        for fd in self.pass_fds:
            os.close(fd)


def confine(
    argv: Sequence[str], policy: SandboxPolicy, cwd: Path, *, sandbox_cwd: Path
) -> Confinement:
    """How to run ``argv`` in ``cwd`` under ``policy``, whose roots are
    relative to ``sandbox_cwd`` (see `write_roots`); `Confinement.close` it
    once the process has started.

    Raises `SandboxUnavailable` when the policy needs a sandbox and bubblewrap
    cannot provide one. (Blocking the first time: it checks bubblewrap once.)
    """
    if not is_sandboxed(policy):
        return Confinement(list(argv))
    bwrap = require_bubblewrap()
    if not isinstance(policy, SandboxPolicyWorkspaceWrite | SandboxPolicyReadOnly):
        raise SandboxUnavailable(f"unknown sandbox policy {policy!r}")  # pragma: no cover
    args = [bwrap, "--die-with-parent", "--unshare-pid"]
    writable = _mountable(write_roots(policy, sandbox_cwd) or [])
    readable = readable_roots(policy, sandbox_cwd)
    if readable is None:
        args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        for root in writable:
            args += ["--bind", root, root]
    else:
        if not may_read(cwd, policy, sandbox_cwd):
            raise SandboxUnavailable(
                f"sandbox refused: the command's folder {cwd} is not among the readable roots"
            )
        args += _restricted_view(readable, writable)
    if policy.has_network:
        return Confinement([*args, "--chdir", str(cwd), "--", *argv])
    fd = _network_filter_fd()
    args += ["--unshare-net", "--seccomp", str(fd), "--chdir", str(cwd), "--", *argv]
    return Confinement(args, (fd,))


def _restricted_view(readable: list[Path], writable: list[str]) -> list[str]:
    """Mounts showing only ``readable`` (read-only) and ``writable`` (read-write)
    on bubblewrap's empty root. A root that is a symbolic link is recreated as
    one (``/bin`` -> ``usr/bin``) and its target shown in its place."""
    args: list[str] = []
    links: list[tuple[str, str]] = []
    targets: list[Path] = []
    for path in readable:
        if path.is_symlink() and path.exists():
            links.append((os.readlink(path), str(path)))
        targets.append(path)
    mounts = [(root, "--ro-bind") for root in _mountable(targets) if root not in writable]
    mounts += [(root, "--bind") for root in writable]
    covered: list[str] = []
    for root, kind in sorted(mounts, key=lambda m: (m[0].count("/"), m[0], m[1] == "--bind")):
        # A readable root inside one already shown is shown with it (and,
        # inside a writable one, must stay writable).
        if kind == "--ro-bind" and any(_within(root, done) for done in covered):
            continue
        args += [kind, root, root]
        covered.append(root)
    for target, link in links:
        if not any(_within(link, done) for done in covered):
            args += ["--symlink", target, link]
    return [*args, "--dev", "/dev", "--proc", "/proc"]


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


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


# -- the network filter (classic BPF, as seccomp reads it) -----------------------

#: Syscalls that fail with EPERM (the reference's list).
_DENIED_SYSCALLS: Final = (
    "connect", "accept", "accept4", "bind", "listen", "getpeername", "getsockname",
    "shutdown", "sendto", "sendmmsg", "recvmmsg", "getsockopt", "setsockopt",
    "ptrace", "io_uring_setup", "io_uring_enter", "io_uring_register",
)  # fmt: skip
#: Syscalls allowed only for Unix sockets (their first argument is the domain).
_UNIX_ONLY_SYSCALLS: Final = ("socket", "socketpair")


@dataclass(frozen=True)
class _Arch:
    audit: int
    """``AUDIT_ARCH_*``: what seccomp reports for a syscall of this ABI."""
    numbers: dict[str, int]
    foreign_from: int | None = None
    """Numbers from here up belong to another ABI under the same audit value (x32)."""


_X86_64_SYSCALLS: Final = {
    "socket": 41, "connect": 42, "accept": 43, "sendto": 44, "shutdown": 48, "bind": 49,
    "listen": 50, "getsockname": 51, "getpeername": 52, "socketpair": 53, "setsockopt": 54,
    "getsockopt": 55, "ptrace": 101, "accept4": 288, "recvmmsg": 299, "sendmmsg": 307,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
}  # fmt: skip
_AARCH64_SYSCALLS: Final = {
    "ptrace": 117, "socket": 198, "socketpair": 199, "bind": 200, "listen": 201,
    "accept": 202, "connect": 203, "getsockname": 204, "getpeername": 205, "sendto": 206,
    "setsockopt": 208, "getsockopt": 209, "shutdown": 210, "accept4": 242, "recvmmsg": 243,
    "sendmmsg": 269, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
}  # fmt: skip
_ARCHES: Final = {
    "x86_64": _Arch(0xC000003E, _X86_64_SYSCALLS, foreign_from=0x40000000),
    "aarch64": _Arch(0xC00000B7, _AARCH64_SYSCALLS),
    "arm64": _Arch(0xC00000B7, _AARCH64_SYSCALLS),
}

_LD_ABS_W: Final = 0x20
_JEQ: Final = 0x15
_JGE: Final = 0x35
_RET: Final = 0x06
_RET_KILL_PROCESS: Final = 0x80000000
_RET_ALLOW: Final = 0x7FFF0000
_RET_EPERM: Final = 0x00050000 | errno.EPERM
# Offsets in `struct seccomp_data`: nr, arch, then the arguments (64 bits each).
_NR: Final = 0
_ARCH: Final = 4
_ARG0_LOW: Final = 16 if sys.byteorder == "little" else 20


def network_filter(machine: str | None = None) -> bytes:
    """The compiled seccomp filter for commands without network (see the
    module's description), for ``machine`` (default: this one's)."""
    machine = machine or os.uname().machine
    arch = _ARCHES.get(machine)
    if arch is None:
        raise SandboxUnavailable(
            f"sandbox unavailable: no network filter for the {machine} architecture; "
            "use a policy with network access, or `danger-full-access`"
        )
    # (code, jump if true, jump if false, k); a jump is a label to resolve.
    program: list[tuple[int, int | str, int | str, int]] = [
        (_LD_ABS_W, 0, 0, _ARCH),
        (_JEQ, 1, 0, arch.audit),
        (_RET, 0, 0, _RET_KILL_PROCESS),  # another ABI (i386 calls from x86_64)
        (_LD_ABS_W, 0, 0, _NR),
    ]
    if arch.foreign_from is not None:
        program.append((_JGE, "deny", 0, arch.foreign_from))
    program += [(_JEQ, "deny", 0, arch.numbers[name]) for name in _DENIED_SYSCALLS]
    program += [(_JEQ, "unix", 0, arch.numbers[name]) for name in _UNIX_ONLY_SYSCALLS]
    labels = {"unix": len(program) + 1, "deny": len(program) + 4}
    program += [
        (_RET, 0, 0, _RET_ALLOW),
        (_LD_ABS_W, 0, 0, _ARG0_LOW),  # unix: the socket's domain
        (_JEQ, 0, 1, socket.AF_UNIX),
        (_RET, 0, 0, _RET_ALLOW),
        (_RET, 0, 0, _RET_EPERM),  # deny
    ]

    def offset(at: int, jump: int | str) -> int:
        return jump if isinstance(jump, int) else labels[jump] - at - 1

    return b"".join(
        struct.pack("=HBBI", code, offset(at, jt), offset(at, jf), k)
        for at, (code, jt, jf, k) in enumerate(program)
    )


def _network_filter_fd() -> int:
    """A descriptor to read the network filter from (bubblewrap reads it once)."""
    program = network_filter()
    read, write = os.pipe()
    try:
        os.write(write, program)  # far less than a pipe holds
    except BaseException:
        os.close(read)
        raise
    finally:
        os.close(write)
    return read


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
    try:
        fds: tuple[int, ...] = (_network_filter_fd(),)
    except SandboxUnavailable:
        fds = ()  # without a filter here, policies without network are refused by `confine`
    argv = [
        bwrap, "--die-with-parent", "--unshare-pid", "--ro-bind", "/", "/",
        "--dev", "/dev", "--proc", "/proc", "--unshare-net",
        *(arg for fd in fds for arg in ("--seccomp", str(fd))),
        "--", "true",
    ]  # fmt: skip
    try:
        result = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=_PROBE_TIMEOUT_S,
            check=False,
            pass_fds=fds,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"sandbox unavailable: cannot run bubblewrap ({bwrap}): {exc}"
    finally:
        for fd in fds:
            os.close(fd)
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
