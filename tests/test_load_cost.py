"""What keeps loading the full server cheap stays in place.

Loading (`server._load_server`) makes the protocol's models, and the first
request after an idle start waits for it: the envelope models of the method
table are made on first use, the protocol's annotations are evaluated when
their module runs (no postponed annotations: pydantic would otherwise compile
and evaluate each one as a string), and full garbage collections wait until
the load is done. Checks that need a fresh interpreter run in one.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import typing
from pathlib import Path

from app_server import warmup
from app_server_protocol import methods
from tests.fresh_interpreter import REPO, run_fresh

_AFTER_LOADING = """
import gc, json, os, sys
from app_server import server
from app_server_protocol import methods

thresholds = gc.get_threshold()
server._load_server()
envelopes = {
    name: list(getattr(methods, name)._made)
    for name in ("CLIENT_REQUEST_MODELS", "SERVER_REQUEST_MODELS",
                 "SERVER_NOTIFICATION_MODELS", "CLIENT_NOTIFICATION_MODELS")
}
facts = {
    "envelopes": envelopes,
    "unions": [n for n in ("ClientRequest", "ServerRequest", "ServerNotification",
                           "ClientNotification") if n in vars(methods)],
    "collecting": gc.isenabled(),
    "thresholds_restored": gc.get_threshold() == thresholds,
    "frozen": gc.get_freeze_count(),
}
with open(os.environ["RESULT_OUT"], "w") as out:
    json.dump(facts, out)
"""


def _facts_after_loading(tmp_path: Path) -> dict[str, object]:
    facts: dict[str, object] = run_fresh(_AFTER_LOADING, tmp_path)
    return facts


def test_loading_makes_only_the_envelopes_of_the_warmed_requests(tmp_path: Path) -> None:
    facts = _facts_after_loading(tmp_path)
    assert facts["envelopes"] == {
        "CLIENT_REQUEST_MODELS": [row.method for row in warmup.TURN_REQUESTS],
        "SERVER_REQUEST_MODELS": [],
        "SERVER_NOTIFICATION_MODELS": [],
        "CLIENT_NOTIFICATION_MODELS": [],
    }
    assert facts["unions"] == []


def test_loading_leaves_the_collector_as_it_was_with_its_objects_frozen(tmp_path: Path) -> None:
    facts = _facts_after_loading(tmp_path)
    assert facts["collecting"] is True
    assert facts["thresholds_restored"] is True
    frozen = facts["frozen"]
    assert isinstance(frozen, int) and frozen > 10_000


def test_envelopes_are_made_once_in_the_table_s_order() -> None:
    envelopes = methods.Envelopes(methods.SERVER_NOTIFICATIONS)
    first = envelopes["turn/started"]
    assert envelopes["turn/started"] is first
    assert list(envelopes) == [row.method for row in methods.SERVER_NOTIFICATIONS]
    assert len(envelopes) == len(methods.SERVER_NOTIFICATIONS)
    assert first.model_fields["params"].annotation is methods.TURN_STARTED.params


def test_the_message_unions_are_made_on_first_use_from_every_envelope() -> None:
    union = methods.ServerRequest
    assert methods.ServerRequest is union
    members = typing.get_args(typing.get_args(union.__value__)[0])
    assert members == tuple(methods.SERVER_REQUEST_MODELS.values())


def test_protocol_annotations_are_not_postponed() -> None:
    package = REPO / "app_server_protocol"
    postponing = []
    for path in sorted(package.rglob("*.py")):
        if {"export", "client"} & set(path.relative_to(package).parts):
            continue  # neither defines wire models
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(
            isinstance(node, ast.ImportFrom)
            and node.module == "__future__"
            and any(alias.name == "annotations" for alias in node.names)
            for node in tree.body
        ):
            postponing.append(str(path.relative_to(REPO)))
    assert postponing == []


def test_httpx_is_imported_without_its_command_line() -> None:
    # Whichever module of the daemon imports httpx first (here the remote
    # models' fetch, not the model client).
    script = (
        "import sys\n"
        "import app_server.remote_models\n"
        "import httpx\n"
        "print(sys.modules.get('httpx._main') is None, 'click' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, check=True, capture_output=True, text=True
    )
    assert done.stdout.split() == ["True", "False"]
