"""The options of ``serve`` (a leaf: the command line, the server and the
config service all read them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class ServeOptions(NamedTuple):
    """Options of ``serve``: config overrides from the command line."""

    overrides: Sequence[str] = ()
    """``key=value`` strings, as given to ``-c``."""
    enable: Sequence[str] = ()
    disable: Sequence[str] = ()
