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

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any, Final, Generic, Literal, Never, TypeVar, Union

from pydantic import ConfigDict, Field, create_model
from typing_extensions import TypeAliasType

from ._base import JsonValue, ProtocolModel
from .events import CodexEventNotification
from .jsonrpc import RequestId
from .unsupported import AnyParams
from .v1 import approvals, auth, config, conversations, session, workspace
from .v1 import unsupported as v1_unsupported
from .v2 import account as v2_account
from .v2 import approvals as v2_approvals
from .v2 import command as v2_command
from .v2 import config as v2_config
from .v2 import features as v2_features
from .v2 import mcp as v2_mcp
from .v2 import models as v2_models
from .v2 import notifications as v2_notifications
from .v2 import review as v2_review
from .v2 import threads as v2_threads
from .v2 import turns as v2_turns
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
GET_CONVERSATION_SUMMARY: Final = ClientMethod[
    conversations.GetConversationSummaryParams, conversations.GetConversationSummaryResponse
](
    "getConversationSummary",
    conversations.GetConversationSummaryParams,
    conversations.GetConversationSummaryResponse,
    ordering=FREE,
    doc="The summary of one recorded conversation, by its rollout file or its id.",
)
FORK_CONVERSATION: Final = ClientMethod[
    conversations.ForkConversationParams, conversations.ForkConversationResponse
](
    "forkConversation",
    conversations.ForkConversationParams,
    conversations.ForkConversationResponse,
    # Like newConversation: the copy's id is not known before the answer.
    ordering=FREE,
    doc="Start a conversation from a copy of a recorded one.",
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
MODEL_LIST: Final = ClientMethod[v2_models.ModelListParams, v2_models.ModelListResponse](
    "model/list",
    v2_models.ModelListParams,
    v2_models.ModelListResponse,
    ordering=FREE,
    doc="The models the daemon offers, one page at a time.",
)
ACCOUNT_LOGIN_START: Final = ClientMethod[
    v2_account.LoginAccountParams, v2_account.LoginAccountResponse
](
    "account/login/start",
    v2_account.LoginAccountParams,
    v2_account.LoginAccountResponse,
    ordering=SERIAL,
    doc="Sign in with an API key, or start a ChatGPT login in the browser.",
)
ACCOUNT_LOGOUT: Final = ClientMethod[None, v2_account.LogoutAccountResponse](
    "account/logout", None, v2_account.LogoutAccountResponse, ordering=SERIAL, doc="Sign out."
)
ACCOUNT_RATE_LIMITS_READ: Final = ClientMethod[None, v2_account.GetAccountRateLimitsResponse](
    "account/rateLimits/read",
    None,
    v2_account.GetAccountRateLimitsResponse,
    ordering=FREE,
    doc="The ChatGPT account's current rate limits.",
)
ACCOUNT_READ: Final = ClientMethod[v2_account.GetAccountParams, v2_account.GetAccountResponse](
    "account/read",
    v2_account.GetAccountParams,
    v2_account.GetAccountResponse,
    ordering=SERIAL,
    doc="The signed-in account.",
)

# v2: threads, turns, review, config, MCP, features, one-off commands
THREAD_START: Final = ClientMethod[v2_threads.ThreadStartParams, v2_threads.ThreadStartResponse](
    "thread/start",
    v2_threads.ThreadStartParams,
    v2_threads.ThreadStartResponse,
    ordering=FREE,
    doc="Start a thread.",
)
THREAD_RESUME: Final = ClientMethod[v2_threads.ThreadResumeParams, v2_threads.ThreadResumeResponse](
    "thread/resume",
    v2_threads.ThreadResumeParams,
    v2_threads.ThreadResumeResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.thread_id or p.path,
    doc="Load a recorded thread (by id, or by its rollout file) to continue it.",
)
THREAD_FORK: Final = ClientMethod[v2_threads.ThreadForkParams, v2_threads.ThreadForkResponse](
    "thread/fork",
    v2_threads.ThreadForkParams,
    v2_threads.ThreadForkResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.thread_id or p.path,
    doc="Start a thread from a copy of a recorded one.",
)
THREAD_ARCHIVE: Final = ClientMethod[
    v2_threads.ThreadArchiveParams, v2_threads.ThreadArchiveResponse
](
    "thread/archive",
    v2_threads.ThreadArchiveParams,
    v2_threads.ThreadArchiveResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.thread_id,
    doc="Move a thread's rollout file to `archived_sessions`.",
)
THREAD_UNSUBSCRIBE: Final = ClientMethod[
    v2_threads.ThreadUnsubscribeParams, v2_threads.ThreadUnsubscribeResponse
](
    "thread/unsubscribe",
    v2_threads.ThreadUnsubscribeParams,
    v2_threads.ThreadUnsubscribeResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.thread_id,
    doc="Stop receiving a thread's notifications.",
)
THREAD_NAME_SET: Final = ClientMethod[
    v2_threads.ThreadSetNameParams, v2_threads.ThreadSetNameResponse
](
    "thread/name/set",
    v2_threads.ThreadSetNameParams,
    v2_threads.ThreadSetNameResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.thread_id,
    doc="Name a thread.",
)
THREAD_UNARCHIVE: Final = ClientMethod[
    v2_threads.ThreadUnarchiveParams, v2_threads.ThreadUnarchiveResponse
](
    "thread/unarchive",
    v2_threads.ThreadUnarchiveParams,
    v2_threads.ThreadUnarchiveResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.thread_id,
    doc="Bring an archived thread back.",
)
THREAD_COMPACT_START: Final = ClientMethod[
    v2_threads.ThreadCompactStartParams, v2_threads.ThreadCompactStartResponse
](
    "thread/compact/start",
    v2_threads.ThreadCompactStartParams,
    v2_threads.ThreadCompactStartResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.thread_id,
    doc="Compact a thread's history.",
)
THREAD_ROLLBACK: Final = ClientMethod[
    v2_threads.ThreadRollbackParams, v2_threads.ThreadRollbackResponse
](
    "thread/rollback",
    v2_threads.ThreadRollbackParams,
    v2_threads.ThreadRollbackResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.thread_id,
    doc="Drop a thread's last turns.",
)
THREAD_LIST: Final = ClientMethod[v2_threads.ThreadListParams, v2_threads.ThreadListResponse](
    "thread/list",
    v2_threads.ThreadListParams,
    v2_threads.ThreadListResponse,
    ordering=FREE,
    doc="Recorded threads, one page at a time.",
)
THREAD_LOADED_LIST: Final = ClientMethod[
    v2_threads.ThreadLoadedListParams, v2_threads.ThreadLoadedListResponse
](
    "thread/loaded/list",
    v2_threads.ThreadLoadedListParams,
    v2_threads.ThreadLoadedListResponse,
    ordering=FREE,
    doc="The threads loaded in this daemon.",
)
THREAD_READ: Final = ClientMethod[v2_threads.ThreadReadParams, v2_threads.ThreadReadResponse](
    "thread/read",
    v2_threads.ThreadReadParams,
    v2_threads.ThreadReadResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.thread_id,
    doc="A thread, with its turns if asked.",
)
TURN_START: Final = ClientMethod[v2_turns.TurnStartParams, v2_turns.TurnStartResponse](
    "turn/start",
    v2_turns.TurnStartParams,
    v2_turns.TurnStartResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.thread_id,
    doc="Send a user turn.",
)
TURN_STEER: Final = ClientMethod[v2_turns.TurnSteerParams, v2_turns.TurnSteerResponse](
    "turn/steer",
    v2_turns.TurnSteerParams,
    v2_turns.TurnSteerResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.thread_id,
    doc="Add input to the running turn.",
)
TURN_INTERRUPT: Final = ClientMethod[v2_turns.TurnInterruptParams, v2_turns.TurnInterruptResponse](
    "turn/interrupt",
    v2_turns.TurnInterruptParams,
    v2_turns.TurnInterruptResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.thread_id,
    doc="Stop the running turn.",
)
REVIEW_START: Final = ClientMethod[v2_review.ReviewStartParams, v2_review.ReviewStartResponse](
    "review/start",
    v2_review.ReviewStartParams,
    v2_review.ReviewStartResponse,
    ordering=PER_THREAD,
    thread=lambda p: p.thread_id,
    doc="Start a code review in a thread.",
)
EXPERIMENTAL_FEATURE_LIST: Final = ClientMethod[
    v2_features.ExperimentalFeatureListParams, v2_features.ExperimentalFeatureListResponse
](
    "experimentalFeature/list",
    v2_features.ExperimentalFeatureListParams,
    v2_features.ExperimentalFeatureListResponse,
    ordering=SERIAL,
    doc="The experimental features and whether each is on.",
)
MCP_SERVER_OAUTH_LOGIN: Final = ClientMethod[
    v2_mcp.McpServerOauthLoginParams, v2_mcp.McpServerOauthLoginResponse
](
    "mcpServer/oauth/login",
    v2_mcp.McpServerOauthLoginParams,
    v2_mcp.McpServerOauthLoginResponse,
    ordering=SERIAL,
    doc="Sign in to an MCP server with OAuth in the browser.",
)
CONFIG_MCP_SERVER_RELOAD: Final = ClientMethod[None, v2_mcp.McpServerRefreshResponse](
    "config/mcpServer/reload",
    None,
    v2_mcp.McpServerRefreshResponse,
    ordering=SERIAL,
    doc="Read the MCP servers of the config again.",
)
MCP_SERVER_STATUS_LIST: Final = ClientMethod[
    v2_mcp.ListMcpServerStatusParams, v2_mcp.ListMcpServerStatusResponse
](
    "mcpServerStatus/list",
    v2_mcp.ListMcpServerStatusParams,
    v2_mcp.ListMcpServerStatusResponse,
    ordering=SERIAL,
    doc="The configured MCP servers, their tools and sign-in status.",
)
ACCOUNT_LOGIN_CANCEL: Final = ClientMethod[
    v2_account.CancelLoginAccountParams, v2_account.CancelLoginAccountResponse
](
    "account/login/cancel",
    v2_account.CancelLoginAccountParams,
    v2_account.CancelLoginAccountResponse,
    ordering=SERIAL,
    doc="Stop a ChatGPT login in progress.",
)
COMMAND_EXEC: Final = ClientMethod[v2_command.CommandExecParams, v2_command.CommandExecResponse](
    "command/exec",
    v2_command.CommandExecParams,
    v2_command.CommandExecResponse,
    ordering=FREE,
    doc="Run a command in the sandbox and return its output.",
)
CONFIG_READ: Final = ClientMethod[v2_config.ConfigReadParams, v2_config.ConfigReadResponse](
    "config/read",
    v2_config.ConfigReadParams,
    v2_config.ConfigReadResponse,
    ordering=SERIAL,
    doc="The effective configuration, and its layers if asked.",
)
CONFIG_VALUE_WRITE: Final = ClientMethod[
    v2_config.ConfigValueWriteParams, v2_config.ConfigWriteResponse
](
    "config/value/write",
    v2_config.ConfigValueWriteParams,
    v2_config.ConfigWriteResponse,
    ordering=SERIAL,
    doc="Write one value of `config.toml`.",
)
CONFIG_BATCH_WRITE: Final = ClientMethod[
    v2_config.ConfigBatchWriteParams, v2_config.ConfigWriteResponse
](
    "config/batchWrite",
    v2_config.ConfigBatchWriteParams,
    v2_config.ConfigWriteResponse,
    ordering=SERIAL,
    doc="Write several values of `config.toml` at once.",
)
CONFIG_REQUIREMENTS_READ: Final = ClientMethod[None, v2_config.ConfigRequirementsReadResponse](
    "configRequirements/read",
    None,
    v2_config.ConfigRequirementsReadResponse,
    ordering=SERIAL,
    doc="The requirements an administrator set on the configuration.",
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
    THREAD_START,
    THREAD_RESUME,
    THREAD_FORK,
    THREAD_ARCHIVE,
    THREAD_UNSUBSCRIBE,
    THREAD_NAME_SET,
    THREAD_UNARCHIVE,
    THREAD_COMPACT_START,
    THREAD_BACKGROUND_TERMINALS_CLEAN,
    THREAD_ROLLBACK,
    THREAD_LIST,
    THREAD_LOADED_LIST,
    THREAD_READ,
    SKILLS_LIST,
    SKILLS_REMOTE_LIST,
    SKILLS_REMOTE_EXPORT,
    APP_LIST,
    SKILLS_CONFIG_WRITE,
    TURN_START,
    TURN_STEER,
    TURN_INTERRUPT,
    THREAD_REALTIME_START,
    THREAD_REALTIME_APPEND_AUDIO,
    THREAD_REALTIME_APPEND_TEXT,
    THREAD_REALTIME_STOP,
    REVIEW_START,
    MODEL_LIST,
    EXPERIMENTAL_FEATURE_LIST,
    COLLABORATION_MODE_LIST,
    MOCK_EXPERIMENTAL_METHOD,
    MCP_SERVER_OAUTH_LOGIN,
    CONFIG_MCP_SERVER_RELOAD,
    MCP_SERVER_STATUS_LIST,
    WINDOWS_SANDBOX_SETUP_START,
    ACCOUNT_LOGIN_START,
    ACCOUNT_LOGIN_CANCEL,
    ACCOUNT_LOGOUT,
    ACCOUNT_RATE_LIMITS_READ,
    FEEDBACK_UPLOAD,
    COMMAND_EXEC,
    CONFIG_READ,
    EXTERNAL_AGENT_CONFIG_DETECT,
    EXTERNAL_AGENT_CONFIG_IMPORT,
    CONFIG_VALUE_WRITE,
    CONFIG_BATCH_WRITE,
    CONFIG_REQUIREMENTS_READ,
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

ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL: Final = ServerMethod[
    v2_approvals.CommandExecutionRequestApprovalParams,
    v2_approvals.CommandExecutionRequestApprovalResponse,
](
    "item/commandExecution/requestApproval",
    v2_approvals.CommandExecutionRequestApprovalParams,
    v2_approvals.CommandExecutionRequestApprovalResponse,
    doc="Ask the user whether a command may run (v2).",
)
ITEM_FILE_CHANGE_REQUEST_APPROVAL: Final = ServerMethod[
    v2_approvals.FileChangeRequestApprovalParams, v2_approvals.FileChangeRequestApprovalResponse
](
    "item/fileChange/requestApproval",
    v2_approvals.FileChangeRequestApprovalParams,
    v2_approvals.FileChangeRequestApprovalResponse,
    doc="Ask the user whether a file change may be applied (v2).",
)
ITEM_TOOL_REQUEST_USER_INPUT: Final = ServerMethod[
    v2_approvals.ToolRequestUserInputParams, v2_approvals.ToolRequestUserInputResponse
](
    "item/tool/requestUserInput",
    v2_approvals.ToolRequestUserInputParams,
    v2_approvals.ToolRequestUserInputResponse,
    doc="Ask the user questions on a tool's behalf.",
)
ITEM_TOOL_CALL: Final = ServerMethod[
    v2_approvals.DynamicToolCallParams, v2_approvals.DynamicToolCallResponse
](
    "item/tool/call",
    v2_approvals.DynamicToolCallParams,
    v2_approvals.DynamicToolCallResponse,
    doc="Run a tool the client declared (`dynamicTools`).",
)
ACCOUNT_CHATGPT_AUTH_TOKENS_REFRESH: Final = ServerMethod[
    v2_approvals.ChatgptAuthTokensRefreshParams, v2_approvals.ChatgptAuthTokensRefreshResponse
](
    "account/chatgptAuthTokens/refresh",
    v2_approvals.ChatgptAuthTokensRefreshParams,
    v2_approvals.ChatgptAuthTokensRefreshResponse,
    doc="Ask the client for fresh ChatGPT tokens.",
)

SERVER_REQUESTS: Final[tuple[ServerMethod[Any, Any], ...]] = (
    ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL,
    ITEM_FILE_CHANGE_REQUEST_APPROVAL,
    ITEM_TOOL_REQUEST_USER_INPUT,
    ITEM_TOOL_CALL,
    ACCOUNT_CHATGPT_AUTH_TOKENS_REFRESH,
    APPLY_PATCH_APPROVAL,
    EXEC_COMMAND_APPROVAL,
)

ACCOUNT_RATE_LIMITS_UPDATED: Final = Notification[
    v2_notifications.AccountRateLimitsUpdatedNotification
](
    "account/rateLimits/updated",
    v2_notifications.AccountRateLimitsUpdatedNotification,
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

ERROR_NOTIFICATION: Final = Notification[v2_notifications.ErrorNotification](
    "error",
    v2_notifications.ErrorNotification,
    doc="A turn met an error (`error`).",
)
THREAD_STARTED: Final = Notification[v2_notifications.ThreadStartedNotification](
    "thread/started",
    v2_notifications.ThreadStartedNotification,
    doc="A thread was started, resumed or forked (`thread/started`).",
)
THREAD_STATUS_CHANGED: Final = Notification[v2_notifications.ThreadStatusChangedNotification](
    "thread/status/changed",
    v2_notifications.ThreadStatusChangedNotification,
    doc="A thread's status changed.",
)
THREAD_ARCHIVED: Final = Notification[v2_notifications.ThreadArchivedNotification](
    "thread/archived",
    v2_notifications.ThreadArchivedNotification,
    doc="A thread was archived.",
)
THREAD_UNARCHIVED: Final = Notification[v2_notifications.ThreadUnarchivedNotification](
    "thread/unarchived",
    v2_notifications.ThreadUnarchivedNotification,
    doc="A thread was brought back from the archive.",
)
THREAD_CLOSED: Final = Notification[v2_notifications.ThreadClosedNotification](
    "thread/closed",
    v2_notifications.ThreadClosedNotification,
    doc="A thread was unloaded from memory.",
)
THREAD_NAME_UPDATED: Final = Notification[v2_notifications.ThreadNameUpdatedNotification](
    "thread/name/updated",
    v2_notifications.ThreadNameUpdatedNotification,
    doc="A thread's title changed (`threadName` is absent when it was cleared).",
)
THREAD_TOKEN_USAGE_UPDATED: Final = Notification[
    v2_notifications.ThreadTokenUsageUpdatedNotification
](
    "thread/tokenUsage/updated",
    v2_notifications.ThreadTokenUsageUpdatedNotification,
    doc="A thread's token usage, after a model response.",
)
TURN_STARTED: Final = Notification[v2_notifications.TurnStartedNotification](
    "turn/started",
    v2_notifications.TurnStartedNotification,
    doc="A turn started.",
)
TURN_COMPLETED: Final = Notification[v2_notifications.TurnCompletedNotification](
    "turn/completed",
    v2_notifications.TurnCompletedNotification,
    doc="A turn ended (completed, interrupted or failed).",
)
TURN_DIFF_UPDATED: Final = Notification[v2_notifications.TurnDiffUpdatedNotification](
    "turn/diff/updated",
    v2_notifications.TurnDiffUpdatedNotification,
    doc="The unified diff of everything the turn's patches changed so far.",
)
TURN_PLAN_UPDATED: Final = Notification[v2_notifications.TurnPlanUpdatedNotification](
    "turn/plan/updated",
    v2_notifications.TurnPlanUpdatedNotification,
    doc="The agent's plan changed.",
)
ITEM_STARTED: Final = Notification[v2_notifications.ItemStartedNotification](
    "item/started",
    v2_notifications.ItemStartedNotification,
    doc="An item of a turn started.",
)
ITEM_COMPLETED: Final = Notification[v2_notifications.ItemCompletedNotification](
    "item/completed",
    v2_notifications.ItemCompletedNotification,
    doc="An item of a turn is complete: its final state.",
)
RAW_RESPONSE_ITEM_COMPLETED: Final = Notification[
    v2_notifications.RawResponseItemCompletedNotification
](
    "rawResponseItem/completed",
    v2_notifications.RawResponseItemCompletedNotification,
    doc="A raw Responses API item (only with `experimentalRawEvents`).",
)
ITEM_AGENT_MESSAGE_DELTA: Final = Notification[v2_notifications.AgentMessageDeltaNotification](
    "item/agentMessage/delta",
    v2_notifications.AgentMessageDeltaNotification,
    doc="More text of an agent message.",
)
ITEM_PLAN_DELTA: Final = Notification[v2_notifications.PlanDeltaNotification](
    "item/plan/delta",
    v2_notifications.PlanDeltaNotification,
    doc="More text of a proposed plan (experimental; the completed item is what counts).",
)
ITEM_COMMAND_EXECUTION_OUTPUT_DELTA: Final = Notification[
    v2_notifications.CommandExecutionOutputDeltaNotification
](
    "item/commandExecution/outputDelta",
    v2_notifications.CommandExecutionOutputDeltaNotification,
    doc="More output of a running command.",
)
ITEM_COMMAND_EXECUTION_TERMINAL_INTERACTION: Final = Notification[
    v2_notifications.TerminalInteractionNotification
](
    "item/commandExecution/terminalInteraction",
    v2_notifications.TerminalInteractionNotification,
    doc="The agent wrote to the stdin of a running process.",
)
ITEM_FILE_CHANGE_OUTPUT_DELTA: Final = Notification[
    v2_notifications.FileChangeOutputDeltaNotification
](
    "item/fileChange/outputDelta",
    v2_notifications.FileChangeOutputDeltaNotification,
    doc="More output of a patch being applied.",
)
SERVER_REQUEST_RESOLVED: Final = Notification[v2_notifications.ServerRequestResolvedNotification](
    "serverRequest/resolved",
    v2_notifications.ServerRequestResolvedNotification,
    doc="A request the server sent is settled (answered, or no longer needed).",
)
ITEM_MCP_TOOL_CALL_PROGRESS: Final = Notification[v2_notifications.McpToolCallProgressNotification](
    "item/mcpToolCall/progress",
    v2_notifications.McpToolCallProgressNotification,
    doc="Progress of an MCP tool call.",
)
MCP_SERVER_OAUTH_LOGIN_COMPLETED: Final = Notification[
    v2_notifications.McpServerOauthLoginCompletedNotification
](
    "mcpServer/oauthLogin/completed",
    v2_notifications.McpServerOauthLoginCompletedNotification,
    doc="An MCP OAuth login ended.",
)
ACCOUNT_UPDATED: Final = Notification[v2_notifications.AccountUpdatedNotification](
    "account/updated",
    v2_notifications.AccountUpdatedNotification,
    doc="The sign-in changed (`authMode` is null when signed out).",
)
APP_LIST_UPDATED: Final = Notification[v2_notifications.AppListUpdatedNotification](
    "app/list/updated",
    v2_notifications.AppListUpdatedNotification,
    doc="The list of apps changed (experimental).",
)
ITEM_REASONING_SUMMARY_TEXT_DELTA: Final = Notification[
    v2_notifications.ReasoningSummaryTextDeltaNotification
](
    "item/reasoning/summaryTextDelta",
    v2_notifications.ReasoningSummaryTextDeltaNotification,
    doc="More text of a reasoning summary paragraph.",
)
ITEM_REASONING_SUMMARY_PART_ADDED: Final = Notification[
    v2_notifications.ReasoningSummaryPartAddedNotification
](
    "item/reasoning/summaryPartAdded",
    v2_notifications.ReasoningSummaryPartAddedNotification,
    doc="A new reasoning summary paragraph starts.",
)
ITEM_REASONING_TEXT_DELTA: Final = Notification[v2_notifications.ReasoningTextDeltaNotification](
    "item/reasoning/textDelta",
    v2_notifications.ReasoningTextDeltaNotification,
    doc="More raw reasoning text.",
)
THREAD_COMPACTED: Final = Notification[v2_notifications.ContextCompactedNotification](
    "thread/compacted",
    v2_notifications.ContextCompactedNotification,
    doc="The thread's history was compacted (superseded by the `contextCompaction` item).",
)
MODEL_REROUTED: Final = Notification[v2_notifications.ModelReroutedNotification](
    "model/rerouted",
    v2_notifications.ModelReroutedNotification,
    doc="A turn moved to another model.",
)
DEPRECATION_NOTICE: Final = Notification[v2_notifications.DeprecationNoticeNotification](
    "deprecationNotice",
    v2_notifications.DeprecationNoticeNotification,
    doc="Something the client uses is deprecated.",
)
CONFIG_WARNING: Final = Notification[v2_notifications.ConfigWarningNotification](
    "configWarning",
    v2_notifications.ConfigWarningNotification,
    doc="A problem in the configuration, and where it is when known.",
)
THREAD_REALTIME_STARTED: Final = Notification[v2_notifications.ThreadRealtimeStartedNotification](
    "thread/realtime/started",
    v2_notifications.ThreadRealtimeStartedNotification,
    doc="Realtime started on a thread (experimental).",
)
THREAD_REALTIME_ITEM_ADDED: Final = Notification[
    v2_notifications.ThreadRealtimeItemAddedNotification
](
    "thread/realtime/itemAdded",
    v2_notifications.ThreadRealtimeItemAddedNotification,
    doc="A non-audio realtime item from the backend (experimental).",
)
THREAD_REALTIME_OUTPUT_AUDIO_DELTA: Final = Notification[
    v2_notifications.ThreadRealtimeOutputAudioDeltaNotification
](
    "thread/realtime/outputAudio/delta",
    v2_notifications.ThreadRealtimeOutputAudioDeltaNotification,
    doc="Realtime output audio (experimental).",
)
THREAD_REALTIME_ERROR: Final = Notification[v2_notifications.ThreadRealtimeErrorNotification](
    "thread/realtime/error",
    v2_notifications.ThreadRealtimeErrorNotification,
    doc="Realtime failed (experimental).",
)
THREAD_REALTIME_CLOSED: Final = Notification[v2_notifications.ThreadRealtimeClosedNotification](
    "thread/realtime/closed",
    v2_notifications.ThreadRealtimeClosedNotification,
    doc="Realtime stopped (experimental).",
)
WINDOWS_WORLD_WRITABLE_WARNING: Final = Notification[
    v2_notifications.WindowsWorldWritableWarningNotification
](
    "windows/worldWritableWarning",
    v2_notifications.WindowsWorldWritableWarningNotification,
    doc="Windows: folders anyone can write to weaken the sandbox.",
)
WINDOWS_SANDBOX_SETUP_COMPLETED: Final = Notification[
    v2_notifications.WindowsSandboxSetupCompletedNotification
](
    "windowsSandbox/setupCompleted",
    v2_notifications.WindowsSandboxSetupCompletedNotification,
    doc="Windows: the sandbox setup ended.",
)
ACCOUNT_LOGIN_COMPLETED: Final = Notification[v2_notifications.AccountLoginCompletedNotification](
    "account/login/completed",
    v2_notifications.AccountLoginCompletedNotification,
    doc="A login started by `account/login/start` ended.",
)

SERVER_NOTIFICATIONS: Final[tuple[Notification[Any], ...]] = (
    ERROR_NOTIFICATION,
    THREAD_STARTED,
    THREAD_STATUS_CHANGED,
    THREAD_ARCHIVED,
    THREAD_UNARCHIVED,
    THREAD_CLOSED,
    THREAD_NAME_UPDATED,
    THREAD_TOKEN_USAGE_UPDATED,
    TURN_STARTED,
    TURN_COMPLETED,
    TURN_DIFF_UPDATED,
    TURN_PLAN_UPDATED,
    ITEM_STARTED,
    ITEM_COMPLETED,
    RAW_RESPONSE_ITEM_COMPLETED,
    ITEM_AGENT_MESSAGE_DELTA,
    ITEM_PLAN_DELTA,
    ITEM_COMMAND_EXECUTION_OUTPUT_DELTA,
    ITEM_COMMAND_EXECUTION_TERMINAL_INTERACTION,
    ITEM_FILE_CHANGE_OUTPUT_DELTA,
    SERVER_REQUEST_RESOLVED,
    ITEM_MCP_TOOL_CALL_PROGRESS,
    MCP_SERVER_OAUTH_LOGIN_COMPLETED,
    ACCOUNT_UPDATED,
    ACCOUNT_RATE_LIMITS_UPDATED,
    APP_LIST_UPDATED,
    ITEM_REASONING_SUMMARY_TEXT_DELTA,
    ITEM_REASONING_SUMMARY_PART_ADDED,
    ITEM_REASONING_TEXT_DELTA,
    THREAD_COMPACTED,
    MODEL_REROUTED,
    DEPRECATION_NOTICE,
    CONFIG_WARNING,
    THREAD_REALTIME_STARTED,
    THREAD_REALTIME_ITEM_ADDED,
    THREAD_REALTIME_OUTPUT_AUDIO_DELTA,
    THREAD_REALTIME_ERROR,
    THREAD_REALTIME_CLOSED,
    WINDOWS_WORLD_WRITABLE_WARNING,
    WINDOWS_SANDBOX_SETUP_COMPLETED,
    ACCOUNT_LOGIN_COMPLETED,
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


class Envelopes(Mapping[str, type[ProtocolModel]]):
    """The envelope model of each row, by method name, each made when first
    looked up: a daemon uses a few of them, and making them all is a good part
    of loading the table."""

    def __init__(self, rows: Iterable[Request[Any, Any] | Notification[Any]]) -> None:
        self._rows = {row.method: row for row in rows}
        self._made: dict[str, type[ProtocolModel]] = {}

    def __getitem__(self, method: str) -> type[ProtocolModel]:
        model = self._made.get(method)
        if model is None:
            # Two threads may make one at once: both get the first one kept.
            model = self._made.setdefault(method, _envelope(self._rows[method]))
        return model

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


#: One envelope model per row, by method name.
CLIENT_REQUEST_MODELS: Final = Envelopes(CLIENT_REQUESTS)
SERVER_REQUEST_MODELS: Final = Envelopes(SERVER_REQUESTS)
SERVER_NOTIFICATION_MODELS: Final = Envelopes(SERVER_NOTIFICATIONS)
CLIENT_NOTIFICATION_MODELS: Final = Envelopes(CLIENT_NOTIFICATIONS)


def _union(name: str, models: Envelopes) -> Any:
    members = tuple(models.values())
    if len(members) == 1:
        return TypeAliasType(name, members[0])
    union = Annotated[Union[members], Field(discriminator="method")]  # type: ignore[valid-type]  # noqa: UP007
    return TypeAliasType(name, union)


#: The message unions, by name; each needs every envelope of its rows.
_UNIONS: Final = {
    "ClientRequest": CLIENT_REQUEST_MODELS,
    "ServerRequest": SERVER_REQUEST_MODELS,
    "ServerNotification": SERVER_NOTIFICATION_MODELS,
    "ClientNotification": CLIENT_NOTIFICATION_MODELS,
}


def __getattr__(name: str) -> Any:
    """`ClientRequest`, `ServerRequest`, `ServerNotification` and
    `ClientNotification`, made on first use (the export and tests use them,
    the daemon does not)."""
    models = _UNIONS.get(name)
    if models is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    union = globals().setdefault(name, _union(name, models))
    return union
