"""From the layered tables to a `Config`: every setting decided.

Precedence, highest first (as the reference decides): a request's explicit
settings (`ConfigOverrides`), the active profile (chosen by the request or by
the ``profile`` key), then the layered table (the request's dotted
``config`` overrides over the daemon's ``-c`` overrides over
`managed_config.toml` over `config.toml`), then the defaults.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from app_server_protocol.common import (
    ApprovalMode,
    ReasoningSummary,
    SandboxMode,
    SandboxPolicy,
    SandboxPolicyDangerFullAccess,
    SandboxPolicyReadOnly,
    SandboxPolicyWorkspaceWrite,
)

from .._version import __version__
from .features import enabled_features
from .layers import (
    CONFIG_FILE,
    MANAGED_CONFIG_FILE,
    ConfigError,
    deep_merge,
    load_layers,
    locate_key,
    overrides_table,
    parse_override,
)
from .mcp import McpCredentialsStore
from .model import (
    DEFAULT_CHATGPT_BASE_URL,
    DEFAULT_MODEL,
    DEFAULT_PROVIDER_ID,
    Config,
    ConfigToml,
    CredentialsStore,
    ModelProviderInfo,
    ProfileToml,
    SandboxWorkspaceWriteToml,
    WireApi,
)
from .requirements import allowed_mcp_servers, load_requirements

DEFAULT_PROJECT_DOC_MAX_BYTES: Final = 32 * 1024
OPENAI_API_BASE_URL: Final = "https://api.openai.com/v1"
CHATGPT_CODEX_BASE_URL: Final = "https://chatgpt.com/backend-api/codex"


@dataclass(frozen=True)
class ConfigOverrides:
    """Settings a request gives explicitly (``newConversation`` and friends)."""

    model: str | None = None
    profile: str | None = None
    cwd: str | None = None
    approval_policy: ApprovalMode | None = None
    sandbox_mode: SandboxMode | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    """Dotted keys, as with ``-c``; values are JSON values."""
    base_instructions: str | None = None
    developer_instructions: str | None = None
    personality: str | None = None
    include_apply_patch_tool: bool | None = None


def builtin_providers(environ: Mapping[str, str]) -> dict[str, ModelProviderInfo]:
    """The providers that exist without any configuration."""
    oss_port = environ.get("CODEX_OSS_PORT", "11434")
    return {
        "openai": ModelProviderInfo(
            name="OpenAI",
            base_url=environ.get("OPENAI_BASE_URL") or None,
            wire_api=WireApi.RESPONSES,
            http_headers={"version": __version__},
            env_http_headers={
                "OpenAI-Organization": "OPENAI_ORGANIZATION",
                "OpenAI-Project": "OPENAI_PROJECT",
            },
            requires_openai_auth=True,
        ),
        "oss": ModelProviderInfo(
            name="gpt-oss",
            base_url=environ.get("CODEX_OSS_BASE_URL") or f"http://localhost:{oss_port}/v1",
            wire_api=WireApi.CHAT,
        ),
    }


def parse_config_toml(
    table: Mapping[str, Any],
    codex_home: Path,
    overlays: Sequence[tuple[str, Mapping[str, Any]]] = (),
) -> ConfigToml:
    """Validate the merged table; errors name the key and where it was set:
    one of the ``overlays`` (a name for the error, and the overrides it
    merged in; the last merged first), else the file and the line."""
    try:
        return ConfigToml.model_validate(table)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, codex_home, overlays)) from None


def _describe(
    error: ValidationError,
    codex_home: Path,
    overlays: Sequence[tuple[str, Mapping[str, Any]]],
) -> str:
    problems = []
    for item in error.errors(include_url=False, include_input=False)[:5]:
        loc = [str(part) for part in item["loc"]]
        where = ".".join(loc)
        place = next((name for name, overlay in overlays if _sets(overlay, loc)), None)
        if place is None:
            place = "configuration"
            for name in (MANAGED_CONFIG_FILE, CONFIG_FILE):
                path = codex_home / name
                line = locate_key(path, loc)
                if line is not None:
                    place = f"{path}:{line}"
                    break
        problems.append(f"{place}: `{where}`: {item['msg']}")
    return "; ".join(problems)


def _sets(overlay: Mapping[str, Any], loc: Sequence[str]) -> bool:
    """Whether ``overlay`` sets the value at ``loc`` (or a value that replaced
    the table holding it)."""
    node: Any = overlay
    for part in loc:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
        if not isinstance(node, Mapping):
            return True
    return True


#: How a validation error names the daemon's ``-c`` overrides.
CLI_OVERRIDES: Final = "-c override"
#: How it names a request's ``config`` overrides.
REQUEST_OVERRIDES: Final = "`config` override"


def _cli_overlay(cli_overrides: Iterable[str]) -> tuple[str, Mapping[str, Any]]:
    return CLI_OVERRIDES, overrides_table(parse_override(text) for text in cli_overrides)


def load_config_toml(codex_home: Path, cli_overrides: Iterable[str] = ()) -> ConfigToml:
    """The files and the daemon's ``-c`` overrides, validated."""
    cli_overrides = list(cli_overrides)
    return parse_config_toml(
        load_layers(codex_home, cli_overrides), codex_home, [_cli_overlay(cli_overrides)]
    )


