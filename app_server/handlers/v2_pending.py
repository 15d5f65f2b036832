"""v2 methods whose behaviour is not built yet (threads and turns come with
the v2 face of the conversations): each is answered with an error that names
the method and says so. Serving one means registering its own handler and
taking its row out of `PENDING` (a test checks every row has one handler)."""

from __future__ import annotations

from typing import Any, Final, NoReturn

from app_server_protocol import methods
from app_server_protocol.methods import ClientMethod

from ..app import RequestContext
from ..errors import InvalidRequest
from .registry import register

PENDING: Final[tuple[ClientMethod[Any, Any], ...]] = (methods.REVIEW_START,)


def not_served_yet(params: object, ctx: RequestContext) -> NoReturn:
    raise InvalidRequest(f"{ctx.row.method} is not served yet by this app-server")


for _row in PENDING:
    register(_row, not_served_yet)
