"""How much of a tool's output a model is shown: the `TruncationPolicy` of a
turn, from its model and the configuration.

A model gets its policy from the model catalog (`model_catalog_json`) when
the catalog gives one, else from Codex 0.107.0's built-in models (the
longest slug the model's name starts with, also after one ``namespace/``),
else 10,000 bytes. ``tool_output_token_limit`` replaces the limit: as
tokens, or as their bytes (four a token) for a policy in bytes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from ..tools.truncation import BYTES_PER_TOKEN, DEFAULT_POLICY, TruncationPolicy
from .model_catalog import catalog_entry

if TYPE_CHECKING:
    from ..config.model import Config

_TOKENS: Final = TruncationPolicy("tokens", 10_000)
_BYTES: Final = TruncationPolicy("bytes", 10_000)

#: The built-in models' policies (Codex 0.107.0's bundled catalog).
BUILTIN_POLICIES: Final[dict[str, TruncationPolicy]] = {
    "gpt-5.3-codex": _TOKENS,
    "gpt-5.2-codex": _TOKENS,
    "gpt-5.1-codex-max": _TOKENS,
    "gpt-5.1-codex": _TOKENS,
    "gpt-5.2": _BYTES,
    "gpt-5.1": _BYTES,
    "gpt-5-codex": _TOKENS,
    "gpt-5": _BYTES,
    "gpt-oss-120b": _BYTES,
    "gpt-oss-20b": _BYTES,
    "gpt-5.1-codex-mini": _TOKENS,
    "gpt-5-codex-mini": _TOKENS,
}

_NAMESPACE: Final = re.compile(r"[A-Za-z0-9_]+")


def builtin_policy(model: str) -> TruncationPolicy | None:
    """The policy of the built-in model ``model`` is (a version of)."""
    found = _longest_prefix(model)
    if found is None:
        namespace, slash, rest = model.partition("/")
        if slash and "/" not in rest and _NAMESPACE.fullmatch(namespace):
            found = _longest_prefix(rest)
    return None if found is None else BUILTIN_POLICIES[found]


def _longest_prefix(model: str) -> str | None:
    matches = [slug for slug in BUILTIN_POLICIES if model.startswith(slug)]
    return max(matches, key=len) if matches else None


def _catalog_policy(config: Config, model: str) -> TruncationPolicy | None:
    entry = catalog_entry(config, model)
    given: Any = entry.get("truncation_policy") if entry is not None else None
    if not isinstance(given, dict):
        return None
    mode, limit = given.get("mode"), given.get("limit")
    if mode not in ("bytes", "tokens") or type(limit) is not int or limit < 0:
        return None
    return TruncationPolicy(mode, limit)


def truncation_policy(config: Config, model: str) -> TruncationPolicy:
    """The policy of a turn of ``model`` made with ``config``."""
    policy = _catalog_policy(config, model) or builtin_policy(model) or DEFAULT_POLICY
    tokens = config.toml.tool_output_token_limit
    if tokens is None:
        return policy
    if policy.mode == "bytes":
        return TruncationPolicy("bytes", tokens * BYTES_PER_TOKEN)
    return TruncationPolicy("tokens", tokens)
