"""Requests about the user's files: fuzzy file search and the git diff to the remote."""

from __future__ import annotations

from app_server_protocol import methods
from app_server_protocol.v1.workspace import (
    FuzzyFileSearchParams,
    FuzzyFileSearchResponse,
    FuzzyFileSearchResult,
    GitDiffToRemoteParams,
    GitDiffToRemoteResponse,
)

from ..app import RequestContext
from ..errors import InvalidRequest
from ..rust_format import debug_str
from .registry import handles


@handles(methods.FUZZY_FILE_SEARCH)
async def fuzzy_file_search(
    params: FuzzyFileSearchParams, ctx: RequestContext
) -> FuzzyFileSearchResponse:
    matches = await ctx.app.file_search.search(
        params.query, params.roots, params.cancellation_token
    )
    return FuzzyFileSearchResponse(
        files=[
            FuzzyFileSearchResult(
                root=m.root, path=m.path, file_name=m.file_name, score=m.score, indices=m.indices
            )
            for m in matches
        ]
    )


@handles(methods.GIT_DIFF_TO_REMOTE)
async def git_diff_to_remote(
    params: GitDiffToRemoteParams, ctx: RequestContext
) -> GitDiffToRemoteResponse:
    from ..git import RemoteDiffError, git_diff_to_remote

    try:
        found = await git_diff_to_remote(params.cwd)
    except RemoteDiffError as exc:
        # The reference's message, word for word; why, in the error's data.
        raise InvalidRequest(
            f"failed to compute git diff to remote for cwd: {debug_str(params.cwd)}",
            data={"reason": str(exc)},
        ) from exc
    return GitDiffToRemoteResponse(sha=found.sha, diff=found.diff)
