"""Ask the reference binary again what a model request carries for each model.

For every model slug in ``MODELS`` this starts ``codex app-server`` 0.107.0
with a fresh CODEX_HOME whose config names the model and points the provider
at the tests' mock model server, runs one turn on a v2 thread (and, for
``V1_MODELS``, one on a v1 conversation), and keeps the request body's
fields other than ``input`` and ``instructions`` (those two hold the
reference's prompts and the temporary paths; only their presence is kept).
The result is ``tests/fixtures/model_requests_0.107.0.json``.

    .venv/bin/python tools/refresh_model_request_references.py [--ours]

``--ours`` drives our daemon instead and prints where it differs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("APP_SERVER_SHARED") or REPO.parent / "shared")
FIXTURE = REPO / "tests" / "fixtures" / "model_requests_0.107.0.json"

sys.path.insert(0, str(REPO))

from tests.harness.stdio import DaemonClient  # noqa: E402
from tests.mock_model_server import (  # noqa: E402
    MockModelServer,
    assistant_message,
    write_mock_config,
)
from tests.model_request_variants import (  # noqa: E402
    MODELS,
    V1_MODELS,
    VARIANTS,
    initialize,
    kept_fields,
    run_v1_turn,
    run_v2_turn,
)

Json = Any


def reference_command() -> list[str]:
    binary = subprocess.check_output([str(SHARED / "tools" / "reference-codex")], text=True)
    return [binary.strip(), "app-server"]


def capture(
    model: str,
    api: str,
    command: list[str] | None,
    *,
    extra: str = "",
    sandbox: str = "danger-full-access",
) -> Json:
    with tempfile.TemporaryDirectory() as tmp, MockModelServer() as mock:
        home, cwd = Path(tmp) / "home", Path(tmp) / "work"
        home.mkdir()
        cwd.mkdir()
        write_mock_config(home, mock, model=model, extra=extra, sandbox_mode=sandbox)
        mock.enqueue(assistant_message("done"))
        client = DaemonClient(home, cwd=cwd, command=command)
        try:
            initialize(client)
            (run_v2_turn if api == "v2" else run_v1_turn)(client, cwd)
        finally:
            client.kill()
        return kept_fields(mock.last_model_request.body)


def capture_all(command: list[str] | None) -> Json:
    captures: Json = {}
    for model in MODELS:
        for api in ("v2", "v1") if model in V1_MODELS else ("v2",):
            print(f"{model} {api}", file=sys.stderr)
            captures[f"{model} {api}"] = capture(model, api, command)
    for name, (model, extra, sandbox) in VARIANTS.items():
        print(name, file=sys.stderr)
        captures[name] = capture(model, "v2", command, extra=extra, sandbox=sandbox)
    return captures


def main() -> None:
    if "--ours" in sys.argv:
        ours = capture_all(None)
        reference = json.loads(FIXTURE.read_text())["requests"]
        for key, body in ours.items():
            if body != reference.get(key):
                print(f"DIFFERS: {key}")
        Path(tempfile.gettempdir(), "model_requests_ours.json").write_text(
            json.dumps(ours, indent=1)
        )
        return
    captures = capture_all(reference_command())
    FIXTURE.write_text(
        json.dumps({"version": "0.107.0", "requests": captures}, indent=1) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {FIXTURE.relative_to(REPO)}")


if __name__ == "__main__":
    main()
