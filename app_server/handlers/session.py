"""The handshake and the user agent."""

from __future__ import annotations

from app_server_protocol import methods
from app_server_protocol.v1.session import (
    GetUserAgentResponse,
    InitializeParams,
    InitializeResponse,
)

from ..app import RequestContext
from .registry import handles


@handles(methods.INITIALIZE)
def initialize(params: InitializeParams, ctx: RequestContext) -> InitializeResponse:
    session = ctx.app.session
    capabilities = params.capabilities
    opt_out = capabilities.opt_out_notification_methods if capabilities else None
    face = session.initialize(params.client_info.name, params.client_info.version, opt_out)
    ctx.app.outgoing.face = face
    return InitializeResponse(user_agent=session.user_agent)


@handles(methods.GET_USER_AGENT)
def get_user_agent(params: None, ctx: RequestContext) -> GetUserAgentResponse:
    return GetUserAgentResponse(user_agent=ctx.app.session.user_agent)
