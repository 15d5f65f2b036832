"""The feature flags Codex 0.107.0 knows (``experimentalFeature/list``), in
its order: each one's `config.toml` key (``[features]``), stage, default, and
for the features in beta the texts the reference shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from app_server_protocol.v2.features import ExperimentalFeatureStage

_S = ExperimentalFeatureStage


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    stage: ExperimentalFeatureStage
    default_enabled: bool
    display_name: str | None = None
    description: str | None = None
    announcement: str | None = None


FEATURES: Final[tuple[FeatureSpec, ...]] = (
    FeatureSpec("undo", _S.STABLE, False),
    FeatureSpec("shell_tool", _S.STABLE, True),
    FeatureSpec("unified_exec", _S.STABLE, True),
    FeatureSpec("shell_zsh_fork", _S.UNDER_DEVELOPMENT, False),
    FeatureSpec("shell_snapshot", _S.STABLE, True),
    FeatureSpec(
        "js_repl",
        _S.BETA,
        False,
        display_name="JavaScript REPL",
        description=(
            "Enable a persistent Node-backed JavaScript REPL for interactive "
            "website debugging and other inline JavaScript execution capabilities. "
            "Requires Node >= v22.22.0 installed."
        ),
        announcement=(
            "NEW: JavaScript REPL is now available in /experimental. Enable it, "
            "then start a new chat or restart Codex to use it."
        ),
    ),
    FeatureSpec("js_repl_tools_only", _S.UNDER_DEVELOPMENT, False),
    FeatureSpec("web_search_request", _S.DEPRECATED, False),
    FeatureSpec("web_search_cached", _S.DEPRECATED, False),
    FeatureSpec("search_tool", _S.REMOVED, False),
    FeatureSpec("codex_git_commit", _S.UNDER_DEVELOPMENT, False),
    FeatureSpec("runtime_metrics", _S.UNDER_DEVELOPMENT, False),
    FeatureSpec("sqlite", _S.STABLE, True),
    FeatureSpec("memories", _S.UNDER_DEVELOPMENT, False),
    FeatureSpec("child_agents_md", _S.UNDER_DEVELOPMENT, False),
    FeatureSpec("apply_patch_freeform", _S.UNDER_DEVELOPMENT, False),
    FeatureSpec("request_permissions", _S.UNDER_DEVELOPMENT, False),
    FeatureSpec(
        "use_linux_sandbox_bwrap",
        _S.BETA,
        False,
        display_name="Bubblewrap sandbox",
        description="Try the new linux sandbox based on bubblewrap.",
        announcement=(
            "NEW: Linux bubblewrap sandbox offers stronger filesystem and network "
            "controls than Landlock alone, including keeping .git and .codex "
            "read-only inside writable workspaces. Enable it in /experimental and "
            "restart Codex to try it."
        ),
    ),
    FeatureSpec("request_rule", _S.REMOVED, False),
    FeatureSpec("experimental_windows_sandbox", _S.REMOVED, False),
    FeatureSpec("elevated_windows_sandbox", _S.REMOVED, False),
    FeatureSpec("remote_models", _S.REMOVED, False),
    FeatureSpec("powershell_utf8", _S.UNDER_DEVELOPMENT, False),
    FeatureSpec("enable_request_compression", _S.STABLE, True),
    FeatureSpec(
        "multi_agent",
        _S.BETA,
        False,
        display_name="Multi-agents",
        description=(
            "Ask Codex to spawn multiple agents to parallelize the work and win in efficiency."
        ),
        announcement=(
            "NEW: Multi-agents can now be spawned by Codex. Enable in /experimental "
            "and restart Codex!"
        ),
    ),
    FeatureSpec(
        "apps",
        _S.BETA,
        False,
        display_name="Apps",
        description=(
            'Use a connected ChatGPT App using "$". Install Apps via /apps command. '
            "Restart Codex after enabling."
        ),
        announcement=(
            "NEW: Use ChatGPT Apps (Connectors) in Codex via $ mentions. Enable in "
            "/experimental and restart Codex!"
        ),
    ),
    FeatureSpec("apps_mcp_gateway", _S.UNDER_DEVELOPMENT, False),
    FeatureSpec("skill_mcp_dependency_install", _S.STABLE, True),
    FeatureSpec("skill_env_var_dependency_prompt", _S.UNDER_DEVELOPMENT, False),
    FeatureSpec("steer", _S.REMOVED, True),
    FeatureSpec("default_mode_request_user_input", _S.UNDER_DEVELOPMENT, False),
    FeatureSpec("collaboration_modes", _S.REMOVED, True),
    FeatureSpec("personality", _S.STABLE, True),
    FeatureSpec("voice_transcription", _S.UNDER_DEVELOPMENT, False),
    FeatureSpec("realtime_conversation", _S.UNDER_DEVELOPMENT, False),
    FeatureSpec(
        "prevent_idle_sleep",
        _S.BETA,
        False,
        display_name="Prevent sleep while running",
        description="Keep your computer awake while Codex is running a thread.",
        announcement="NEW: Prevent sleep while running is now available in /experimental.",
    ),
    FeatureSpec("responses_websockets", _S.UNDER_DEVELOPMENT, False),
    FeatureSpec("responses_websockets_v2", _S.UNDER_DEVELOPMENT, False),
)
