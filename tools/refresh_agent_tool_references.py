"""Play the agent tool scenarios against the reference binary again.

Each scenario of ``tests/agent_tool_scenarios.py`` (one model turn making
shell / apply_patch calls, approvals answered as scripted) is played against
``codex app-server`` 0.50.0 with the tests' mock model; what it sent is
saved, normalized, in ``tests/data/agent_tool_events_reference.json``, which
``tests/test_agent_tool_events.py`` compares ours with. It needs
``../shared`` (the reference installer).

    .venv/bin/python tools/refresh_agent_tool_references.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
OUT = REPO / "tests" / "data" / "agent_tool_events_reference.json"

sys.path.insert(0, str(REPO))

from tests.agent_tool_scenarios import SCENARIOS, run_scenario  # noqa: E402
from tests.mock_model_server import MockModelServer  # noqa: E402


def main() -> int:
    installer = SHARED / "tools" / "reference-codex"
    if not installer.exists():
        print(f"{installer} is missing: the reference lives in ../shared", file=sys.stderr)
        return 1
    binary = subprocess.check_output([str(installer)], text=True).strip()
    captured = {}
    for case in SCENARIOS:
        with tempfile.TemporaryDirectory() as root, MockModelServer() as mock:
            captured[case.name] = run_scenario(
                case, Path(root), mock, command=[binary, "app-server"]
            )
        print(f"{case.name}: {len(captured[case.name]['calls'])} call(s)")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(captured, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
