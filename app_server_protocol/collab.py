"""Events of collaborating agents: a conversation that spawns, messages, waits
for, resumes and closes other agents' conversations. The daemon never starts
such agents; the models are here so that the reference's events and rollouts
read and write back unchanged."""

from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field
from typing_extensions import TypeAliasType

from ._base import SnakeModel, optional
from .common import ConversationId


class AgentStatusKind(StrEnum):
    PENDING_INIT = "pending_init"
    RUNNING = "running"
    SHUTDOWN = "shutdown"
    NOT_FOUND = "not_found"


class AgentStatusCompleted(SnakeModel):
    ts_inline: ClassVar[bool] = True
    completed: str | None = Field(description="The agent's last message.")


class AgentStatusErrored(SnakeModel):
    ts_inline: ClassVar[bool] = True
    errored: str


AgentStatus = TypeAliasType(
    "AgentStatus", AgentStatusKind | AgentStatusCompleted | AgentStatusErrored
)
"""Where another agent is."""


class CollabAgentRef(SnakeModel):
    thread_id: ConversationId
    agent_nickname: str | None = optional()
    agent_role: str | None = optional()


class CollabAgentStatusEntry(SnakeModel):
    thread_id: ConversationId
    agent_nickname: str | None = optional()
    agent_role: str | None = optional()
    status: AgentStatus


class CollabAgentSpawnBeginEvent(SnakeModel):
    type: Literal["collab_agent_spawn_begin"] = "collab_agent_spawn_begin"
    call_id: str
    sender_thread_id: ConversationId
    prompt: str


class CollabAgentSpawnEndEvent(SnakeModel):
    type: Literal["collab_agent_spawn_end"] = "collab_agent_spawn_end"
    call_id: str
    sender_thread_id: ConversationId
    new_thread_id: ConversationId | None = None
    new_agent_nickname: str | None = optional()
    new_agent_role: str | None = optional()
    prompt: str
    status: AgentStatus


class CollabAgentInteractionBeginEvent(SnakeModel):
    type: Literal["collab_agent_interaction_begin"] = "collab_agent_interaction_begin"
    call_id: str
    sender_thread_id: ConversationId
    receiver_thread_id: ConversationId
    prompt: str


class CollabAgentInteractionEndEvent(SnakeModel):
    type: Literal["collab_agent_interaction_end"] = "collab_agent_interaction_end"
    call_id: str
    sender_thread_id: ConversationId
    receiver_thread_id: ConversationId
    receiver_agent_nickname: str | None = optional()
    receiver_agent_role: str | None = optional()
    prompt: str
    status: AgentStatus


class CollabWaitingBeginEvent(SnakeModel):
    type: Literal["collab_waiting_begin"] = "collab_waiting_begin"
    sender_thread_id: ConversationId
    receiver_thread_ids: list[ConversationId]
    receiver_agents: list[CollabAgentRef] | None = optional()
    call_id: str


class CollabWaitingEndEvent(SnakeModel):
    type: Literal["collab_waiting_end"] = "collab_waiting_end"
    sender_thread_id: ConversationId
    call_id: str
    agent_statuses: list[CollabAgentStatusEntry] | None = optional()
    statuses: dict[str, AgentStatus]


class CollabCloseBeginEvent(SnakeModel):
    type: Literal["collab_close_begin"] = "collab_close_begin"
    call_id: str
    sender_thread_id: ConversationId
    receiver_thread_id: ConversationId


class CollabCloseEndEvent(SnakeModel):
    type: Literal["collab_close_end"] = "collab_close_end"
    call_id: str
    sender_thread_id: ConversationId
    receiver_thread_id: ConversationId
    receiver_agent_nickname: str | None = optional()
    receiver_agent_role: str | None = optional()
    status: AgentStatus


class CollabResumeBeginEvent(SnakeModel):
    type: Literal["collab_resume_begin"] = "collab_resume_begin"
    call_id: str
    sender_thread_id: ConversationId
    receiver_thread_id: ConversationId
    receiver_agent_nickname: str | None = optional()
    receiver_agent_role: str | None = optional()


class CollabResumeEndEvent(SnakeModel):
    type: Literal["collab_resume_end"] = "collab_resume_end"
    call_id: str
    sender_thread_id: ConversationId
    receiver_thread_id: ConversationId
    receiver_agent_nickname: str | None = optional()
    receiver_agent_role: str | None = optional()
    status: AgentStatus
