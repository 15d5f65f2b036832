"""The method table is complete and consistent with the reference's method list."""

from __future__ import annotations

from app_server_protocol import methods

REFERENCE_CLIENT_METHODS = {
    "model/list",
    "account/login/start",
    "account/logout",
    "account/rateLimits/read",
    "account/read",
    "initialize",
    "newConversation",
    "getConversationSummary",
    "listConversations",
    "resumeConversation",
    "forkConversation",
    "archiveConversation",
    "sendUserMessage",
    "sendUserTurn",
    "interruptConversation",
    "addConversationListener",
    "removeConversationListener",
    "gitDiffToRemote",
    "loginApiKey",
    "loginChatGpt",
    "cancelLoginChatGpt",
    "logoutChatGpt",
    "getAuthStatus",
    "getUserSavedConfig",
    "setDefaultModel",
    "getUserAgent",
    "userInfo",
    "fuzzyFileSearch",
    "execOneOffCommand",
}


def test_client_requests_match_the_reference() -> None:
    assert {r.method for r in methods.CLIENT_REQUESTS} == REFERENCE_CLIENT_METHODS
    assert len(methods.CLIENT_REQUESTS) == 29


def test_server_side_rows() -> None:
    assert {r.method for r in methods.SERVER_REQUESTS} == {
        "execCommandApproval",
        "applyPatchApproval",
    }
    assert {n.method for n in methods.SERVER_NOTIFICATIONS} == {
        "account/rateLimits/updated",
        "authStatusChange",
        "loginChatGptComplete",
        "sessionConfigured",
    }
    assert {n.method for n in methods.CLIENT_NOTIFICATIONS} == {"initialized"}


def test_every_row_has_a_result_model() -> None:
    for row in (*methods.CLIENT_REQUESTS, *methods.SERVER_REQUESTS):
        assert row.result is not None, row.method


def test_every_client_method_has_a_handler() -> None:
    from app_server.handlers import HANDLERS

    assert set(HANDLERS) == set(methods.CLIENT_REQUESTS_BY_METHOD)
