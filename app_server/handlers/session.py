"""The handshake and the user agent."""

from __future__ import annotations

from app_server_protocol import methods
from app_server_protocol.v1.session import (
    GetUserAgentResponse,
    InitializeParams,
    InitializeResponse,
)

from ..app import RequestContext
from ..startup_warnings import report_config_problem
from .registry import handles


@handles(methods.INITIALIZE)
def initialize(params: InitializeParams, ctx: RequestContext) -> InitializeResponse:
    session = ctx.session
    capabilities = params.capabilities
    opt_out = capabilities.opt_out_notification_methods if capabilities else None
    face = session.initialize(params.client_info.name, params.client_info.version, opt_out)
    ctx.outgoing.face = face
    ctx.outgoing.initialized = True
    if not ctx.app.session.initialized:
        # The first client names the daemon's requests to the model.
        ctx.app.session = session
    ctx.after_response(lambda: report_config_problem(ctx.app, ctx.outgoing))
    return InitializeResponse(user_agent=session.user_agent)


@handles(methods.GET_USER_AGENT)
def get_user_agent(params: None, ctx: RequestContext) -> GetUserAgentResponse:
    return GetUserAgentResponse(user_agent=ctx.session.user_agent)
