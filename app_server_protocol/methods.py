"""THE method table: every request and notification of the protocol, typed by
its params and its result, with the ordering each client request needs.

Everything else is derived from it: the `ClientRequest` / `ServerRequest` /
`ServerNotification` / `ClientNotification` unions below, the daemon's
dispatch, params validation and ordering (`app_server.processor`), the typed
sending of notifications and server requests (`app_server.outgoing`), the
TypeScript and JSON Schema export, and the check that every client method has
a handler of the right type. Adding a method means adding a row here and a
handler in the daemon.

Each row is a generic frozen dataclass typed by its params and result, e.g.
``ClientMethod[ThreadStartParams, ThreadStartResponse]``: the type arguments
are what mypy checks handlers and call sites against; the ``params`` and
``result`` fields are the same types at run time (for validation, serialising
and the export). A method without params has ``None`` for both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any, Final, Generic, Literal, Never, TypeVar, Union

from pydantic import ConfigDict, Field, create_model
from typing_extensions import TypeAliasType

from ._base import JsonValue, ProtocolModel
from .events import CodexEventNotification
from .jsonrpc import RequestId
from .unsupported import AnyParams
from .usage import RateLimitSnapshot
from .v1 import approvals, auth, config, conversations, session, workspace
from .v1 import unsupported as v1_unsupported
from .v2 import unsupported as v2_unsupported

P = TypeVar("P")
R = TypeVar("R")


class Ordering(Enum):
    """What a client request must see of the requests sent before it.

    The processor starts a request only once the earlier requests it must see
    have finished (answered, and whatever follows the answer sent).
    """

    SERIAL = "serial"
    """After every earlier serial or per-thread request: it reads or changes
    state the daemon shares (config, credentials, the set of threads)."""
    PER_THREAD = "per thread"
    """After earlier serial requests and earlier requests on the same thread
    (or conversation); requests on other threads run alongside."""
    FREE = "free"
    """At once: it neither waits for earlier requests nor holds later ones
    back (reads that need no order, long searches, one-off commands)."""


SERIAL: Final = Ordering.SERIAL
PER_THREAD: Final = Ordering.PER_THREAD
FREE: Final = Ordering.FREE


@dataclass(frozen=True, eq=False)
class Request(Generic[P, R]):
    """A request: its method name, its params type (None: it takes no
    params) and its result type."""

    method: str
    params: Any
    result: Any
    doc: str = field(default="", kw_only=True)


@dataclass(frozen=True, eq=False)
class ClientMethod(Request[P, R]):
    """A request the client sends, and how it is ordered.

    ``thread`` names the thread (or conversation) of a `PER_THREAD` request.
    ``unsupported`` says why this daemon does not serve a method of the
    protocol: its params are anything and it never has a result; one generic
    handler answers it with an error that says so.
    """

    ordering: Ordering = field(kw_only=True)
    thread: Callable[[P], object] | None = field(default=None, kw_only=True)
    unsupported: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if (self.ordering is PER_THREAD) != (self.thread is not None):
            raise ValueError(f"{self.method}: a thread key goes with PER_THREAD ordering only")


@dataclass(frozen=True, eq=False)
class ServerMethod(Request[P, R]):
    """A request the server sends to the client."""


@dataclass(frozen=True, eq=False)
class Notification(Generic[P]):
    """A notification: its method name and its params type (None: no params)."""

    method: str
    params: Any
    doc: str = field(default="", kw_only=True)


def unsupported(method: str, result: Any, reason: str) -> ClientMethod[JsonValue, Never]:
    """The row of a protocol method this daemon does not serve, and why.
    `result` is the reference's result type, as ``never``."""
    return ClientMethod[JsonValue, Never](
        method,
        AnyParams,
        result,
        ordering=FREE,
        unsupported=f"{method}: {reason}",
        doc=f"Not served by this daemon: {reason}.",
    )


# --------------------------------------------------------------------------
# Client requests
# --------------------------------------------------------------------------

