"""The feature flags: their names, stages and defaults (those of Codex
0.107.0), and which are on for a configuration.

A flag is on by default or not; ``[features]`` in `config.toml`, then the
active profile's ``[profiles.NAME.features]``, then ``--enable`` /
``--disable`` on the command line turn it on or off, each over the one
before. A name the table does not know is an error on the command line
(the daemon does not start) and ignored in a file, as the reference does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final


class Stage:
    """The stages, as `experimentalFeature/list` spells them (plain strings:
    the daemon's start-up checks read this table without the protocol models)."""

    UNDER_DEVELOPMENT: Final = "underDevelopment"
    BETA: Final = "beta"
    STABLE: Final = "stable"
    DEPRECATED: Final = "deprecated"
    REMOVED: Final = "removed"


@dataclass(frozen=True)
class Feature:
    name: str
    """Its key in ``[features]``."""
    stage: str
    default: bool = False
    display_name: str | None = None
    """Only beta features have display texts (the others are not shown to users)."""
    description: str | None = None
    announcement: str | None = None


# In the reference's order (`experimentalFeature/list` pages through it).
FEATURES: Final[tuple[Feature, ...]] = (
    Feature("undo", Stage.STABLE),
    Feature("shell_tool", Stage.STABLE, default=True),
    Feature("unified_exec", Stage.STABLE, default=True),
    Feature("shell_zsh_fork", Stage.UNDER_DEVELOPMENT),
    Feature("shell_snapshot", Stage.STABLE, default=True),
    Feature(
        "js_repl",
        Stage.BETA,
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
    Feature("js_repl_tools_only", Stage.UNDER_DEVELOPMENT),
    Feature("web_search_request", Stage.DEPRECATED),
    Feature("web_search_cached", Stage.DEPRECATED),
    Feature("search_tool", Stage.REMOVED),
    Feature("codex_git_commit", Stage.UNDER_DEVELOPMENT),
    Feature("runtime_metrics", Stage.UNDER_DEVELOPMENT),
    Feature("sqlite", Stage.STABLE, default=True),
    Feature("memories", Stage.UNDER_DEVELOPMENT),
    Feature("child_agents_md", Stage.UNDER_DEVELOPMENT),
    Feature("apply_patch_freeform", Stage.UNDER_DEVELOPMENT),
    Feature("request_permissions", Stage.UNDER_DEVELOPMENT),
    Feature(
        "use_linux_sandbox_bwrap",
        Stage.BETA,
        display_name="Bubblewrap sandbox",
        description="Try the new linux sandbox based on bubblewrap.",
        announcement=(
            "NEW: Linux bubblewrap sandbox offers stronger filesystem and network "
            "controls than Landlock alone, including keeping .git and .codex "
            "read-only inside writable workspaces. Enable it in /experimental and "
            "restart Codex to try it."
        ),
    ),
    Feature("request_rule", Stage.REMOVED),
    Feature("experimental_windows_sandbox", Stage.REMOVED),
    Feature("elevated_windows_sandbox", Stage.REMOVED),
    Feature("remote_models", Stage.REMOVED),
    Feature("powershell_utf8", Stage.UNDER_DEVELOPMENT),
    Feature("enable_request_compression", Stage.STABLE, default=True),
    Feature(
        "multi_agent",
        Stage.BETA,
        display_name="Multi-agents",
        description=(
            "Ask Codex to spawn multiple agents to parallelize the work and win in efficiency."
        ),
        announcement=(
            "NEW: Multi-agents can now be spawned by Codex. Enable in /experimental "
            "and restart Codex!"
        ),
    ),
    Feature(
        "apps",
        Stage.BETA,
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
    Feature("apps_mcp_gateway", Stage.UNDER_DEVELOPMENT),
    Feature("skill_mcp_dependency_install", Stage.STABLE, default=True),
    Feature("skill_env_var_dependency_prompt", Stage.UNDER_DEVELOPMENT),
    Feature("steer", Stage.REMOVED, default=True),
    Feature("default_mode_request_user_input", Stage.UNDER_DEVELOPMENT),
    Feature("collaboration_modes", Stage.REMOVED, default=True),
    Feature("personality", Stage.STABLE, default=True),
    Feature("voice_transcription", Stage.UNDER_DEVELOPMENT),
    Feature("realtime_conversation", Stage.UNDER_DEVELOPMENT),
    Feature(
        "prevent_idle_sleep",
        Stage.BETA,
        display_name="Prevent sleep while running",
        description="Keep your computer awake while Codex is running a thread.",
        announcement="NEW: Prevent sleep while running is now available in /experimental.",
    ),
    Feature("responses_websockets", Stage.UNDER_DEVELOPMENT),
    Feature("responses_websockets_v2", Stage.UNDER_DEVELOPMENT),
)

FEATURES_BY_NAME: Final = {feature.name: feature for feature in FEATURES}

#: The unified exec tools (`exec_command`, `write_stdin`) instead of `shell`.
UNIFIED_EXEC: Final = "unified_exec"
#: The shell tool at all.
SHELL_TOOL: Final = "shell_tool"
#: `apply_patch` as a free-form tool for models not offered it otherwise.
APPLY_PATCH_FREEFORM: Final = "apply_patch_freeform"


class UnknownFeature(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Unknown feature flag: {name}")
        self.name = name


def check_known(names: Iterable[str]) -> None:
    """`UnknownFeature` for the first name that is not a feature flag."""
    for name in names:
        if name not in FEATURES_BY_NAME:
            raise UnknownFeature(name)


def enabled_features(
    layers: Iterable[Mapping[str, bool]],
    enable: Iterable[str] = (),
    disable: Iterable[str] = (),
) -> frozenset[str]:
    """The flags that are on: the defaults, then each table of ``layers``
    (the file's, the profile's) over the one before, then ``enable`` and
    ``disable``. Unknown names in the tables are ignored."""
    on = {feature.name for feature in FEATURES if feature.default}
    for table in layers:
        for name, value in table.items():
            if name not in FEATURES_BY_NAME:
                continue
            if value:
                on.add(name)
            else:
                on.discard(name)
    on |= set(enable)
    on -= set(disable)
    return frozenset(on)
