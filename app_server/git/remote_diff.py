"""The diff from the closest commit a remote has to the working tree.

Computed as the reference computes it, with git itself:

1. the candidate branches: the current one, the default one (the remote's
   ``HEAD``: ``refs/remotes/<remote>/HEAD``, else what ``git remote show``
   says, else a local ``main`` or ``master``), then every remote-tracking
   branch that contains ``HEAD``; remotes are taken with ``origin`` first;
2. for each candidate that a remote has, how many commits ``HEAD`` is ahead
   of it; the base is the remote's commit of the closest one (the first on
   a tie);
3. ``git diff <base>`` (tracked changes, committed or not), then, for every
   untracked file that is not ignored, a diff that creates it (binary files
   as git binary patches).

Unlike the reference, file names are read NUL-separated (so untracked files
with unusual names are not dropped), output that is not UTF-8 is decoded
leniently instead of failing, at most a few git processes run at once, and
git is kept from paging, colouring or prompting. Every git command has the
reference's 5-second limit.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import anyio

#: As the reference: a git command that takes longer counts as failed.
GIT_TIMEOUT_SECONDS: Final = 5.0
#: Untracked files diffed at the same time.
MAX_CONCURRENT_DIFFS: Final = 8
_NULL_DEVICE: Final = os.devnull


class RemoteDiffError(Exception):
    """No diff can be computed; the message says why."""


@dataclass(frozen=True, slots=True)
class RemoteDiff:
    sha: str
    diff: str


@dataclass(frozen=True, slots=True)
class _Result:
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def text(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GIT_PAGER="cat",
        PAGER="cat",
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",
        # `git remote show` is parsed: its messages must be in English.
        LC_ALL="C",
    )
    return env


class _Git:
    """Runs git in one directory."""

    def __init__(self, cwd: str) -> None:
        self.cwd = cwd
        self.env = _git_env()

    async def run(self, *args: str) -> _Result | None:
        """None when git could not be run or took too long."""
        command = ["git", "--no-pager", "-c", "color.ui=never", *args]
        with anyio.move_on_after(GIT_TIMEOUT_SECONDS):
            try:
                done = await anyio.run_process(
                    command,
                    cwd=self.cwd,
                    env=self.env,
                    check=False,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            except OSError:
                return None
            return _Result(done.returncode, done.stdout, done.stderr)
        return None


def repo_root(cwd: str) -> str | None:
    """The nearest directory at or above ``cwd`` that holds a ``.git``."""
    current = cwd
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _checked_directory(cwd: str) -> str:
    """``cwd`` made absolute, once known to be a directory in a repository."""
    cwd = os.path.abspath(cwd)
    if repo_root(cwd) is None:
        raise RemoteDiffError("not inside a git repository")
    if not os.path.isdir(cwd):
        raise RemoteDiffError("not a directory")
    return cwd


async def git_diff_to_remote(cwd: str) -> RemoteDiff:
    """See the module's description; raises `RemoteDiffError`."""
    cwd = await anyio.to_thread.run_sync(_checked_directory, cwd)
    git = _Git(cwd)
    probe = await git.run("--version")
    if probe is None:
        raise RemoteDiffError("git could not be run")
    remotes = await _remotes(git)
    if remotes is None:
        raise RemoteDiffError("git remote failed")
    if not remotes:
        raise RemoteDiffError("the repository has no remote")
    branches = await _branch_ancestry(git, remotes)
    base = await _closest_remote_sha(git, branches, remotes)
    if base is None:
        raise RemoteDiffError("no remote branch has a commit of HEAD's history")
    diff = await _diff_against(git, base)
    return RemoteDiff(sha=base, diff=diff)


async def _remotes(git: _Git) -> list[str] | None:
    result = await git.run("remote")
    if result is None or not result.ok:
        return None
    remotes = result.text().splitlines()
    if "origin" in remotes:
        remotes.remove("origin")
        remotes.insert(0, "origin")
    return remotes


