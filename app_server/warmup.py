"""Building, before the first turn, the validators and serializers a turn uses.

Protocol models are built lazily (``defer_build``) so that importing them
stays cheap, but a daemon's first turn would then build those of its
requests, events, notifications and rollout lines while the client waits
(about 100 ms, most of a cold first turn). The loader builds them right after
the imports (`server._load_server`), before the full server answers: the
models of a plain turn, v1 and v2, and every model they contain (and the
built-in instructions are read).

They are built in dependency order, each model after those it contains:
pydantic reuses the schema of a model already built, but makes again, inside
every container, that of one still to build (each of the dozen items of a
thread item union, in every notification, event and response carrying one).
Built first, they cost less time and less memory in all than the containers
alone.
"""

from __future__ import annotations

import typing
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


def _in_dependency_order(roots: typing.Iterable[Any]) -> list[type[BaseModel]]:
    """The models the types ``roots`` refer to, each after the models it
    contains (through fields, unions, aliases, lists...)."""
    ordered: list[type[BaseModel]] = []
    seen: set[int] = set()

    def visit(annotation: Any) -> None:
        if id(annotation) in seen:
            return
        seen.add(id(annotation))
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for field in annotation.model_fields.values():
                visit(field.annotation)
            ordered.append(annotation)
            return
        alias_value = getattr(annotation, "__value__", None)  # a TypeAliasType
        if alias_value is not None:
            visit(alias_value)
        for argument in typing.get_args(annotation):
            visit(argument)

    for root in roots:
        visit(root)
    return ordered


def warm_turn_path() -> None:
    """Build the turn path's validators and serializers. Blocking (it runs
    in the loader thread, before the full server serves)."""
    roots: list[Any] = [CLIENT_REQUEST_MODELS[row.method] for row in TURN_REQUESTS]
    roots += TURN_MODELS
    roots += [notification.params for notification in TURN_NOTIFICATIONS]
    for model in _in_dependency_order(roots):
        model.model_rebuild()
    for notification in TURN_NOTIFICATIONS:
        outgoing.params_adapter(notification)
    item_adapter()
    items_adapter()
    base_instructions()
