"""Where the configuration files are: their names in `CODEX_HOME`, and the
system's folder (a leaf: the checks made before the reply to
``initialize``, and the cached first page of `thread/list`, use them
without importing the TOML reader)."""

from __future__ import annotations

import os
from typing import Final

CONFIG_FILE: Final = "config.toml"
MANAGED_CONFIG_FILE: Final = "managed_config.toml"

SYSTEM_CONFIG_DIR: Final = "/etc/codex"
#: Names another folder than ``/etc/codex`` (the tests use it; the reference
#: has no such switch).
SYSTEM_CONFIG_DIR_VARIABLE: Final = "CODEX_APP_SERVER_SYSTEM_CONFIG_DIR"


def system_config_dir() -> str:
    return os.environ.get(SYSTEM_CONFIG_DIR_VARIABLE) or SYSTEM_CONFIG_DIR


def system_config_file() -> str:
    """The system's `config.toml`, the lowest layer (below the user's)."""
    return os.path.join(system_config_dir(), CONFIG_FILE)


def layered_config_files(codex_home: str) -> list[str]:
    """The files `layers.load_layers` reads, lowest layer first."""
    return [
        system_config_file(),
        os.path.join(codex_home, CONFIG_FILE),
        os.path.join(codex_home, MANAGED_CONFIG_FILE),
    ]
