"""Building, before the first turn, the validators and serializers a turn uses.

Protocol models are built lazily (``defer_build``) so that importing them
stays cheap, but a daemon's first turn would then build those of its
requests, events, notifications and rollout lines while the client waits
(about 100 ms, most of a cold first turn). The loader builds them right after
the imports (`server._load_server`), before the full server answers: only
the models of a plain turn, v1 and v2 (and the built-in instructions are
read), so that memory and load time stay small; rarer items (commands,
patches, MCP calls) are still built on first use.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from app_server_protocol import events, items, methods, rollout, usage
from app_server_protocol.methods import CLIENT_REQUEST_MODELS
from app_server_protocol.v1 import conversations as v1_conversations
from app_server_protocol.v2 import account as v2_account
from app_server_protocol.v2 import items as v2_items
from app_server_protocol.v2 import threads as v2_threads
from app_server_protocol.v2 import turns as v2_turns

from . import outgoing
from .agent.instructions import base_instructions
from .model_client.request import items_adapter
from .model_client.responses_stream import item_adapter

#: Requests that start conversations and turns (their envelopes validate the params).
TURN_REQUESTS: tuple[methods.ClientMethod[Any, Any], ...] = (
    methods.NEW_CONVERSATION,
    methods.ADD_CONVERSATION_LISTENER,
    methods.SEND_USER_MESSAGE,
    methods.SEND_USER_TURN,
    methods.THREAD_START,
    methods.TURN_START,
)
#: Notifications of a plain turn, sent through `outgoing`'s adapters.
TURN_NOTIFICATIONS: tuple[methods.Notification[Any], ...] = (
    methods.THREAD_STARTED,
    methods.TURN_STARTED,
    methods.TURN_COMPLETED,
    methods.ITEM_STARTED,
    methods.ITEM_COMPLETED,
    methods.ITEM_AGENT_MESSAGE_DELTA,
    methods.THREAD_TOKEN_USAGE_UPDATED,
    methods.ACCOUNT_RATE_LIMITS_UPDATED,
)
#: Models a turn creates directly: events, items, usage, results, rollout lines.
TURN_MODELS: tuple[type[BaseModel], ...] = (
    events.TurnStartedEvent,
    events.TurnCompleteEvent,
    events.UserMessageEvent,
    events.AgentMessageEvent,
    events.AgentMessageDeltaEvent,
    events.ItemStartedEvent,
    events.ItemCompletedEvent,
    events.TokenCountEvent,
    items.InputItemText,
    items.InputItemTextData,
    items.UserInputText,
    items.UserMessageItem,
    items.AgentMessageContentText,
    items.AgentMessageItem,
    usage.TokenUsage,
    usage.TokenUsageInfo,
    usage.RateLimitSnapshot,
    rollout.TurnContextItem,
    v1_conversations.NewConversationResponse,
    v1_conversations.AddConversationSubscriptionResponse,
    v1_conversations.SendUserMessageResponse,
    v1_conversations.SendUserTurnResponse,
    v2_account.RateLimitSnapshot,
    v2_items.UserInputText,
    v2_items.ThreadItemUserMessage,
    v2_items.ThreadItemAgentMessage,
    v2_threads.ThreadStartResponse,
    v2_threads.ThreadStatusActive,
    v2_threads.ThreadTokenUsage,
    v2_threads.TokenUsageBreakdown,
    v2_turns.Turn,
    v2_turns.TurnStartResponse,
)


def warm_turn_path() -> None:
    """Build the turn path's validators and serializers. Blocking (it runs
    in the loader thread, before the full server serves)."""
    for row in TURN_REQUESTS:
        CLIENT_REQUEST_MODELS[row.method].model_rebuild()
    for model in TURN_MODELS:
        model.model_rebuild()
    for notification in TURN_NOTIFICATIONS:
        params = notification.params
        if isinstance(params, type) and issubclass(params, BaseModel):
            params.model_rebuild()
        outgoing.params_adapter(notification)
    item_adapter()
    items_adapter()
    base_instructions()
