"""Requests about the user's files: fuzzy file search and the git diff to the remote."""

from __future__ import annotations

from app_server_protocol.v1.workspace import (
    FuzzyFileSearchParams,
    FuzzyFileSearchResponse,
    FuzzyFileSearchResult,
)

from ..app import RequestContext
from .registry import handles


@handles("fuzzyFileSearch")
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
