"""Ask the 0.107.0 reference how it shows and reads shell commands.

Rewrites two captures under tests/tools/fixtures (see its README):

- ``shell_quoting_reference.json``: words and how the reference writes
  ``["xx", WORD]`` as one command line (the ``cmd`` of its ``parsed_cmd``,
  the same join as a v2 item's ``command``).
- ``shell_wrapper_reference.json``: shell invocations (``SHELL -lc SCRIPT``
  with other shells, paths and flags): their ``parsed_cmd``, whether they ran
  without asking under ``untrusted`` (known safe), whether ``on-request``
  asked about them (destructive-looking) and whether a heredoc feeding
  ``apply_patch`` was taken as a patch.

It drives ``codex app-server`` with ``refresh_tool_references``'s helpers
(``../shared``, or ``$APP_SERVER_SHARED``, is needed) and refuses to run against another version.

    .venv/bin/python tools/refresh_shell_references.py
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import refresh_tool_references as ref
from refresh_tool_references import load, mm, reference_binary, run_turn, save, scratch_tree

VERSION = "0.107.0"


def refresh_quoting() -> None:
    cases = load("shell_quoting_reference.json")
    calls = [mm.ev_shell_call(f"c{i}", ["xx", c["word"]], None, 3000) for i, c in enumerate(cases)]
    seen = run_turn(calls, approval="never", sandbox="danger-full-access", cwd=scratch_tree())
    for i, case in enumerate(cases):
        case["joined"] = seen[f"c{i}"]["exec_command_begin"][0]["parsed_cmd"][0]["cmd"]
    save("shell_quoting_reference.json", cases)


def _took_as_patch(events: dict[str, Any]) -> bool:
    return "apply_patch_approval_request" in events or "patch_apply_begin" in events


def refresh_wrappers() -> None:
    cases = load("shell_wrapper_reference.json")
    calls = [mm.ev_shell_call(f"c{i}", c["argv"], None, 3000) for i, c in enumerate(cases)]
    untrusted = run_turn(calls, approval="untrusted", sandbox="read-only", cwd=scratch_tree())
    on_request = run_turn(
        calls, approval="on-request", sandbox="workspace-write", cwd=scratch_tree()
    )
    for i, case in enumerate(cases):
        events = untrusted[f"c{i}"]
        patch = _took_as_patch(events)
        asked = events.get("exec_approval_request", [])
        first = (asked or events.get("exec_command_begin", [{}]))[0]
        case["parsed_cmd"] = None if patch else first["parsed_cmd"]
        # An approval asked with a reason is the offer to retry a command the
        # sandbox stopped: the command itself ran without asking.
        case["known_safe"] = None if patch else not any(a.get("reason") is None for a in asked)
        other = on_request[f"c{i}"].get("exec_approval_request", [])
        case["on_request_asks"] = None if patch else any(a.get("reason") is None for a in other)
        case["patch"] = patch
    save("shell_wrapper_reference.json", cases)


def main() -> int:
    if not ref.SHARED.is_dir():
        print(f"{ref.SHARED} is missing: the reference lives there", file=sys.stderr)
        return 1
    version = subprocess.check_output([reference_binary(), "--version"], text=True).split()[-1]
    if version != VERSION:
        print(f"these captures are from {VERSION}, not {version}", file=sys.stderr)
        return 1
    refresh_quoting()
    refresh_wrappers()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