INITIALIZE: Final = ClientMethod[session.InitializeParams, session.InitializeResponse](
    "initialize",
    session.InitializeParams,
    session.InitializeResponse,
    ordering=SERIAL,
    doc="The handshake; it must come first.",
)

# v1: conversations
NEW_CONVERSATION: Final = ClientMethod[
    conversations.NewConversationParams, conversations.NewConversationResponse
](
    "newConversation",
    conversations.NewConversationParams,
    conversations.NewConversationResponse,
    # Nothing can be sent about the new conversation before its id is known,
    # and starting one (MCP servers) may take a while: it holds nothing back.
    ordering=FREE,
    doc="Start a conversation.",
)
LIST_CONVERSATIONS: Final = ClientMethod[
    conversations.ListConversationsParams, conversations.ListConversationsResponse
](
    "listConversations",
    conversations.ListConversationsParams,
    conversations.ListConversationsResponse,
    ordering=FREE,
    doc="Recorded conversations, newest first, one page at a time.",
)
RESUME_CONVERSATION: Final = ClientMethod[
    conversations.ResumeConversationParams, conversations.ResumeConversationResponse
](
    "resumeConversation",
    conversations.ResumeConversationParams,
    conversations.ResumeConversationResponse,
    # A second resume of the same file supersedes one still starting.
    ordering=FREE,
    doc="Load a recorded conversation to continue it.",
)
ARCHIVE_CONVERSATION: Final = ClientMethod[
    conversations.ArchiveConversationParams, conversations.ArchiveConversationResponse
](
    "archiveConversation",
    conversations.ArchiveConversationParams,
    conversations.ArchiveConversationResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.conversation_id,
    doc="Shut a conversation down and move its rollout file to `archived_sessions`.",
)
SEND_USER_MESSAGE: Final = ClientMethod[
    conversations.SendUserMessageParams, conversations.SendUserMessageResponse
](
    "sendUserMessage",
    conversations.SendUserMessageParams,
    conversations.SendUserMessageResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.conversation_id,
    doc="Send a user turn with the conversation's current settings.",
)
SEND_USER_TURN: Final = ClientMethod[
    conversations.SendUserTurnParams, conversations.SendUserTurnResponse
](
    "sendUserTurn",
    conversations.SendUserTurnParams,
    conversations.SendUserTurnResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.conversation_id,
    doc="Send a user turn with new settings.",
)
INTERRUPT_CONVERSATION: Final = ClientMethod[
    conversations.InterruptConversationParams, conversations.InterruptConversationResponse
](
    "interruptConversation",
    conversations.InterruptConversationParams,
    conversations.InterruptConversationResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.conversation_id,
    doc="Stop the running turn.",
)
ADD_CONVERSATION_LISTENER: Final = ClientMethod[
    conversations.AddConversationListenerParams,
    conversations.AddConversationSubscriptionResponse,
](
    "addConversationListener",
    conversations.AddConversationListenerParams,
    conversations.AddConversationSubscriptionResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.conversation_id,
    doc="Receive the conversation's events as `codex/event/*` notifications.",
)
REMOVE_CONVERSATION_LISTENER: Final = ClientMethod[
    conversations.RemoveConversationListenerParams,
    conversations.RemoveConversationSubscriptionResponse,
](
    "removeConversationListener",
    conversations.RemoveConversationListenerParams,
    conversations.RemoveConversationSubscriptionResponse,
    ordering=SERIAL,
    doc="Stop receiving a conversation's events.",
)

