"""`getUserSavedConfig`: the settings of the config files a client may show.

Like the reference, this is what the files say (`config.toml` with
`managed_config.toml` over it), not the daemon's ``-c`` overrides and not
the defaults: unset keys are left out, except inside a profile, where every
key is written (``null`` when unset), and `profiles`, which is always there.
"""

from __future__ import annotations

from app_server_protocol.v1.config import Profile, SandboxSettings, Tools, UserSavedConfig

from .model import ConfigToml, ProfileToml


def _profile(profile: ProfileToml) -> Profile:
    return Profile(
        model=profile.model,
        model_provider=profile.model_provider,
        approval_policy=profile.approval_policy,
        model_reasoning_effort=profile.model_reasoning_effort,
        model_reasoning_summary=profile.model_reasoning_summary,
        model_verbosity=profile.model_verbosity,
        chatgpt_base_url=profile.chatgpt_base_url,
    )


def user_saved_config(toml: ConfigToml) -> UserSavedConfig:
    sandbox = toml.sandbox_workspace_write
    tools = toml.tools
    return UserSavedConfig(
        approval_policy=toml.approval_policy,
        sandbox_mode=toml.sandbox_mode,
        sandbox_settings=None
        if sandbox is None
        else SandboxSettings(
            writable_roots=list(sandbox.writable_roots),
            network_access=sandbox.network_access,
            exclude_tmpdir_env_var=sandbox.exclude_tmpdir_env_var,
            exclude_slash_tmp=sandbox.exclude_slash_tmp,
        ),
        forced_chatgpt_workspace_id=toml.forced_chatgpt_workspace_id,
        forced_login_method=toml.forced_login_method,
        model=toml.model,
        model_reasoning_effort=toml.model_reasoning_effort,
        model_reasoning_summary=toml.model_reasoning_summary,
        model_verbosity=toml.model_verbosity,
        tools=None
        if tools is None
        else Tools(web_search=tools.web_search, view_image=tools.view_image),
        profile=toml.profile,
        profiles={name: _profile(profile) for name, profile in toml.profiles.items()},
    )
