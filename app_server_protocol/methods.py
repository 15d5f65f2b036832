"""THE method table: every request and notification of the protocol, with the
models of its params and its result.

Everything else is derived from these four tuples: the `ClientRequest` /
`ServerRequest` / `ServerNotification` / `ClientNotification` unions below, the
daemon's dispatch and params validation (`app_server.processor`), the
TypeScript and JSON Schema export, and the test that every client method has a
handler. Adding a method means adding a row here and a handler in the daemon.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal, Union

from pydantic import ConfigDict, Field, create_model
from typing_extensions import TypeAliasType

from ._base import ProtocolModel
from .events import CodexEventNotification
from .jsonrpc import RequestId
from .usage import AccountRateLimitsUpdatedNotification
from .v1 import approvals, auth, config, conversations, session, workspace


@dataclass(frozen=True)
class Request:
    """A request: its method name, its params type (None: it takes no params)
    and its result type."""

    method: str
    params: Any
    result: Any
    doc: str = ""


@dataclass(frozen=True)
class Notification:
    """A notification: its method name and its params type (None: no params)."""

    method: str
    params: Any
    doc: str = ""


CLIENT_REQUESTS: Final[tuple[Request, ...]] = (
    Request(
        "model/list",
        config.ListModelsParams,
        config.ListModelsResponse,
        "The models the daemon offers, one page at a time.",
    ),
    Request(
        "account/login/start",
        auth.LoginAccountParams,
        auth.LoginAccountResponse,
        "Sign in with an API key, or start a ChatGPT login in the browser.",
    ),
    Request("account/logout", None, auth.LogoutAccountResponse, "Sign out."),
    Request(
        "account/rateLimits/read",
        None,
        auth.GetAccountRateLimitsResponse,
        "The ChatGPT account's current rate limits.",
    ),
    Request(
        "account/read", auth.GetAccountParams, auth.GetAccountResponse, "The signed-in account."
    ),
    Request(
        "initialize",
        session.InitializeParams,
        session.InitializeResponse,
        "The handshake; it must come first.",
    ),
    Request(
        "newConversation",
        conversations.NewConversationParams,
        conversations.NewConversationResponse,
        "Start a conversation.",
    ),
    Request(
        "getConversationSummary",
        conversations.GetConversationSummaryParams,
        conversations.GetConversationSummaryResponse,
        "The summary of one recorded conversation, by its rollout file or its id.",
    ),
    Request(
        "listConversations",
        conversations.ListConversationsParams,
        conversations.ListConversationsResponse,
        "Recorded conversations, newest first, one page at a time.",
    ),
    Request(
        "resumeConversation",
        conversations.ResumeConversationParams,
        conversations.ResumeConversationResponse,
        "Load a recorded conversation to continue it.",
    ),
    Request(
        "forkConversation",
        conversations.ForkConversationParams,
        conversations.ForkConversationResponse,
        "Start a conversation from a copy of a recorded one.",
    ),
    Request(
        "archiveConversation",
        conversations.ArchiveConversationParams,
        conversations.ArchiveConversationResponse,
        "Shut a conversation down and move its rollout file to `archived_sessions`.",
    ),
    Request(
        "sendUserMessage",
        conversations.SendUserMessageParams,
        conversations.SendUserMessageResponse,
        "Send a user turn with the conversation's current settings.",
    ),
    Request(
        "sendUserTurn",
        conversations.SendUserTurnParams,
        conversations.SendUserTurnResponse,
        "Send a user turn with new settings.",
    ),
    Request(
        "interruptConversation",
        conversations.InterruptConversationParams,
        conversations.InterruptConversationResponse,
        "Stop the running turn.",
    ),
    Request(
        "addConversationListener",
        conversations.AddConversationListenerParams,
        conversations.AddConversationSubscriptionResponse,
        "Receive the conversation's events as `codex/event/*` notifications.",
    ),
    Request(
        "removeConversationListener",
        conversations.RemoveConversationListenerParams,
        conversations.RemoveConversationSubscriptionResponse,
        "Stop receiving a conversation's events.",
    ),
    Request(
        "gitDiffToRemote",
        workspace.GitDiffToRemoteParams,
        workspace.GitDiffToRemoteResponse,
        "The diff from the closest remote commit to the working tree.",
    ),
    Request(
        "loginApiKey",
        auth.LoginApiKeyParams,
        auth.LoginApiKeyResponse,
        "Save an API key as the credentials.",
    ),
    Request(
        "loginChatGpt",
        None,
        auth.LoginChatGptResponse,
        "Start a ChatGPT login in the browser.",
    ),
    Request(
        "cancelLoginChatGpt",
        auth.CancelLoginChatGptParams,
        auth.CancelLoginChatGptResponse,
        "Stop a ChatGPT login in progress.",
    ),
    Request("logoutChatGpt", None, auth.LogoutChatGptResponse, "Remove the saved credentials."),
    Request(
        "getAuthStatus",
        auth.GetAuthStatusParams,
        auth.GetAuthStatusResponse,
        "How the daemon is signed in.",
    ),
    Request(
        "getUserSavedConfig",
        None,
        config.GetUserSavedConfigResponse,
        "The settings saved in `config.toml`.",
    ),
    Request(
        "setDefaultModel",
        config.SetDefaultModelParams,
        config.SetDefaultModelResponse,
        "Save the default model and reasoning effort in `config.toml`.",
    ),
    Request("getUserAgent", None, session.GetUserAgentResponse, "The daemon's user agent."),
    Request("userInfo", None, session.UserInfoResponse, "The signed-in user's email."),
    Request(
        "fuzzyFileSearch",
        workspace.FuzzyFileSearchParams,
        workspace.FuzzyFileSearchResponse,
        "Files whose path matches a fuzzy query.",
    ),
    Request(
        "execOneOffCommand",
        workspace.ExecOneOffCommandParams,
        workspace.ExecOneOffCommandResponse,
        "Run a command in the sandbox and return its output.",
    ),
)

SERVER_REQUESTS: Final[tuple[Request, ...]] = (
    Request(
        "applyPatchApproval",
        approvals.ApplyPatchApprovalParams,
        approvals.ApplyPatchApprovalResponse,
        "Ask the user whether a patch may be applied.",
    ),
    Request(
        "execCommandApproval",
        approvals.ExecCommandApprovalParams,
        approvals.ExecCommandApprovalResponse,
        "Ask the user whether a command may run.",
    ),
)

SERVER_NOTIFICATIONS: Final[tuple[Notification, ...]] = (
    Notification(
        "account/rateLimits/updated",
        AccountRateLimitsUpdatedNotification,
        "The account's rate limits changed (after each model response).",
    ),
    Notification(
        "authStatusChange",
        auth.AuthStatusChangeNotification,
        "The daemon signed in or out.",
    ),
    Notification(
        "loginChatGptComplete",
        auth.LoginChatGptCompleteNotification,
        "A ChatGPT login finished.",
    ),
    Notification(
        "sessionConfigured",
        conversations.SessionConfiguredNotification,
        "A conversation is ready.",
    ),
)

CLIENT_NOTIFICATIONS: Final[tuple[Notification, ...]] = (
    Notification("initialized", None, "The client has processed the `initialize` reply."),
)

#: The prefix of conversation event notifications (``codex/event/<type>``).
CODEX_EVENT_PREFIX: Final = "codex/event/"
#: Their params (not part of `ServerNotification`, as in the reference).
CODEX_EVENT_PARAMS: Final = CodexEventNotification

CLIENT_REQUESTS_BY_METHOD: Final[dict[str, Request]] = {r.method: r for r in CLIENT_REQUESTS}
SERVER_REQUESTS_BY_METHOD: Final[dict[str, Request]] = {r.method: r for r in SERVER_REQUESTS}


# --------------------------------------------------------------------------
# The unions, derived from the table
# --------------------------------------------------------------------------


class NoParams(ProtocolModel):
    """The params of a method that takes none: absent, null or ``{}``."""

    model_config = ConfigDict(extra="forbid")


def _literal(value: str) -> Any:
    return Literal[value]


def _type_name(method: str) -> str:
    """``account/rateLimits/read`` -> ``AccountRateLimitsRead``."""
    return "".join(part[:1].upper() + part[1:] for part in method.split("/"))


def _envelope(row: Request | Notification) -> type[ProtocolModel]:
    """The model of a whole message of one row: method, id (requests only), params."""
    fields: dict[str, Any] = {"method": (_literal(row.method), ...)}
    kind = "Notification"
    if isinstance(row, Request):
        kind = "Request"
        fields["id"] = (RequestId, ...)
    fields["params"] = (NoParams | None, None) if row.params is None else (row.params, ...)
    model: type[ProtocolModel] = create_model(
        f"{_type_name(row.method)}{kind}", __base__=ProtocolModel, **fields
    )
    return model


#: One envelope model per row, by method name.
CLIENT_REQUEST_MODELS: Final = {r.method: _envelope(r) for r in CLIENT_REQUESTS}
SERVER_REQUEST_MODELS: Final = {r.method: _envelope(r) for r in SERVER_REQUESTS}
SERVER_NOTIFICATION_MODELS: Final = {n.method: _envelope(n) for n in SERVER_NOTIFICATIONS}
CLIENT_NOTIFICATION_MODELS: Final = {n.method: _envelope(n) for n in CLIENT_NOTIFICATIONS}


def _union(name: str, models: dict[str, type[ProtocolModel]]) -> Any:
    members = tuple(models.values())
    if len(members) == 1:
        return TypeAliasType(name, members[0])
    union = Annotated[Union[members], Field(discriminator="method")]  # type: ignore[valid-type]  # noqa: UP007
    return TypeAliasType(name, union)


ClientRequest = _union("ClientRequest", CLIENT_REQUEST_MODELS)
ServerRequest = _union("ServerRequest", SERVER_REQUEST_MODELS)
ServerNotification = _union("ServerNotification", SERVER_NOTIFICATION_MODELS)
ClientNotification = _union("ClientNotification", CLIENT_NOTIFICATION_MODELS)
