"""The committed backend models are what the generator makes of the OpenAPI
document today (CI runs the tests, so a stale `models.py` fails CI)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import yaml

from app_server.backend import models

from ._reference import REPO

TOOL = REPO / "tools" / "generate_backend_models.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_backend_models", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_committed_models_are_fresh() -> None:
    tool = _tool()
    fresh = tool.generate()
    committed = tool.MODELS.read_text(encoding="utf-8")
    assert fresh == committed, "app_server/backend/models.py is stale: run tools/" + TOOL.name
    assert tool.main(["--check"]) == 0


def test_every_schema_of_the_document_has_a_model() -> None:
    document = yaml.safe_load(
        (REPO / "app_server" / "backend" / "codex-backend.openapi.yaml").read_text()
    )
    for name in document["components"]["schemas"]:
        assert hasattr(models, name), name
