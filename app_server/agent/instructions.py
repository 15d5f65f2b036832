"""The built-in instructions given to the model (our own text)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def base_instructions() -> str:
    return (
        resources.files(__package__)
        .joinpath("prompts", "base_instructions.md")
        .read_text(encoding="utf-8")
    )


@cache
def review_instructions() -> str:
    """What a reviewer is told (instead of the built-in instructions)."""
    return (
        resources.files(__package__)
        .joinpath("prompts", "review_instructions.md")
        .read_text(encoding="utf-8")
    )
