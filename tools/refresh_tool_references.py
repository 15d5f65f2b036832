"""Ask the reference binary again for everything in tests/tools/fixtures.

The fixtures hold inputs (commands, patches, file contents) and what the
reference answered. This script keeps the inputs and replaces the answers by
driving ``codex app-server`` (the version ``../shared/tools/reference-codex``
installs, 0.107.0 unless ``CODEX_REFERENCE_VERSION`` names another) with the
conformance suite's mock model (each command or patch is a tool call of one
model turn), and by running its ``apply_patch`` program directly. It needs
``../shared`` (the reference and its tooling); it prints which fixtures
changed. To add a case, append its input to the fixture (with any answer) and
run the script again.

    .venv/bin/python tools/refresh_tool_references.py            # every fixture
    .venv/bin/python tools/refresh_tool_references.py commands   # parsed_cmd and approvals only

Groups: ``commands`` (parse_command, known_safe, on_request) and
``apply_patch`` (apply_patch_cli and diff).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("APP_SERVER_SHARED") or REPO.parent / "shared")
FIXTURES = REPO / "tests" / "tools" / "fixtures"
CAPTURE = SHARED / "reference" / "codex-0.50.0" / "capture"

sys.path[:0] = [str(CAPTURE), str(SHARED / "conformance")]

import mock_model as mm  # noqa: E402  (from ../shared)
from drive import Daemon  # noqa: E402  (from ../shared)

Json = Any


def reference_binary() -> str:
    return subprocess.check_output([str(SHARED / "tools" / "reference-codex")], text=True).strip()


def load(name: str) -> Json:
    data = (FIXTURES / name).read_bytes()
    return json.loads(gzip.decompress(data) if name.endswith(".gz") else data)


def save(name: str, value: Json) -> None:
    text = json.dumps(value, indent=0 if not name.endswith(".gz") else None, ensure_ascii=False)
    data = text.encode() if not name.endswith(".gz") else gzip.compress(text.encode(), mtime=0)
    old = (FIXTURES / name).read_bytes() if (FIXTURES / name).exists() else b""
    changed = (gzip.decompress(old) if old and name.endswith(".gz") else old) != text.encode()
    (FIXTURES / name).write_bytes(data)
    print(f"{name}: {'CHANGED' if changed else 'unchanged'}")


def run_turn(
    calls: list[Json],
    *,
    approval: str,
    sandbox: str,
    cwd: str,
    decision: str = "denied",
) -> dict[str, dict[str, Any]]:
    """One model turn making ``calls`` (mock SSE events); the events seen per call id."""
    mock = mm.MockModel().start()
    home = tempfile.mkdtemp()
    Path(home, "config.toml").write_text(
        f'model = "mock-model"\napproval_policy = "{approval}"\nsandbox_mode = "{sandbox}"\n'
        'model_provider = "mock"\n[model_providers.mock]\nname = "mock"\n'
        f'base_url = "http://127.0.0.1:{mock.port}/v1"\nwire_api = "responses"\n'
        "request_max_retries = 0\nstream_max_retries = 0\n"
    )
    daemon = Daemon(home, cwd=cwd)
    seen: dict[str, dict[str, Any]] = {}
    try:
        daemon.req(1, "initialize", {"clientInfo": {"name": "refresh", "version": "1"}})
        conversation = daemon.req(2, "newConversation", {"cwd": cwd})[-1]["result"]
        cid = conversation["conversationId"]
        daemon.req(3, "addConversationListener", {"conversationId": cid})
        mock.enqueue(mm.sse([mm.ev_created(), *calls, mm.ev_completed()]))
        mock.enqueue(mm.reply_message("done"))
        items = [{"type": "text", "data": {"text": "go"}}]
        daemon.send(
            {
                "id": 4,
                "method": "sendUserMessage",
                "params": {"conversationId": cid, "items": items},
            }
        )
        deadline = time.time() + 600
        done = False
        while not done and time.time() < deadline:
            for message in daemon.recv_until(lambda m: True, timeout=1):
                if message.get("method") in ("execCommandApproval", "applyPatchApproval"):
                    daemon.send({"id": message["id"], "result": {"decision": decision}})
                    continue
                msg = message.get("params", {}).get("msg")
                if not message.get("method", "").startswith("codex/event/") or msg is None:
                    continue
                if msg["type"] == "task_complete":
                    done = True
                if "call_id" in msg:
                    seen.setdefault(msg["call_id"], {}).setdefault(msg["type"], []).append(msg)
        for request in mock.requests[1:]:
            for item in (request.body or {}).get("input", []):
                if item.get("type") == "function_call_output" and item["call_id"] in seen:
                    seen[item["call_id"]]["output"] = item["output"]
    finally:
        daemon.close()
        mock.stop()
        shutil.rmtree(home, ignore_errors=True)
    return seen


def scratch_tree() -> str:
    work = tempfile.mkdtemp()
    Path(work, "src").mkdir()
    for name in ("a.txt", "src/main.rs", "README.md"):
        Path(work, name).write_text("hello\nworld\n")
    return work


def refresh_commands() -> None:
    parse = load("parse_command_reference.json")
    safe = load("known_safe_reference.json")
    argvs = [c["argv"] for c in parse]
    calls = [mm.ev_shell_call(f"c{i}", argv, None, 3000) for i, argv in enumerate(argvs)]
    seen = run_turn(calls, approval="untrusted", sandbox="read-only", cwd=scratch_tree())
    by_argv: dict[str, Json] = {}
    for i, argv in enumerate(argvs):
        events = seen[f"c{i}"]
        asked = events.get("exec_approval_request", [])
        first = (asked or events["exec_command_begin"])[0]
        by_argv[json.dumps(argv)] = {
            "parsed_cmd": first["parsed_cmd"],
            "known_safe": not any(a.get("reason") is None for a in asked),
        }

    def answer(argv: list[str], key: str) -> Json:
        return by_argv[json.dumps(argv)][key]

    save(
        "parse_command_reference.json",
        [{"argv": c["argv"], "parsed_cmd": answer(c["argv"], "parsed_cmd")} for c in parse],
    )
    save(
        "known_safe_reference.json",
        [{"argv": c["argv"], "known_safe": answer(c["argv"], "known_safe")} for c in safe],
    )
    on_request = load("on_request_reference.json")
    calls = [mm.ev_shell_call(f"c{i}", c["argv"], None, 3000) for i, c in enumerate(on_request)]
    seen = run_turn(calls, approval="on-request", sandbox="workspace-write", cwd=scratch_tree())
    save(
        "on_request_reference.json",
        [
            {
                "argv": c["argv"],
                "asks": any(
                    a.get("reason") is None for a in seen[f"c{i}"].get("exec_approval_request", [])
                ),
            }
            for i, c in enumerate(on_request)
        ],
    )


def refresh_apply_patch() -> None:
    tool_dir = Path(tempfile.mkdtemp())
    (tool_dir / "apply_patch").symlink_to(reference_binary())
    cases = load("apply_patch_cli_reference.json")
    for case in cases:
        work = Path(tempfile.mkdtemp())
        for name, content in case["files"].items():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_bytes(content.encode())
        done = subprocess.run(
            [str(tool_dir / "apply_patch"), case["patch"]], cwd=work, capture_output=True, text=True
        )
        after = {}
        for folder, _, names in os.walk(work):
            for name in names:
                path = Path(folder) / name
                with path.open(encoding="utf-8", errors="replace") as file:
                    after[str(path.relative_to(work))] = file.read()
        case.update(
            exit_code=done.returncode, stdout=done.stdout, stderr=done.stderr, files_after=after
        )
        shutil.rmtree(work)
    save("apply_patch_cli_reference.json", cases)

    diffs = load("diff_reference.json.gz")
    work = tempfile.mkdtemp()
    hunks = []
    for i, case in enumerate(diffs):
        Path(work, f"f{i}.txt").write_text(case["old"])
        old_lines = case["old"].splitlines()
        body = "".join(f"-{line}\n" for line in old_lines)
        body += "".join(f"+{line}\n" for line in case["new"].splitlines())
        hunks.append(f"*** Update File: f{i}.txt\n@@\n{body}")
    text = "*** Begin Patch\n" + "".join(hunks) + "*** End Patch"
    seen = run_turn(
        [mm.ev_shell_call("p", ["apply_patch", text], None, 10_000)],
        approval="never",
        sandbox="danger-full-access",
        cwd=work,
    )
    changes = seen["p"]["patch_apply_begin"][0]["changes"]
    for i, case in enumerate(diffs):
        change = changes[f"{work}/f{i}.txt"]
        # 0.50.0 nests an update as {"update": {...}}, 0.107.0 tags it {"type": "update", ...}.
        case["unified_diff"] = change.get("update", change)["unified_diff"]
    save("diff_reference.json.gz", diffs)


def main() -> int:
    if not SHARED.is_dir():
        print(f"{SHARED} is missing: the reference and its tooling live there", file=sys.stderr)
        return 1
    groups = {
        "commands": refresh_commands,
        "apply_patch": refresh_apply_patch,
    }
    chosen = sys.argv[1:] or list(groups)
    unknown = [name for name in chosen if name not in groups]
    if unknown:
        print(f"unknown group(s) {unknown}; choose from {list(groups)}", file=sys.stderr)
        return 2
    for name in chosen:
        groups[name]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