def sandbox_policy_for(
    mode: SandboxMode, settings: SandboxWorkspaceWriteToml | None
) -> SandboxPolicy:
    if mode is SandboxMode.DANGER_FULL_ACCESS:
        return SandboxPolicyDangerFullAccess()
    if mode is SandboxMode.READ_ONLY:
        return SandboxPolicyReadOnly()
    settings = settings or SandboxWorkspaceWriteToml()
    return SandboxPolicyWorkspaceWrite(
        writable_roots=list(settings.writable_roots),
        network_access=settings.network_access,
        exclude_tmpdir_env_var=settings.exclude_tmpdir_env_var,
        exclude_slash_tmp=settings.exclude_slash_tmp,
    )


def resolve_config(
    codex_home: Path,
    *,
    cli_overrides: Iterable[str] = (),
    enable: Iterable[str] = (),
    disable: Iterable[str] = (),
    overrides: ConfigOverrides | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Load and layer everything, then decide every setting."""
    env = os.environ if environ is None else environ
    overrides = overrides or ConfigOverrides()
    cli_overrides = list(cli_overrides)
    table = load_layers(codex_home, cli_overrides)
    overlays = [_cli_overlay(cli_overrides)]
    if overrides.config:
        request_table = overrides_table(overrides.config.items())
        table = deep_merge(table, request_table)
        overlays.insert(0, (REQUEST_OVERRIDES, request_table))
    toml = parse_config_toml(table, codex_home, overlays)

    profile_name = overrides.profile or toml.profile
    profile = ProfileToml()
    if profile_name is not None:
        if profile_name not in toml.profiles:
            raise ConfigError(f"config profile `{profile_name}` not found")
        profile = toml.profiles[profile_name]

    providers = builtin_providers(env)
    for key, provider in toml.model_providers.items():
        providers.setdefault(key, provider)
    provider_id = profile.model_provider or toml.model_provider or DEFAULT_PROVIDER_ID
    if provider_id not in providers:
        raise ConfigError(f"model provider `{provider_id}` not found in `model_providers`")

    sandbox_mode = (
        overrides.sandbox_mode or profile.sandbox_mode or toml.sandbox_mode or SandboxMode.READ_ONLY
    )
    cwd = Path(overrides.cwd) if overrides.cwd else Path.cwd()
    if not cwd.is_absolute():
        cwd = Path.cwd() / cwd

    features = enabled_features((toml.features, profile.features), enable, disable)

    base_instructions = overrides.base_instructions
    if base_instructions is None and toml.experimental_instructions_file:
        base_instructions = _read_instructions_file(codex_home, toml.experimental_instructions_file)

    tools = toml.tools
    return Config(
        codex_home=codex_home,
        cwd=cwd,
        model=overrides.model or profile.model or toml.model or DEFAULT_MODEL,
        model_provider_id=provider_id,
        model_provider=providers[provider_id],
        approval_policy=(
            overrides.approval_policy
            or profile.approval_policy
            or toml.approval_policy
            or ApprovalMode.ON_REQUEST
        ),
        sandbox_policy=sandbox_policy_for(sandbox_mode, toml.sandbox_workspace_write),
        model_reasoning_effort=profile.model_reasoning_effort or toml.model_reasoning_effort,
        model_reasoning_summary=(
            profile.model_reasoning_summary or toml.model_reasoning_summary or ReasoningSummary.AUTO
        ),
        model_verbosity=profile.model_verbosity or toml.model_verbosity,
        model_context_window=toml.model_context_window,
        model_max_output_tokens=toml.model_max_output_tokens,
        base_instructions=base_instructions,
        developer_instructions=(
            overrides.developer_instructions
            if overrides.developer_instructions is not None
            else toml.developer_instructions
        ),
        personality=_personality(overrides.personality or toml.personality, features),
        user_instructions=toml.instructions,
        include_apply_patch_tool=bool(overrides.include_apply_patch_tool),
        tools_web_search=bool(tools and tools.web_search),
        tools_view_image=True if tools is None or tools.view_image is None else tools.view_image,
        chatgpt_base_url=profile.chatgpt_base_url
        or toml.chatgpt_base_url
        or DEFAULT_CHATGPT_BASE_URL,
        forced_login_method=toml.forced_login_method,
        forced_chatgpt_workspace_id=toml.forced_chatgpt_workspace_id,
        credentials_store=toml.cli_auth_credentials_store or CredentialsStore.FILE,
        project_doc_max_bytes=(
            DEFAULT_PROJECT_DOC_MAX_BYTES
            if toml.project_doc_max_bytes is None
            else toml.project_doc_max_bytes
        ),
        features=features,
        toml=toml,
        active_profile=profile_name,
        mcp_servers=allowed_mcp_servers(toml.mcp_servers, load_requirements()),
        mcp_oauth_credentials_store=(toml.mcp_oauth_credentials_store or McpCredentialsStore.AUTO),
    )


def _read_instructions_file(codex_home: Path, name: str) -> str:
    path = Path(name).expanduser()
    if not path.is_absolute():
        path = codex_home / path
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read experimental_instructions_file {path}: {exc.strerror}"
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"cannot read experimental_instructions_file {path}: not valid UTF-8 "
            f"(at byte {exc.start})"
        ) from None
    except ValueError:  # a NUL byte in the path
        raise ConfigError(
            f"cannot read experimental_instructions_file {path}: a path must not contain a NUL byte"
        ) from None


def _personality(given: str | None, features: frozenset[str]) -> str | None:
    """The personality asked for; with the `personality` feature on, a thread
    asked for none is pragmatic (as the reference defaults it)."""
    if given is None and "personality" in features:
        return "pragmatic"
    return given
