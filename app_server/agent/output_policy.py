"""How much of a tool's output a model is shown: the `TruncationPolicy` of a
turn, from its model and the configuration.

A model gets its policy from the model catalog (`model_catalog_json`) when
the catalog gives one, else from Codex 0.107.0's built-in models (the
longest slug the model's name starts with, also after one ``namespace/``),
else 10,000 bytes. ``tool_output_token_limit`` replaces the limit: as
tokens, or as their bytes (four a token) for a policy in bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..tools.truncation import BYTES_PER_TOKEN, DEFAULT_POLICY, TruncationPolicy
from .model_catalog import catalog_entry
from .model_family import find_family

if TYPE_CHECKING:
    from ..config.model import Config


def builtin_policy(model: str) -> TruncationPolicy | None:
    """The policy of the built-in model ``model`` is (a version of)."""
    return find_family(model).truncation


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
