"""The model catalog file (`model_catalog_json` in `config.toml`): a JSON
file ``{"models": [{"slug": ..., "experimental_supported_tools": [...]}]}``
in the shape of the reference's built-in catalog.

Read from it: ``experimental_supported_tools``, the file tools
(``read_file``, ``list_dir``, ``grep_files``) a model is offered; and a
model's ``base_instructions`` and ``model_messages`` (see `personality`). Codex
0.107.0's built-in models list none, so without a catalog no model gets
them. A catalog that cannot be read offers nothing (and is logged).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..logs import log

if TYPE_CHECKING:
    from ..config.model import Config


def catalog_entry(config: Config, model: str) -> dict[str, Any] | None:
    """The catalog's entry for ``model`` (by slug); None without a catalog or entry."""
    name = config.toml.model_catalog_json
    if not name:
        return None
    path = Path(name).expanduser()
    if not path.is_absolute():
        path = config.codex_home / path
    try:
        catalog = json.loads(path.read_text(encoding="utf-8"))
        models = catalog["models"]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        log.warning("model catalog %s not read: %s", path, exc)
        return None
    for entry in models if isinstance(models, list) else []:
        if isinstance(entry, dict) and entry.get("slug") == model:
            return entry
    return None


def experimental_tools(config: Config, model: str) -> frozenset[str]:
    """The experimental tools the catalog lists for ``model`` (by slug)."""
    entry = catalog_entry(config, model)
    tools = entry.get("experimental_supported_tools") if entry is not None else None
    if isinstance(tools, list):
        return frozenset(tool for tool in tools if isinstance(tool, str))
    return frozenset()