async def _default_branch(git: _Git, remotes: Sequence[str]) -> str | None:
    for remote in remotes:
        symref = await git.run("symbolic-ref", "--quiet", f"refs/remotes/{remote}/HEAD")
        if symref is not None and symref.ok:
            name = symref.text().strip()
            if "/" in name:
                return name.rsplit("/", 1)[1]
        shown = await git.run("remote", "show", remote)
        if shown is not None and shown.ok:
            for line in shown.text().splitlines():
                line = line.strip()
                if line.startswith("HEAD branch:"):
                    name = line[len("HEAD branch:") :].strip()
                    if name:
                        return name
    for candidate in ("main", "master"):
        verify = await git.run("rev-parse", "--verify", "--quiet", f"refs/heads/{candidate}")
        if verify is not None and verify.ok:
            return candidate
    return None


async def _branch_ancestry(git: _Git, remotes: Sequence[str]) -> list[str]:
    """The current branch, the default branch, then the remote branches
    that contain HEAD: the branches whose remote commit may be the base."""
    branches: list[str] = []
    current = await git.run("rev-parse", "--abbrev-ref", "HEAD")
    if current is not None and current.ok:
        name = current.text().strip()
        if name != "HEAD":
            branches.append(name)
    default = await _default_branch(git, remotes)
    if default is not None and default not in branches:
        branches.append(default)
    for remote in remotes:
        listed = await git.run(
            "for-each-ref", "--format=%(refname:short)", "--contains=HEAD", f"refs/remotes/{remote}"
        )
        if listed is None or not listed.ok:
            continue
        for line in listed.text().splitlines():
            short = line.strip()
            prefix = f"{remote}/"
            if short.startswith(prefix):
                name = short[len(prefix) :]
                if name and name not in branches:
                    branches.append(name)
    return branches


async def _remote_sha_and_distance(
    git: _Git, branch: str, remotes: Sequence[str]
) -> tuple[str | None, int] | None:
    """The commit a remote has for ``branch`` (None if none has it) and how
    many commits HEAD is ahead of the branch; None when git fails."""
    remote_sha: str | None = None
    remote_ref: str | None = None
    for remote in remotes:
        ref = f"refs/remotes/{remote}/{branch}"
        verify = await git.run("rev-parse", "--verify", "--quiet", ref)
        if verify is None:
            return None
        if not verify.ok:
            continue
        remote_sha = verify.text().strip()
        remote_ref = ref
        break
    count = await git.run("rev-list", "--count", f"{branch}..HEAD")
    if (count is None or not count.ok) and remote_ref is not None:
        count = await git.run("rev-list", "--count", f"{remote_ref}..HEAD")
    if count is None or not count.ok:
        return None
    try:
        distance = int(count.text().strip())
    except ValueError:
        return None
    return remote_sha, distance


async def _closest_remote_sha(
    git: _Git, branches: Sequence[str], remotes: Sequence[str]
) -> str | None:
    closest: tuple[str, int] | None = None
    for branch in branches:
        found = await _remote_sha_and_distance(git, branch, remotes)
        if found is None:
            continue
        sha, distance = found
        if sha is None:
            continue
        if closest is None or distance < closest[1]:
            closest = (sha, distance)
    return closest[0] if closest is not None else None


async def _diff_against(git: _Git, sha: str) -> str:
    tracked = await git.run("diff", "--no-color", "--no-textconv", "--no-ext-diff", sha)
    if tracked is None or tracked.returncode not in (0, 1):
        detail = tracked.stderr.decode("utf-8", "replace").strip() if tracked else "timed out"
        raise RemoteDiffError(f"git diff failed: {detail.splitlines()[0] if detail else ''}")
    parts = [tracked.text()]
    listed = await git.run("ls-files", "--others", "--exclude-standard", "-z")
    if listed is not None and listed.ok:
        untracked = [os.fsdecode(name) for name in listed.stdout.split(b"\0") if name]
        parts.extend(await _untracked_diffs(git, untracked))
    return "".join(parts)


async def _untracked_diffs(git: _Git, files: list[str]) -> list[str]:
    """Diffs creating each file, in the order given."""
    diffs = [""] * len(files)
    limiter = anyio.CapacityLimiter(MAX_CONCURRENT_DIFFS)

    async def one(i: int, name: str) -> None:
        async with limiter:
            result = await git.run(
                "diff",
                "--no-color",
                "--no-textconv",
                "--no-ext-diff",
                "--binary",
                "--no-index",
                "--",
                _NULL_DEVICE,
                name,
            )
        if result is not None and result.returncode in (0, 1):
            diffs[i] = result.text()

    async with anyio.create_task_group() as tg:
        for i, name in enumerate(files):
            tg.start_soon(one, i, name)
    return diffs
