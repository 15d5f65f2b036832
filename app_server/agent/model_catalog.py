"""The model catalog file (`model_catalog_json` in `config.toml`): a JSON
file ``{"models": [{"slug": ..., "experimental_supported_tools": [...]}]}``
in the shape of the reference's built-in catalog.

Only ``experimental_supported_tools`` is read from it: the file tools
(``read_file``, ``list_dir``, ``grep_files``) a model is offered. Codex
0.107.0's built-in models list none, so without a catalog no model gets
them. A catalog that cannot be read offers nothing (and is logged).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..logs import log

if TYPE_CHECKING:
    from ..config.model import Config


def experimental_tools(config: Config, model: str) -> frozenset[str]:
    """The experimental tools the catalog lists for ``model`` (by slug)."""
    name = config.toml.model_catalog_json
    if not name:
        return frozenset()
    path = Path(name).expanduser()
    if not path.is_absolute():
        path = config.codex_home / path
    try:
        catalog = json.loads(path.read_text(encoding="utf-8"))
        models = catalog["models"]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        log.warning("model catalog %s not read: %s", path, exc)
        return frozenset()
    for entry in models if isinstance(models, list) else []:
        if isinstance(entry, dict) and entry.get("slug") == model:
            tools = entry.get("experimental_supported_tools")
            if isinstance(tools, list):
                return frozenset(tool for tool in tools if isinstance(tool, str))
    return frozenset()
