"""Events of a realtime (voice) conversation. The daemon has none; the models
keep the reference's events readable."""

from typing import ClassVar, Literal

from pydantic import Field
from typing_extensions import TypeAliasType

from ._base import JsonValue, SnakeModel


class RealtimeAudioFrame(SnakeModel):
    data: str
    sample_rate: int
    num_channels: int
    samples_per_channel: int | None = None


class RealtimeSessionCreated(SnakeModel):
    ts_inline: ClassVar[bool] = True
    session_id: str


class RealtimeSessionUpdated(SnakeModel):
    ts_inline: ClassVar[bool] = True
    backend_prompt: str | None = None


class RealtimeEventSessionCreated(SnakeModel):
    ts_inline: ClassVar[bool] = True
    session_created: RealtimeSessionCreated = Field(alias="SessionCreated")


class RealtimeEventSessionUpdated(SnakeModel):
    ts_inline: ClassVar[bool] = True
    session_updated: RealtimeSessionUpdated = Field(alias="SessionUpdated")


class RealtimeEventAudioOut(SnakeModel):
    ts_inline: ClassVar[bool] = True
    audio_out: RealtimeAudioFrame = Field(alias="AudioOut")


class RealtimeEventConversationItemAdded(SnakeModel):
    ts_inline: ClassVar[bool] = True
    conversation_item_added: JsonValue = Field(alias="ConversationItemAdded")


class RealtimeEventError(SnakeModel):
    ts_inline: ClassVar[bool] = True
    error: str = Field(alias="Error")


RealtimeEvent = TypeAliasType(
    "RealtimeEvent",
    RealtimeEventSessionCreated
    | RealtimeEventSessionUpdated
    | RealtimeEventAudioOut
    | RealtimeEventConversationItemAdded
    | RealtimeEventError,
)
"""One event of the realtime session, tagged by its single key."""


class RealtimeConversationStartedEvent(SnakeModel):
    type: Literal["realtime_conversation_started"] = "realtime_conversation_started"
    session_id: str | None = None


class RealtimeConversationRealtimeEvent(SnakeModel):
    type: Literal["realtime_conversation_realtime"] = "realtime_conversation_realtime"
    payload: RealtimeEvent


class RealtimeConversationClosedEvent(SnakeModel):
    type: Literal["realtime_conversation_closed"] = "realtime_conversation_closed"
    reason: str | None = None