# v1: the workspace
GIT_DIFF_TO_REMOTE: Final = ClientMethod[
    workspace.GitDiffToRemoteParams, workspace.GitDiffToRemoteResponse
](
    "gitDiffToRemote",
    workspace.GitDiffToRemoteParams,
    workspace.GitDiffToRemoteResponse,
    ordering=FREE,
    doc="The diff from the closest remote commit to the working tree.",
)
FUZZY_FILE_SEARCH: Final = ClientMethod[
    workspace.FuzzyFileSearchParams, workspace.FuzzyFileSearchResponse
](
    "fuzzyFileSearch",
    workspace.FuzzyFileSearchParams,
    workspace.FuzzyFileSearchResponse,
    # A later search with the same cancellation token cancels this one.
    ordering=FREE,
    doc="Files whose path matches a fuzzy query.",
)
EXEC_ONE_OFF_COMMAND: Final = ClientMethod[
    workspace.ExecOneOffCommandParams, workspace.ExecOneOffCommandResponse
](
    "execOneOffCommand",
    workspace.ExecOneOffCommandParams,
    workspace.ExecOneOffCommandResponse,
    ordering=FREE,
    doc="Run a command in the sandbox and return its output.",
)

# v1: sign-in
LOGIN_API_KEY: Final = ClientMethod[auth.LoginApiKeyParams, auth.LoginApiKeyResponse](
    "loginApiKey",
    auth.LoginApiKeyParams,
    auth.LoginApiKeyResponse,
    ordering=SERIAL,
    doc="Save an API key as the credentials.",
)
LOGIN_CHAT_GPT: Final = ClientMethod[None, auth.LoginChatGptResponse](
    "loginChatGpt",
    None,
    auth.LoginChatGptResponse,
    ordering=SERIAL,
    doc="Start a ChatGPT login in the browser.",
)
CANCEL_LOGIN_CHAT_GPT: Final = ClientMethod[
    auth.CancelLoginChatGptParams, auth.CancelLoginChatGptResponse
](
    "cancelLoginChatGpt",
    auth.CancelLoginChatGptParams,
    auth.CancelLoginChatGptResponse,
    ordering=SERIAL,
    doc="Stop a ChatGPT login in progress.",
)
LOGOUT_CHAT_GPT: Final = ClientMethod[None, auth.LogoutChatGptResponse](
    "logoutChatGpt",
    None,
    auth.LogoutChatGptResponse,
    ordering=SERIAL,
    doc="Remove the saved credentials.",
)
GET_AUTH_STATUS: Final = ClientMethod[auth.GetAuthStatusParams, auth.GetAuthStatusResponse](
    "getAuthStatus",
    auth.GetAuthStatusParams,
    auth.GetAuthStatusResponse,
    ordering=SERIAL,
    doc="How the daemon is signed in.",
)
USER_INFO: Final = ClientMethod[None, session.UserInfoResponse](
    "userInfo",
    None,
    session.UserInfoResponse,
    ordering=SERIAL,
    doc="The signed-in user's email.",
)

# v1: settings
GET_USER_SAVED_CONFIG: Final = ClientMethod[None, config.GetUserSavedConfigResponse](
    "getUserSavedConfig",
    None,
    config.GetUserSavedConfigResponse,
    ordering=SERIAL,
    doc="The settings saved in `config.toml`.",
)
SET_DEFAULT_MODEL: Final = ClientMethod[
    config.SetDefaultModelParams, config.SetDefaultModelResponse
](
    "setDefaultModel",
    config.SetDefaultModelParams,
    config.SetDefaultModelResponse,
    ordering=SERIAL,
    doc="Save the default model and reasoning effort in `config.toml`.",
)
GET_USER_AGENT: Final = ClientMethod[None, session.GetUserAgentResponse](
    "getUserAgent",
    None,
    session.GetUserAgentResponse,
    ordering=FREE,
    doc="The daemon's user agent.",
)

