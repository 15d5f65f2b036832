"""mypy --strict rejects a handler whose types differ from its row's: the
table's type arguments reach every ``@handles(row)`` registration and every
``outgoing.notify`` / ``outgoing.request`` call.

The snippets are checked in one mypy run (checking the daemon's modules they
import takes most of the time)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")

REPO = Path(__file__).resolve().parent.parent

HEADER = """\
from app_server.app import RequestContext
from app_server.handlers.registry import handles
from app_server.outgoing import Outgoing
from app_server_protocol import methods
from app_server_protocol.v1.approvals import ExecCommandApprovalParams
from app_server_protocol.v1.auth import AuthStatusChangeNotification
from app_server_protocol.v2.models import ModelListParams, ModelListResponse
from app_server_protocol.v1.session import GetUserAgentResponse as Agent
"""

SNIPPETS = {
    "well_typed": """
        @handles(methods.MODEL_LIST)
        def list_models(params: ModelListParams, ctx: RequestContext) -> ModelListResponse:
            return ModelListResponse(data=[])


        @handles(methods.GET_USER_AGENT)
        async def user_agent(params: None, ctx: RequestContext) -> Agent:
            return Agent(user_agent="x")


        async def announce(outgoing: Outgoing, params: ExecCommandApprovalParams) -> None:
            await outgoing.notify(methods.AUTH_STATUS_CHANGE, AuthStatusChangeNotification())
            answer = await outgoing.request(methods.EXEC_COMMAND_APPROVAL, params)
            reveal_type(answer)
        """,
    "wrong_result": """
        @handles(methods.MODEL_LIST)
        async def list_models(params: ModelListParams, ctx: RequestContext) -> Agent:
            return Agent(user_agent="x")
        """,
    "wrong_params": """
        @handles(methods.GET_USER_AGENT)
        def user_agent(params: ModelListParams, ctx: RequestContext) -> Agent:
            return Agent(user_agent="x")
        """,
    "wrong_notification": """
        async def announce(outgoing: Outgoing, params: ExecCommandApprovalParams) -> None:
            await outgoing.notify(methods.AUTH_STATUS_CHANGE, params)
        """,
}


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """mypy's messages about each snippet, by snippet name."""
    folder = tmp_path_factory.mktemp("snippets")
    for name, body in SNIPPETS.items():
        (folder / f"{name}.py").write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    stdout, stderr, _ = mypy_api.run(
        [
            "--strict",
            "--cache-dir",
            str(folder / ".mypy_cache"),
            "--config-file",
            str(REPO / "pyproject.toml"),
            *(str(folder / f"{name}.py") for name in SNIPPETS),
        ]
    )
    messages: dict[str, str] = {name: "" for name in SNIPPETS}
    for line in (stdout + stderr).splitlines():
        found = re.match(r".*?(\w+)\.py:\d+: (.*)", line)
        if found and found.group(1) in messages:
            messages[found.group(1)] += found.group(2) + "\n"
    return messages


def test_a_handler_of_the_row_s_types_is_accepted(mypy_errors: dict[str, str]) -> None:
    notes = mypy_errors["well_typed"]
    assert "error:" not in notes, notes
    # What a server request answers is typed by its row.
    expected = "app_server_protocol.v1.approvals.ExecCommandApprovalResponse"
    assert f'Revealed type is "{expected}"' in notes


def test_a_handler_with_the_wrong_result_is_rejected(mypy_errors: dict[str, str]) -> None:
    errors = mypy_errors["wrong_result"]
    assert "incompatible type" in errors
    assert (
        "Callable[[ModelListParams, RequestContext], Coroutine[Any, Any, GetUserAgentResponse]]"
        in errors
    )
    assert "Awaitable[ModelListResponse] | ModelListResponse" in errors


def test_a_handler_with_the_wrong_params_is_rejected(mypy_errors: dict[str, str]) -> None:
    errors = mypy_errors["wrong_params"]
    assert "incompatible type" in errors
    assert "Callable[[None, RequestContext]" in errors


def test_a_notification_with_the_wrong_params_is_rejected(mypy_errors: dict[str, str]) -> None:
    assert '"notify" of "Outgoing"' in mypy_errors["wrong_notification"]
