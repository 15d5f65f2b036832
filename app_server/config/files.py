"""The names of the configuration files in `CODEX_HOME` (a leaf: the checks
made before the reply to ``initialize`` use them without importing the
TOML reader)."""

CONFIG_FILE = "config.toml"
MANAGED_CONFIG_FILE = "managed_config.toml"
