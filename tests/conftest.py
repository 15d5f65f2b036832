from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness.stdio import OFFLINE_BASE_URL, OFFLINE_ENV, DaemonClient
from tests.mock_model_server import MockModelServer


@pytest.fixture(autouse=True)
def _offline_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process daemons never reach the real OpenAI API either."""
    monkeypatch.setenv("OPENAI_BASE_URL", OFFLINE_BASE_URL)
    # Nor the identity provider: sign-ins and token refreshes go to a refused
    # loopback port unless the test points them elsewhere (or mocks them).
    for name, value in OFFLINE_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def codex_home(tmp_path: Path) -> Path:
    home = tmp_path / "codex_home"
    home.mkdir()
    return home


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    return work


@pytest.fixture
def spawn(codex_home: Path, workdir: Path) -> Iterator[Callable[..., DaemonClient]]:
    """Start real daemons (same CODEX_HOME); each is killed at the end of the test."""
    started: list[DaemonClient] = []

    def start(*, initialize: bool = True, **kw: Any) -> DaemonClient:
        kw.setdefault("cwd", workdir)
        client = DaemonClient(codex_home, **kw)
        started.append(client)
        if initialize:
            client.initialize()
        return client

    yield start
    for client in started:
        client.kill()


@pytest.fixture
def mock_model() -> Iterator[MockModelServer]:
    """A local model provider (see tests/mock_model_server.py); point a daemon
    at it with ``write_mock_config(codex_home, mock_model, ...)``."""
    with MockModelServer() as server:
        yield server


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