# v2: models and accounts
MODEL_LIST: Final = ClientMethod[config.ListModelsParams, config.ListModelsResponse](
    "model/list",
    config.ListModelsParams,
    config.ListModelsResponse,
    ordering=FREE,
    doc="The models the daemon offers, one page at a time.",
)
ACCOUNT_LOGIN: Final = ClientMethod[auth.LoginAccountParams, auth.LoginAccountResponse](
    "account/login",
    auth.LoginAccountParams,
    auth.LoginAccountResponse,
    ordering=SERIAL,
    doc="Sign in with an API key, or start a ChatGPT login in the browser.",
)
ACCOUNT_LOGOUT: Final = ClientMethod[None, auth.LogoutAccountResponse](
    "account/logout", None, auth.LogoutAccountResponse, ordering=SERIAL, doc="Sign out."
)
ACCOUNT_RATE_LIMITS_READ: Final = ClientMethod[None, auth.GetAccountRateLimitsResponse](
    "account/rateLimits/read",
    None,
    auth.GetAccountRateLimitsResponse,
    ordering=FREE,
    doc="The ChatGPT account's current rate limits.",
)
ACCOUNT_READ: Final = ClientMethod[None, auth.GetAccountResponse](
    "account/read",
    None,
    auth.GetAccountResponse,
    ordering=SERIAL,
    doc="The signed-in account.",
)

# Methods of the protocol this daemon does not serve.
_NO_SKILLS: Final = "skills are not supported by this app-server"
_NO_REALTIME: Final = "realtime (voice) threads are not supported by this app-server"
_NO_SESSIONS: Final = (
    "fuzzy file search sessions are not supported by this app-server; "
    "use fuzzyFileSearch with a cancellation token"
)
SKILLS_LIST: Final = unsupported("skills/list", v2_unsupported.SkillsListResponse, _NO_SKILLS)
SKILLS_REMOTE_LIST: Final = unsupported(
    "skills/remote/list", v2_unsupported.SkillsRemoteReadResponse, _NO_SKILLS
)
SKILLS_REMOTE_EXPORT: Final = unsupported(
    "skills/remote/export", v2_unsupported.SkillsRemoteWriteResponse, _NO_SKILLS
)
SKILLS_CONFIG_WRITE: Final = unsupported(
    "skills/config/write", v2_unsupported.SkillsConfigWriteResponse, _NO_SKILLS
)
APP_LIST: Final = unsupported(
    "app/list",
    v2_unsupported.AppsListResponse,
    "apps (connectors) are not supported by this app-server",
)
THREAD_BACKGROUND_TERMINALS_CLEAN: Final = unsupported(
    "thread/backgroundTerminals/clean",
    v2_unsupported.ThreadBackgroundTerminalsCleanResponse,
    "this app-server runs no background terminals",
)
THREAD_REALTIME_START: Final = unsupported(
    "thread/realtime/start", v2_unsupported.ThreadRealtimeStartResponse, _NO_REALTIME
)
THREAD_REALTIME_APPEND_AUDIO: Final = unsupported(
    "thread/realtime/appendAudio", v2_unsupported.ThreadRealtimeAppendAudioResponse, _NO_REALTIME
)
THREAD_REALTIME_APPEND_TEXT: Final = unsupported(
    "thread/realtime/appendText", v2_unsupported.ThreadRealtimeAppendTextResponse, _NO_REALTIME
)
THREAD_REALTIME_STOP: Final = unsupported(
    "thread/realtime/stop", v2_unsupported.ThreadRealtimeStopResponse, _NO_REALTIME
)
COLLABORATION_MODE_LIST: Final = unsupported(
    "collaborationMode/list",
    v2_unsupported.CollaborationModeListResponse,
    "collaboration modes are not supported by this app-server",
)
MOCK_EXPERIMENTAL_METHOD: Final = unsupported(
    "mock/experimentalMethod",
    v2_unsupported.MockExperimentalMethodResponse,
    "it is a test method of the reference's own",
)
WINDOWS_SANDBOX_SETUP_START: Final = unsupported(
    "windowsSandbox/setupStart",
    v2_unsupported.WindowsSandboxSetupStartResponse,
    "this app-server has no Windows sandbox",
)
FEEDBACK_UPLOAD: Final = unsupported(
    "feedback/upload",
    v2_unsupported.FeedbackUploadResponse,
    "this app-server uploads no feedback",
)
EXTERNAL_AGENT_CONFIG_DETECT: Final = unsupported(
    "externalAgentConfig/detect",
    v2_unsupported.ExternalAgentConfigDetectResponse,
    "importing other agents' configuration is not supported by this app-server",
)
EXTERNAL_AGENT_CONFIG_IMPORT: Final = unsupported(
    "externalAgentConfig/import",
    v2_unsupported.ExternalAgentConfigImportResponse,
    "importing other agents' configuration is not supported by this app-server",
)
GET_CONVERSATION_SUMMARY: Final = unsupported(
    "getConversationSummary",
    v1_unsupported.GetConversationSummaryResponse,
    "conversation summaries are not supported by this app-server",
)
FORK_CONVERSATION: Final = unsupported(
    "forkConversation",
    v1_unsupported.ForkConversationResponse,
    "forking conversations is not supported by this app-server",
)
FUZZY_FILE_SEARCH_SESSION_START: Final = unsupported(
    "fuzzyFileSearch/sessionStart",
    v1_unsupported.FuzzyFileSearchSessionStartResponse,
    _NO_SESSIONS,
)
FUZZY_FILE_SEARCH_SESSION_UPDATE: Final = unsupported(
    "fuzzyFileSearch/sessionUpdate",
    v1_unsupported.FuzzyFileSearchSessionUpdateResponse,
    _NO_SESSIONS,
)
FUZZY_FILE_SEARCH_SESSION_STOP: Final = unsupported(
    "fuzzyFileSearch/sessionStop",
    v1_unsupported.FuzzyFileSearchSessionStopResponse,
    _NO_SESSIONS,
)

