"""Results of the v2 methods this daemon does not serve (see the rows marked
``unsupported`` in `app_server_protocol.methods`).

Each is ``never`` (TypeScript) / ``{"not": {}}`` (JSON Schema): the daemon
answers these methods with an error, never with a result. They exist so that
a client typed against the reference finds every response type it knows.
"""

from __future__ import annotations

from typing_extensions import TypeAliasType

from ..unsupported import Never

SkillsListResponse = TypeAliasType("SkillsListResponse", Never)
"""Never sent: the method is not served."""

SkillsRemoteReadResponse = TypeAliasType("SkillsRemoteReadResponse", Never)
"""Never sent: the method is not served."""

SkillsRemoteWriteResponse = TypeAliasType("SkillsRemoteWriteResponse", Never)
"""Never sent: the method is not served."""

SkillsConfigWriteResponse = TypeAliasType("SkillsConfigWriteResponse", Never)
"""Never sent: the method is not served."""

AppsListResponse = TypeAliasType("AppsListResponse", Never)
"""Never sent: the method is not served."""

ThreadBackgroundTerminalsCleanResponse = TypeAliasType(
    "ThreadBackgroundTerminalsCleanResponse", Never
)
"""Never sent: the method is not served."""

ThreadRealtimeStartResponse = TypeAliasType("ThreadRealtimeStartResponse", Never)
"""Never sent: the method is not served."""

ThreadRealtimeAppendAudioResponse = TypeAliasType("ThreadRealtimeAppendAudioResponse", Never)
"""Never sent: the method is not served."""

ThreadRealtimeAppendTextResponse = TypeAliasType("ThreadRealtimeAppendTextResponse", Never)
"""Never sent: the method is not served."""

ThreadRealtimeStopResponse = TypeAliasType("ThreadRealtimeStopResponse", Never)
"""Never sent: the method is not served."""

CollaborationModeListResponse = TypeAliasType("CollaborationModeListResponse", Never)
"""Never sent: the method is not served."""

MockExperimentalMethodResponse = TypeAliasType("MockExperimentalMethodResponse", Never)
"""Never sent: the method is not served."""

WindowsSandboxSetupStartResponse = TypeAliasType("WindowsSandboxSetupStartResponse", Never)
"""Never sent: the method is not served."""

FeedbackUploadResponse = TypeAliasType("FeedbackUploadResponse", Never)
"""Never sent: the method is not served."""

ExternalAgentConfigDetectResponse = TypeAliasType("ExternalAgentConfigDetectResponse", Never)
"""Never sent: the method is not served."""

ExternalAgentConfigImportResponse = TypeAliasType("ExternalAgentConfigImportResponse", Never)
"""Never sent: the method is not served."""
