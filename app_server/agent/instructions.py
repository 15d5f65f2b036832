"""The built-in instructions given to the model (our own text)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final

# Read as plain files: `importlib.resources` would import `tempfile`,
# `shutil` and their compressors into every loaded daemon.
PROMPTS: Final = Path(__file__).with_name("prompts")


def read_prompt(name: str) -> str:
    """A text of the ``prompts`` folder."""
    return (PROMPTS / name).read_text(encoding="utf-8")


@cache
def base_instructions() -> str:
    return read_prompt("base_instructions.md")


@cache
def review_instructions() -> str:
    """What a reviewer is told (instead of the built-in instructions)."""
    return read_prompt("review_instructions.md")