#: Every client request, in the reference's order (its error for an unknown
#: method lists them in this order).
CLIENT_REQUESTS: Final[tuple[ClientMethod[Any, Any], ...]] = (
    INITIALIZE,
    THREAD_BACKGROUND_TERMINALS_CLEAN,
    SKILLS_LIST,
    SKILLS_REMOTE_LIST,
    SKILLS_REMOTE_EXPORT,
    APP_LIST,
    SKILLS_CONFIG_WRITE,
    THREAD_REALTIME_START,
    THREAD_REALTIME_APPEND_AUDIO,
    THREAD_REALTIME_APPEND_TEXT,
    THREAD_REALTIME_STOP,
    MODEL_LIST,
    COLLABORATION_MODE_LIST,
    MOCK_EXPERIMENTAL_METHOD,
    WINDOWS_SANDBOX_SETUP_START,
    ACCOUNT_LOGIN,
    ACCOUNT_LOGOUT,
    ACCOUNT_RATE_LIMITS_READ,
    FEEDBACK_UPLOAD,
    EXTERNAL_AGENT_CONFIG_DETECT,
    EXTERNAL_AGENT_CONFIG_IMPORT,
    ACCOUNT_READ,
    NEW_CONVERSATION,
    GET_CONVERSATION_SUMMARY,
    LIST_CONVERSATIONS,
    RESUME_CONVERSATION,
    FORK_CONVERSATION,
    ARCHIVE_CONVERSATION,
    SEND_USER_MESSAGE,
    SEND_USER_TURN,
    INTERRUPT_CONVERSATION,
    ADD_CONVERSATION_LISTENER,
    REMOVE_CONVERSATION_LISTENER,
    GIT_DIFF_TO_REMOTE,
    LOGIN_API_KEY,
    LOGIN_CHAT_GPT,
    CANCEL_LOGIN_CHAT_GPT,
    LOGOUT_CHAT_GPT,
    GET_AUTH_STATUS,
    GET_USER_SAVED_CONFIG,
    SET_DEFAULT_MODEL,
    GET_USER_AGENT,
    USER_INFO,
    FUZZY_FILE_SEARCH,
    FUZZY_FILE_SEARCH_SESSION_START,
    FUZZY_FILE_SEARCH_SESSION_UPDATE,
    FUZZY_FILE_SEARCH_SESSION_STOP,
    EXEC_ONE_OFF_COMMAND,
)

