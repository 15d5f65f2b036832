"""What the daemon imports at start-up stays what start-up needs.

The reply to ``initialize`` is written before anything heavy is imported
(`bootstrap`), and the full server that loads afterwards leaves out what an
idle daemon does not use (MCP, logins, search, the exporters, OpenTelemetry,
HTTP until a model is called...). Each check runs in a fresh interpreter,
since this test process has imported everything already.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.fresh_interpreter import run_fresh

#: Never imported before the reply to ``initialize``.
NOT_BEFORE_INITIALIZE = (
    "pydantic",
    "pydantic_core",
    "anyio",
    "asyncio",
    "dataclasses",
    "inspect",
    "argparse",
    "threading",
    "app_server_protocol",
    "app_server.early",
    "app_server.app",
    "app_server.config.features",
    "pathlib",
    "tomllib",
)

#: Never imported by loading the full server (only when used).
NOT_WHEN_IDLE = (
    "argparse",
    "certifi",
    "httpx",
    "httpcore",
    "h11",
    "jsonschema",
    "keyring",
    "mcp",
    "opentelemetry",
    "pathspec",
    "tomlkit",
    "websockets",
    "app_server.auth.callback_server",
    "app_server.auth.keyring_store",
    "app_server.auth.login",
    "app_server.auth.oauth",
    "app_server.backend",
    "app_server.generate",
    "app_server.mcp.client",
    "app_server.mcp.commands",
    "app_server.mcp.oauth",
    "app_server.search",
    "app_server.telemetry.export",
    "app_server.tools.apply_patch",
    "app_server_protocol.export",
    # pydantic's plugin loader would import it (with `email`, `zipfile`...).
    "importlib.metadata",
    "email",
    "zipfile",
    # The prompts are read as plain files.
    "importlib.resources",
    "tempfile",
)


def _loaded(script: str, tmp_path: Path, stdin: bytes = b"") -> set[str]:
    """The modules `script` imported (not those only blocked, such as
    ``httpx._main``, whose `sys.modules` entry is None)."""
    return set(run_fresh(script, tmp_path, stdin))


def _imported(modules: set[str], package: str) -> bool:
    return any(name == package or name.startswith(package + ".") for name in modules)


_AT_THE_REPLY = """
import json, os, sys
from app_server import bootstrap
from app_server.options import ServeOptions
from app_server.server import serve

def reply(fd, data):
    with open(os.environ["RESULT_OUT"], "w") as out:
        json.dump(sorted(n for n, m in sys.modules.items() if m is not None), out)
    os._exit(0)

bootstrap.write_all = reply
serve(ServeOptions())
"""

_AFTER_LOADING = """
import json, os, sys
from app_server import server

server._load_server()
with open(os.environ["RESULT_OUT"], "w") as out:
    json.dump(sorted(n for n, m in sys.modules.items() if m is not None), out)
"""


def test_initialize_is_answered_with_the_standard_library(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('model_provider = "oss"\n')
    initialize = {
        "id": 1,
        "method": "initialize",
        "params": {"clientInfo": {"name": "t", "version": "1"}},
    }
    modules = _loaded(_AT_THE_REPLY, tmp_path, json.dumps(initialize).encode() + b"\n")
    assert "app_server.bootstrap" in modules
    assert [name for name in NOT_BEFORE_INITIALIZE if _imported(modules, name)] == []


def test_the_full_server_loads_without_what_idle_does_not_need(tmp_path: Path) -> None:
    modules = _loaded(_AFTER_LOADING, tmp_path)
    assert {"app_server.app", "app_server.processor", "app_server.warmup"} <= modules
    assert [name for name in NOT_WHEN_IDLE if _imported(modules, name)] == []


_AFTER_A_VALIDATION = """
import json, os, sys
from app_server import server
from pydantic import BaseModel

server._load_server()

class Point(BaseModel):
    x: int

facts = {
    "validated": Point.model_validate_json(b'{"x": 1}').x,
    "metadata": "importlib.metadata" in sys.modules,
}
with open(os.environ["RESULT_OUT"], "w") as out:
    json.dump(facts, out)
"""


def test_pydantic_validates_after_loading_without_looking_for_plugins(tmp_path: Path) -> None:
    facts = run_fresh(_AFTER_A_VALIDATION, tmp_path)
    assert facts == {"validated": 1, "metadata": False}
