"""Leaving pydantic's plugin lookup out of the daemon.

To find plugins, pydantic's loader imports `importlib.metadata` (with
`email`, `zipfile`, `csv`...: some 2 MB resident for the daemon's life) and
reads the entry points of every installed distribution, when it builds its
first validator. The daemon uses no pydantic plugin, so a stand-in loader
that finds none takes the real one's place before that first build.
"""

from __future__ import annotations

import sys
import types
from typing import Final

LOADER: Final = "pydantic.plugin._loader"


def skip_plugin_lookup() -> None:
    """Make pydantic find no plugin (unless its loader ran already)."""
    if LOADER not in sys.modules:
        loader = types.ModuleType(LOADER)
        loader.get_plugins = tuple  # type: ignore[attr-defined]  # no argument: no plugin
        sys.modules[LOADER] = loader