# --------------------------------------------------------------------------
# Server requests and notifications
# --------------------------------------------------------------------------

APPLY_PATCH_APPROVAL: Final = ServerMethod[
    approvals.ApplyPatchApprovalParams, approvals.ApplyPatchApprovalResponse
](
    "applyPatchApproval",
    approvals.ApplyPatchApprovalParams,
    approvals.ApplyPatchApprovalResponse,
    doc="Ask the user whether a patch may be applied.",
)
EXEC_COMMAND_APPROVAL: Final = ServerMethod[
    approvals.ExecCommandApprovalParams, approvals.ExecCommandApprovalResponse
](
    "execCommandApproval",
    approvals.ExecCommandApprovalParams,
    approvals.ExecCommandApprovalResponse,
    doc="Ask the user whether a command may run.",
)

SERVER_REQUESTS: Final[tuple[ServerMethod[Any, Any], ...]] = (
    APPLY_PATCH_APPROVAL,
    EXEC_COMMAND_APPROVAL,
)

ACCOUNT_RATE_LIMITS_UPDATED: Final = Notification[RateLimitSnapshot](
    "account/rateLimits/updated",
    RateLimitSnapshot,
    doc="The account's rate limits changed (after each model response).",
)
AUTH_STATUS_CHANGE: Final = Notification[auth.AuthStatusChangeNotification](
    "authStatusChange", auth.AuthStatusChangeNotification, doc="The daemon signed in or out."
)
LOGIN_CHAT_GPT_COMPLETE: Final = Notification[auth.LoginChatGptCompleteNotification](
    "loginChatGptComplete",
    auth.LoginChatGptCompleteNotification,
    doc="A ChatGPT login finished.",
)
SESSION_CONFIGURED: Final = Notification[conversations.SessionConfiguredNotification](
    "sessionConfigured",
    conversations.SessionConfiguredNotification,
    doc="A conversation is ready.",
)

SERVER_NOTIFICATIONS: Final[tuple[Notification[Any], ...]] = (
    ACCOUNT_RATE_LIMITS_UPDATED,
    AUTH_STATUS_CHANGE,
    LOGIN_CHAT_GPT_COMPLETE,
    SESSION_CONFIGURED,
)

INITIALIZED: Final = Notification[None](
    "initialized", None, doc="The client has processed the `initialize` reply."
)

CLIENT_NOTIFICATIONS: Final[tuple[Notification[Any], ...]] = (INITIALIZED,)

#: The prefix of conversation event notifications (``codex/event/<type>``).
CODEX_EVENT_PREFIX: Final = "codex/event/"
#: Their params (not part of `ServerNotification`, as in the reference).
CODEX_EVENT_PARAMS: Final = CodexEventNotification

CLIENT_REQUESTS_BY_METHOD: Final[dict[str, ClientMethod[Any, Any]]] = {
    r.method: r for r in CLIENT_REQUESTS
}
SERVER_REQUESTS_BY_METHOD: Final[dict[str, ServerMethod[Any, Any]]] = {
    r.method: r for r in SERVER_REQUESTS
}


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


def _envelope(row: Request[Any, Any] | Notification[Any]) -> type[ProtocolModel]:
    """The model of a whole message of one row: method, id (requests only), params."""
    fields: dict[str, Any] = {"method": (_literal(row.method), ...)}
    kind = "Notification"
    if isinstance(row, Request):
        kind = "Request"
        fields["id"] = (RequestId, ...)
    if row.params is None:
        fields["params"] = (NoParams | None, None)
    elif isinstance(row, ClientMethod) and row.unsupported is not None:
        fields["params"] = (row.params, None)  # anything, even nothing: the answer is an error
    else:
        fields["params"] = (row.params, ...)
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
