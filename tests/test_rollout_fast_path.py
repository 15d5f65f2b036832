"""Reading a rollout skips, by their heads, the lines a reader does not use;
a file whose lines have another shape (spaced JSON, keys in another order)
is read the slow way and gives the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app_server.conversations.reader import read_rollout
from app_server.conversations.thread_view import read_thread
from app_server.gc_pause import collector_paused
from tests.fresh_interpreter import run_fresh

DATA = Path(__file__).resolve().parent / "data"
ROLLOUTS = [
    DATA / "rollout-0.107.0-extended-history.jsonl",
    DATA / "rollout-0.107.0-rolled-back.jsonl",
]


def respaced(source: Path, target: Path) -> Path:
    """The same records, written with spaces and the payload first."""
    lines = []
    for raw in source.read_bytes().splitlines():
        record = json.loads(raw)
        lines.append(json.dumps({"payload": record.pop("payload"), **record}))
    target.write_text("\n".join(lines) + "\n")
    return target


@pytest.mark.parametrize("rollout", ROLLOUTS, ids=lambda p: p.name)
def test_thread_turns_alike_either_way(rollout: Path, tmp_path: Path) -> None:
    fast = read_thread(rollout, True)
    slow = read_thread(respaced(rollout, tmp_path / rollout.name), True)
    assert [turn.id for turn in fast.turns] == [turn.id for turn in slow.turns]
    assert [[item.model_dump() for item in turn.items] for turn in fast.turns] == [
        [item.model_dump() for item in turn.items] for turn in slow.turns
    ]
    assert fast.preview == slow.preview


@pytest.mark.parametrize("rollout", ROLLOUTS, ids=lambda p: p.name)
def test_resume_reads_alike_either_way(rollout: Path, tmp_path: Path) -> None:
    slow_path = respaced(rollout, tmp_path / rollout.name)
    for events in (True, False, frozenset({"user_message", "agent_message"})):
        fast = read_rollout(rollout, events=events)
        slow = read_rollout(slow_path, events=events)
        assert fast.meta == slow.meta
        assert fast.preview == slow.preview
        assert fast.response_items == slow.response_items
        assert fast.event_msgs == slow.event_msgs
        assert fast.last_turn_context == slow.last_turn_context
    everything = read_rollout(rollout)
    some = read_rollout(rollout, events=frozenset({"user_message"}))
    assert some.event_msgs == [e for e in everything.event_msgs if e.type == "user_message"]
    assert read_rollout(rollout, events=False).event_msgs == []
    assert everything.preview


def test_the_collector_pause_nests_and_restores() -> None:
    import gc

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("rollout", ROLLOUTS, ids=lambda p: p.name)
def test_a_reader_without_events_keeps_the_same_history(rollout: Path, tmp_path: Path) -> None:
    """Without events, lines are read with a smaller validator (no event
    kind but the user message's): the history, the preview, the meta and
    the last turn context are the same, the slow way too."""
    full = read_rollout(rollout, events=True)
    for path in (rollout, respaced(rollout, tmp_path / rollout.name)):
        bare = read_rollout(path, events=False)
        assert bare.event_msgs == []
        assert list(bare.response_items) == list(full.response_items)
        assert (bare.meta, bare.preview) == (full.meta, full.preview)
        assert bare.last_turn_context == full.last_turn_context is not None


def test_a_reader_without_events_never_builds_the_events_validators(tmp_path: Path) -> None:
    script = f"""
import json, os
from pathlib import Path
from app_server.conversations.reader import read_rollout
from app_server_protocol.rollout import rollout_line_adapter
recorded = read_rollout(Path({str(ROLLOUTS[0])!r}), events=False)
json.dump(
    {{"built": rollout_line_adapter.cache_info().currsize, "preview": recorded.preview}},
    open(os.environ["RESULT_OUT"], "w"),
)
"""
    result = run_fresh(script, tmp_path)
    assert result == {"built": 0, "preview": read_rollout(ROLLOUTS[0]).preview}
