"""What an administrator requires: the system's `requirements.toml`.

Codex 0.107.0 on Linux reads ``/etc/codex/requirements.toml`` (never
``CODEX_HOME/requirements.toml``), and takes the ``approval_policy`` and
``sandbox_mode`` of the legacy ``/etc/codex/managed_config.toml`` as the only
ones allowed when `requirements.toml` does not say. ``CODEX_APP_SERVER_SYSTEM_CONFIG_DIR``
names another folder than ``/etc/codex`` (the tests use it; the reference has
no such variable).

Besides the allowed approval policies, sandbox modes and web search modes,
it may hold an allowlist of MCP servers::

    [mcp_servers.docs.identity]
    command = "docs-server"        # a stdio server: its `command`, exactly
    [mcp_servers.tracker.identity]
    url = "https://tracker.example/mcp"   # a streamable HTTP server: its `url`

A configured server whose name is not listed, or whose identity differs, is
disabled (it is still listed, not started); that is not an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, ValidationError

from app_server_protocol.v2.common import AskForApproval, SandboxMode
from app_server_protocol.v2.config import ConfigRequirements, ResidencyRequirement
from app_server_protocol.v2.shared import WebSearchMode

from .layers import ConfigError, read_toml, system_config_dir
from .mcp import HttpServerConfig, McpServerConfig, StdioServerConfig

REQUIREMENTS_FILE: Final = "requirements.toml"
LEGACY_MANAGED_CONFIG_FILE: Final = "managed_config.toml"


class McpServerIdentity(BaseModel):
    """How an allowed server is recognised: its command or its URL."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    command: str | None = None
    url: str | None = None


class McpServerRequirement(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    identity: McpServerIdentity


class RequirementsToml(BaseModel):
    """The file's tables (unknown keys are ignored, as newer files may have more)."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    allowed_approval_policies: list[AskForApproval] | None = None
    allowed_sandbox_modes: list[SandboxMode] | None = None
    allowed_web_search_modes: list[WebSearchMode] | None = None
    enforce_residency: ResidencyRequirement | None = None
    mcp_servers: dict[str, McpServerRequirement] | None = None

    def for_client(self) -> ConfigRequirements | None:
        """What ``configRequirements/read`` tells: null when nothing is required.

        The MCP allowlist is not part of it, though it makes it non-null (as
        0.107.0 answers). A ``[network]`` table is left out: 0.107.0 answers
        null for a file that has only that table.
        """
        if all(value is None for value in self.model_dump().values()):
            return None
        return ConfigRequirements(
            allowed_approval_policies=self.allowed_approval_policies,
            allowed_sandbox_modes=self.allowed_sandbox_modes,
            allowed_web_search_modes=self.allowed_web_search_modes,
            enforce_residency=self.enforce_residency,
        )


def load_requirements(folder: Path | None = None) -> RequirementsToml | None:
    """The requirements, or None when there are none. `ConfigError` when a
    file cannot be read or parsed."""
    folder = Path(system_config_dir()) if folder is None else folder
    requirements = _read_requirements(folder / REQUIREMENTS_FILE)
    legacy = _legacy_requirements(folder / LEGACY_MANAGED_CONFIG_FILE)
    if legacy is None:
        return requirements
    if requirements is None:
        return legacy
    unset = {key for key, value in requirements if value is None}
    return requirements.model_copy(update=legacy.model_dump(include=unset, exclude_none=True))


def _legacy_requirements(path: Path) -> RequirementsToml | None:
    """The approval policy and sandbox mode of a legacy managed config, as
    the only ones allowed (read-only always allowed besides the mode, as
    0.107.0 has it)."""
    if not path.is_file():
        return None
    table = read_toml(path)
    allowed: dict[str, list[object]] = {}
    if "approval_policy" in table:
        allowed["allowed_approval_policies"] = [table["approval_policy"]]
    if "sandbox_mode" in table:
        mode = table["sandbox_mode"]
        read_only = SandboxMode.READ_ONLY.value
        allowed["allowed_sandbox_modes"] = [read_only] if mode == read_only else [read_only, mode]
    if not allowed:
        return None
    try:
        return RequirementsToml.model_validate(allowed)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {exc.errors()[0]['msg']}") from None


def _read_requirements(path: Path) -> RequirementsToml | None:
    if not path.is_file():
        return None
    try:
        table = read_toml(path)
    except ConfigError as exc:
        detail = str(exc).removeprefix(f"{path}: ")
        raise ConfigError(f"Error parsing requirements file {path}: {detail}") from None
    try:
        return RequirementsToml.model_validate(table)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigError(f"Error parsing requirements file {path}: {problems}") from None


def allowed_mcp_servers(
    servers: Mapping[str, McpServerConfig], requirements: RequirementsToml | None
) -> dict[str, McpServerConfig]:
    """The servers, those the allowlist does not admit disabled."""
    allowlist = None if requirements is None else requirements.mcp_servers
    if allowlist is None:
        return dict(servers)
    admitted: dict[str, McpServerConfig] = {}
    for name, config in servers.items():
        requirement = allowlist.get(name)
        if config.enabled and (requirement is None or not _matches(config, requirement.identity)):
            config = config.model_copy(update={"enabled": False})
        admitted[name] = config
    return admitted


def _matches(config: McpServerConfig, identity: McpServerIdentity) -> bool:
    if isinstance(config, StdioServerConfig):
        return identity.command is not None and identity.command == config.command
    assert isinstance(config, HttpServerConfig)
    return identity.url is not None and identity.url == config.url
