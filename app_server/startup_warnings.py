"""``configWarning``: a `config.toml` that cannot be used is reported once,
after the ``initialize`` reply, as the reference does: right after it when
the full server answers it (or the TOML cannot even be read), else, since
the full server loads when a request needs it, before its first answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from app_server_protocol import methods
from app_server_protocol.v2.common import TextPosition, TextRange
from app_server_protocol.v2.notifications import ConfigWarningNotification

from .config.load_warnings import SUMMARY, config_problem
from .logs import log

if TYPE_CHECKING:
    from .app import App
    from .outgoing import Outgoing


async def report_config_problem(app: App, client: Outgoing) -> None:
    """Tell ``client`` (which has just introduced itself) what is wrong with config.toml."""
    try:
        problem = await anyio.to_thread.run_sync(config_problem, app.config.codex_home)
    except Exception:  # a report must never take the daemon down
        log.exception("could not check config.toml")
        return
    if problem is None:
        return
    where = None
    if problem.line is not None and problem.column is not None:
        position = TextPosition(line=problem.line, column=problem.column)
        where = TextRange(start=position, end=position)
    warning = ConfigWarningNotification(
        summary=SUMMARY, details=problem.details, path=str(problem.path), range=where
    )
    await client.notify(methods.CONFIG_WARNING, warning)
