"""The Codex patch format: read it, plan it, write it all-or-nothing, diff it.

Typical use (blocking steps through `anyio.to_thread`)::

    invocation = find_patch_invocation(argv)          # shell tool: is it a patch?
    plan = plan_patch(patch_text, cwd)                # PatchParseError / PatchApplyError
    plan.changes                                      # FileChange values for events
    tracker.on_patch_begin(plan.changes)              # before writing (turn_diff)
    apply_plan(plan, writable_roots=roots)            # PatchWriteError, nothing changed
    plan.summary()                                    # "Success. Updated the following files:..."

Errors read as the reference's once prefixed with `VERIFICATION_FAILED`.
"""

from typing import Final

from .invocation import PatchInvocation, find_patch_invocation
from .parser import AddFile, DeleteFile, Hunk, PatchParseError, UpdateChunk, UpdateFile, parse_patch
from .plan import PatchApplyError, PatchPlan, PlannedFile, apply_chunks, plan_hunks, plan_patch
from .textdiff import unified_diff
from .turn_diff import TurnDiffTracker
from .writer import PatchWriteError, apply_plan

#: What the model's message starts with when a patch does not parse or apply.
VERIFICATION_FAILED: Final = "apply_patch verification failed: "

__all__ = [
    "VERIFICATION_FAILED",
    "AddFile",
    "DeleteFile",
    "Hunk",
    "PatchApplyError",
    "PatchInvocation",
    "PatchParseError",
    "PatchPlan",
    "PatchWriteError",
    "PlannedFile",
    "TurnDiffTracker",
    "UpdateChunk",
    "UpdateFile",
    "apply_chunks",
    "apply_plan",
    "find_patch_invocation",
    "parse_patch",
    "plan_hunks",
    "plan_patch",
    "unified_diff",
]
