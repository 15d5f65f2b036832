"""What the daemon knows about a model from its name: Codex 0.107.0's
built-in models (the longest slug the name starts with, also after one
``namespace/``) and how each reasons, is offered its tools and is asked to
answer.

Any other model (local ones, custom providers, older OpenAI ones such as
``o3``) gets the reference's fallback: no reasoning parameter, no known
context window, the ``shell`` tool (``exec_command`` with unified exec), no
``apply_patch`` tool, no parallel tool calls; it is taken to read images.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from app_server_protocol.common import ReasoningEffort, Verbosity

from ..tools.truncation import TruncationPolicy

#: How a family is offered `apply_patch`: a free-form (grammar) tool or a JSON function.
ApplyPatchToolKind = Literal["freeform", "function"]
#: The shell tool a family is offered when unified exec is off: the argv
#: ``shell`` function or the script ``shell_command`` one.
ShellToolKind = Literal["shell", "shell_command"]

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
    shell_tool: ShellToolKind = "shell"
    local_shell: bool = False
    """Offered the provider's built-in ``local_shell`` tool instead of the ``shell`` function."""
    verbosity: bool = False
    """Accepts ``text.verbosity``."""
    default_verbosity: Verbosity | None = None
    """The ``text.verbosity`` sent when the configuration names none."""
    default_effort: ReasoningEffort | None = None
    """The reasoning effort sent when the configuration names none."""
    parallel_tool_calls: bool = False
    """Asked for ``parallel_tool_calls`` (the tools run side by side either way)."""
    image_input: bool = True
    """Reads images (a text-only model gets a placeholder in their place)."""
    truncation: TruncationPolicy | None = None
    """How much of a tool's output the model is shown (None: the default policy)."""

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


_TOKENS: Final = TruncationPolicy("tokens", 10_000)
_BYTES: Final = TruncationPolicy("bytes", 10_000)


def _builtin(
    slug: str,
    *,
    apply_patch: bool = True,
    shell_tool: ShellToolKind = "shell_command",
    truncation: TruncationPolicy = _TOKENS,
    verbosity: Verbosity | None = None,
    parallel: bool = False,
    context_window: int = 272_000,
    image_input: bool = True,
) -> ModelFamily:
    return ModelFamily(
        slug,
        reasoning=True,
        context_window=context_window,
        apply_patch_tool="freeform" if apply_patch else None,
        shell_tool=shell_tool,
        verbosity=verbosity is not None,
        default_verbosity=verbosity,
        default_effort=ReasoningEffort.MEDIUM,
        parallel_tool_calls=parallel,
        image_input=image_input,
        truncation=truncation,
    )


#: Codex 0.107.0's built-in models, by slug.
BUILTIN_FAMILIES: Final[dict[str, ModelFamily]] = {
    family.slug: family
    for family in (
        _builtin("gpt-5.3-codex", verbosity=Verbosity.LOW, parallel=True),
        _builtin("gpt-5.2-codex", parallel=True),
        _builtin("gpt-5.1-codex-max"),
        _builtin("gpt-5.1-codex"),
        _builtin("gpt-5.2", truncation=_BYTES, verbosity=Verbosity.LOW, parallel=True),
        _builtin("gpt-5.1", truncation=_BYTES, verbosity=Verbosity.LOW, parallel=True),
        _builtin("gpt-5-codex"),
        _builtin("gpt-5", apply_patch=False, shell_tool="shell", truncation=_BYTES),
        _builtin(
            "gpt-oss-120b",
            shell_tool="shell",
            truncation=_BYTES,
            context_window=96_000,
            image_input=False,
        ),
        _builtin(
            "gpt-oss-20b",
            shell_tool="shell",
            truncation=_BYTES,
            context_window=96_000,
            image_input=False,
        ),
        _builtin("gpt-5.1-codex-mini"),
        _builtin("gpt-5-codex-mini"),
    )
}

_NAMESPACE: Final = re.compile(r"[A-Za-z0-9_]+")


def builtin_slug(model: str) -> str | None:
    """The built-in model ``model`` is (a version of): the longest slug it
    starts with, also after one ``namespace/``."""
    found = _longest_prefix(model)
    if found is None:
        namespace, slash, rest = model.partition("/")
        if slash and "/" not in rest and _NAMESPACE.fullmatch(namespace):
            found = _longest_prefix(rest)
    return found


def _longest_prefix(model: str) -> str | None:
    matches = [slug for slug in BUILTIN_FAMILIES if model.startswith(slug)]
    return max(matches, key=len) if matches else None


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
    slug = builtin_slug(model)
    return ModelFamily(model) if slug is None else BUILTIN_FAMILIES[slug]
