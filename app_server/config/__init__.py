"""Configuration: `CODEX_HOME`, `config.toml`, managed config, overrides, profiles, providers."""
