"""Requests about the user's files: fuzzy file search, git diff, one-off commands."""

from typing import Annotated

from pydantic import Field

from .._base import TS_BIGINT, CamelModel, PathText, SnakeModel, UInt64, skip_none
from ..common import GitSha, SandboxPolicy


class FuzzyFileSearchParams(CamelModel):
    query: str
    roots: list[PathText]
    cancellation_token: str | None = Field(
        default=None, description="A later search with the same token cancels this one."
    )


class FuzzyFileSearchResult(SnakeModel):
    """One file found by a fuzzy search."""

    root: str
    path: str = Field(description="Relative to `root`.")
    file_name: str
    score: int
    indices: list[int] | None = skip_none("The positions in `path` of the matched characters.")


class FuzzyFileSearchResponse(SnakeModel):
    files: list[FuzzyFileSearchResult]


class GitDiffToRemoteParams(CamelModel):
    cwd: PathText


class GitDiffToRemoteResponse(CamelModel):
    sha: GitSha = Field(description="The closest commit that a remote branch contains.")
    diff: str = Field(description="From that commit to the working tree, untracked files too.")


class ExecOneOffCommandParams(CamelModel):
    command: list[str] = Field(description="The argv to run.")
    timeout_ms: Annotated[UInt64, TS_BIGINT] | None = Field(
        default=None, description="A default applies when absent."
    )
    cwd: PathText | None = Field(
        default=None, description="The working directory (the daemon's own by default)."
    )
    sandbox_policy: SandboxPolicy | None = Field(
        default=None, description="The sandbox (the configured one by default)."
    )


class ExecOneOffCommandResponse(CamelModel):
    exit_code: int
    stdout: str
    stderr: str


class FuzzyFileSearchSessionStartParams(CamelModel):
    """Start a search session over ``roots``; queries come with `...Update`."""

    session_id: str
    roots: list[str]


class FuzzyFileSearchSessionStartResponse(CamelModel):
    pass


class FuzzyFileSearchSessionUpdateParams(CamelModel):
    session_id: str
    query: str


class FuzzyFileSearchSessionUpdateResponse(CamelModel):
    pass


class FuzzyFileSearchSessionStopParams(CamelModel):
    session_id: str


class FuzzyFileSearchSessionStopResponse(CamelModel):
    pass


class FuzzyFileSearchSessionUpdatedNotification(CamelModel):
    """The files matching a session's latest query (so far)."""

    session_id: str
    query: str
    files: list[FuzzyFileSearchResult]


class FuzzyFileSearchSessionCompletedNotification(CamelModel):
    """A session's latest query has been searched through."""

    session_id: str
