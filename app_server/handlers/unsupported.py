"""Methods of the protocol this daemon does not serve: one handler answers
them all with an error that names the method and says why."""

from __future__ import annotations

from typing import NoReturn

from app_server_protocol.methods import CLIENT_REQUESTS

from ..app import RequestContext
from ..errors import InvalidRequest
from .registry import register


def refuse(params: object, ctx: RequestContext) -> NoReturn:
    row = ctx.row
    raise InvalidRequest(row.unsupported or f"{row.method} is not supported by this app-server")


for _row in CLIENT_REQUESTS:
    if _row.unsupported is not None:
        register(_row, refuse)
