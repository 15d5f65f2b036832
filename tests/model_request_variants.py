"""The models and configurations whose model requests are compared with
Codex 0.107.0's: captured by `tools/refresh_model_request_references.py`
into `tests/fixtures/model_requests_0.107.0.json`, and checked by
`tests/test_model_request_tools.py`."""

from __future__ import annotations

from tests.mcp_support import stdio_table

MODELS = (
    "mock-model",
    "gpt-5",
    "gpt-5-codex",
    "gpt-5.1",
    "gpt-5.1-codex",
    "gpt-5.1-codex-mini",
    "gpt-5.1-codex-max",
    "gpt-5.2",
    "gpt-5.2-codex",
    "gpt-5.3-codex",
    "gpt-oss-20b",
    "o3",
    "codex-mini-latest",
)
V1_MODELS = ("mock-model", "gpt-5.1-codex")
#: Other configurations: name -> (model, extra config.toml lines, sandbox mode).
VARIANTS: dict[str, tuple[str, str, str]] = {
    "mock-model workspace-write": ("mock-model", "", "workspace-write"),
    "mock-model read-only": ("mock-model", "", "read-only"),
    "mock-model web_search disabled": (
        "mock-model",
        'web_search = "disabled"',
        "danger-full-access",
    ),
    "mock-model web_search cached": ("mock-model", 'web_search = "cached"', "danger-full-access"),
    "mock-model no unified_exec": (
        "mock-model",
        "[features]\nunified_exec = false",
        "danger-full-access",
    ),
    **{
        f"{model} no unified_exec": (
            model,
            "[features]\nunified_exec = false",
            "danger-full-access",
        )
        for model in MODELS
        if model != "mock-model"
    },
    "mock-model mcp server": ("mock-model", stdio_table("test"), "danger-full-access"),
    "gpt-5 include_apply_patch_tool": (
        "gpt-5",
        "include_apply_patch_tool = true",
        "danger-full-access",
    ),
    "gpt-5.1 verbosity high effort low": (
        "gpt-5.1",
        'model_verbosity = "high"\nmodel_reasoning_effort = "low"',
        "danger-full-access",
    ),
}
