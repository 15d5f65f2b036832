"""What the daemon knows about a model from its name: whether it reasons, how
large its context window is, and how it prefers its tools.

Unknown models (local ones, custom providers) get conservative defaults:
no reasoning parameter, no known context window, the ``shell`` function
tool and no ``apply_patch`` tool unless the conversation asks for it; they
are taken to read images.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

#: How a family is offered `apply_patch`: a free-form (grammar) tool or a JSON function.
ApplyPatchToolKind = Literal["freeform", "function"]

#: Share of the context window a turn may fill; the rest is kept for the
#: model's own output and the harness's overhead (the reference reports this).
EFFECTIVE_WINDOW_PERCENT: Final = 95

#: The context window of a model the daemon knows nothing about (the
#: reference's fallback model metadata).
FALLBACK_CONTEXT_WINDOW: Final = 272_000


@dataclass(frozen=True)
class ModelFamily:
    slug: str
    reasoning: bool = False
    """Send the ``reasoning`` parameter (and ask for encrypted reasoning back)."""
    context_window: int | None = None
    apply_patch_tool: ApplyPatchToolKind | None = None
    """The `apply_patch` tool the family is always offered; None: only when the
    conversation asks for it (``includeApplyPatchTool``), then as a free-form tool."""
    local_shell: bool = False
    """Offered the provider's built-in ``local_shell`` tool instead of the ``shell`` function."""
    verbosity: bool = False
    """Accepts ``text.verbosity``."""
    image_input: bool = True
    """Reads images (a text-only model gets a placeholder in their place)."""

    @property
    def effective_context_window(self) -> int | None:
        if self.context_window is None:
            return None
        return self.context_window * EFFECTIVE_WINDOW_PERCENT // 100


def effective_context_window(configured: int | None, family: ModelFamily) -> int:
    """The share of the context window a turn may fill, as the reference
    reports it (``model_context_window``): of ``configured`` (config.toml's
    ``model_context_window``) when set, else of the family's window, else of
    the fallback window."""
    window = configured if configured is not None else family.context_window
    if window is None:
        window = FALLBACK_CONTEXT_WINDOW
    return window * EFFECTIVE_WINDOW_PERCENT // 100


# Longest prefix first: `find_family` returns the first match.
_FAMILIES: Final = (
    ModelFamily(
        "gpt-5-codex",
        reasoning=True,
        context_window=272_000,
        apply_patch_tool="freeform",
        verbosity=True,
    ),
    ModelFamily("codex-mini-latest", reasoning=True, context_window=200_000, local_shell=True),
    ModelFamily("codex-", reasoning=True, context_window=272_000, apply_patch_tool="freeform"),
    ModelFamily("gpt-5", reasoning=True, context_window=272_000, verbosity=True),
    ModelFamily("o3", reasoning=True, context_window=200_000),
    ModelFamily("o4-mini", reasoning=True, context_window=200_000),
    ModelFamily("gpt-4.1", context_window=1_047_576),
    ModelFamily("gpt-4o", context_window=128_000),
    ModelFamily("gpt-oss", context_window=96_000, apply_patch_tool="function", image_input=False),
    ModelFamily("openai/gpt-oss", apply_patch_tool="function", image_input=False),
)


def has_metadata(model: str) -> bool:
    """Whether the reference knows ``model`` (one of its built-in models, or a
    dated snapshot of one); it warns at every turn of a model it does not."""
    from ..model_presets import PRESETS

    return any(model == p.model or model.startswith(f"{p.model}-") for p in PRESETS)


def unknown_model_warning(model: str) -> str:
    return (
        f"Model metadata for `{model}` not found. Defaulting to fallback metadata; "
        "this can degrade performance and cause issues."
    )


def find_family(model: str) -> ModelFamily:
    for family in _FAMILIES:
        if model.startswith(family.slug):
            return family
    return ModelFamily(model)
